"""The gate's light pytest plugin (entry point ``pytest11``): its option and markers, nothing heavier.

pytest loads it in every run of an environment where the gate is installed, a team's own unrelated tests
included, so it imports neither TensorFlow nor any check: the gate's session (seeding, tiers, the xdist
scheduler: conformance/session.py) is loaded by the gate's runner alone.  It leaves the team's pytest
configuration as it is: the markers below are added to it; the runner passes the warning filters as -W.
"""
from __future__ import annotations

TIERS = ("default", "full")  # conformance/tiers.py reads these; test_tiers checks the two agree

MARKERS = (
    "catalog: every entry builds, runs a forward pass, serializes; recipes run a step",
    "documented: the figures the seeds print (parameter counts, shapes)",
    "summary: snapshots of model summaries",
    "shapes: symbolic shape inference against eager shapes",
    "nodes: multi-node layer behaviour (get_output_at and its successors)",
    "as_written: what each seed's literal code does on this version",
    "convergence: seeded training reaches stated thresholds",
    "parity: numerical parity between execution paths (CPU, XLA, mixed precision, GPU)",
    "training_loop: what fit and evaluate do with the rows around the model (order, batches, held-out rows, "
    "the loss and metrics they report)",
    "oracles: Keras against independent NumPy references within float32's error bounds",
    "saving: what this version writes in each format, and loading the golden artifacts of TF 2.15 and 2.16",
    "gpu: needs a visible GPU; skips without one",
    "slow: seed-size work, excluded from the default tier",
    "expensive(kind): a check of an expensive kind (parity, training, savedmodel): the default tier runs it "
    "only for its covering subset (conformance/tiers.py)",
    "snippet(id): the catalogue id a check is about, when its parameters do not name it",
    "shared_cache(name): the check fills or reads a per-process cache of its entry (a training, a parity "
    "reference, written artifacts): under xdist the entry's checks of one cache run on one worker",
    "house: a check of the gate itself (its tables, tiers, command line, repository): run in the gate's own "
    "CI, left out of a team's run and of a run from the installed package",
    "selftest: the gate's own tests (injected regressions); excluded from the default tier",
)

WARNINGS_IGNORED = (
    # Keras 2's initializers seed with floats; Keras 3 converts tensors without copy=: noise, not findings.
    "ignore:non-integer arguments to randrange:DeprecationWarning",
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning",
)


def pytest_addoption(parser):
    group = parser.getgroup("keras-upgrade-gate")
    group.addoption("--tier", default=None, choices=TIERS,
                    help="default: covering subsets of the expensive kinds (conformance/tiers.py); "
                         "full: every check for every entry (default: $GATE_TIER, else default)")


def pytest_configure(config):
    for line in MARKERS:
        config.addinivalue_line("markers", line)
