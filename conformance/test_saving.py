"""Saved models across versions: what this version writes, whether it reads that back, and whether it
reads the golden artifacts.

Every model entry (small configuration, NumPy-drawn weights) is written here in every format into
reports/<env>/artifacts/, which the live grid (conformance/grid.py) loads from every other
environment.  The golden artifacts in fixtures/saved/ were written once by TF 2.15 (Keras 2) and
TF 2.16 (Keras 3); each must load here without custom_objects and give the writer's outputs
within 1e-6, or the expected-differences table records why not.
"""
from __future__ import annotations

import os
import pathlib

import pytest

from keras_upgrade_gate.conformance import baselines, expect, expectations, repro, saving, tiers
from keras_upgrade_gate.layers import compat

pytestmark = pytest.mark.saving

# Under the directory the gate runs in, beside its report (a team's checkout when it gates its own models).
ARTIFACTS = pathlib.Path("reports", os.environ.get("GATE_ENV", "local"), "artifacts").resolve()
GOLDEN_CASES = [pytest.param(writer, entry_id, fmt, id=f"{entry_id}-{writer}-{fmt}",
                             marks=[pytest.mark.expensive("savedmodel")] if fmt == "savedmodel" else [])
                for writer in saving.GOLDEN_WRITERS
                for entry_id in saving.written_entries(saving.GOLDEN_DIR / writer)
                for fmt in compat.SAVE_FORMATS]


class _Written:
    """``written(entry_id)``: {format: outcome}, each entry written once per test run in the formats
    its tier writes; ``written.seconds(entry_id)``: {format: seconds each write took}."""

    def __init__(self, tier):
        self.tier = tier
        self.outcomes, self.timings = {}, {}

    def __call__(self, entry_id):
        if entry_id not in self.outcomes:
            formats = [f for f in compat.SAVE_FORMATS if tiers.saves_in(f, entry_id, self.tier)]
            self.outcomes[entry_id], self.timings[entry_id] = saving.write_entry(entry_id, ARTIFACTS, formats)
        return self.outcomes[entry_id]

    def seconds(self, entry_id):
        self(entry_id)
        return self.timings[entry_id]


@pytest.fixture(scope="session")
def written(tier):
    return _Written(tier)


# The SavedModel writer is the slowest (conformance/tiers.py): the default tier keeps a covering subset.
FORMATS = [pytest.param(fmt, marks=[pytest.mark.expensive("savedmodel")] if fmt == "savedmodel" else [])
           for fmt in compat.SAVE_FORMATS]


@pytest.mark.shared_cache("written")
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("entry_id", saving.MODELS)
def test_this_version_writes_every_format(entry_id, fmt, written, record_property):
    observed = written(entry_id)[fmt]
    record_property("write", observed)
    record_property("seconds", written.seconds(entry_id).get(fmt, 0.0))
    expect.outcome(entry_id, f"save:{fmt}:{entry_id}", f"writes {fmt}", observed, record_property)


@pytest.mark.parametrize("writer,entry_id,fmt", GOLDEN_CASES)
def test_golden_artifact_loads_and_matches(writer, entry_id, fmt, record_property):
    check = f"load:{writer}:{fmt}:{entry_id}"
    cell = saving.reader_for(check)(saving.GOLDEN_DIR / writer, entry_id, fmt)  # apart where a row expects a hang
    record_property("load", cell)
    if cell["state"] == "not written":
        pytest.skip(f"{writer} could not write {fmt} (fixtures/saved/{writer}/{entry_id}/written.json): "
                    f"{cell['detail']}")
    forward = saving.unrecorded_forward_read(check, cell, saving.writer_keras(saving.GOLDEN_DIR / writer))
    if forward:
        pytest.skip(f"{forward}: {_observed(cell)[:300]}")
    # A failure records its reproduction: the artifact embedded, loaded as the gate loads it, compared.
    _judge_load(entry_id, check, f"loads {writer}'s {fmt} and matches its outputs", cell, record_property,
                lambda: repro.golden_load(entry_id, f"loads {writer}'s {fmt}", writer, fmt))


@pytest.mark.shared_cache("written")
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("entry_id", saving.MODELS)
def test_what_this_version_wrote_reads_back(entry_id, fmt, written, record_property):
    """Every artifact this version wrote loads here again and gives the outputs it was written with; a
    whole-model file also its layers (names, classes) and its input and output shapes."""
    if written(entry_id)[fmt] != "ok":
        pytest.skip(f"not written ({written(entry_id)[fmt]}); the write check judges that")
    cell = saving.read_artifact(ARTIFACTS, entry_id, fmt, structure=True)
    record_property("readback", cell)
    # A failure records its reproduction: the model with the gate's weights, written, read back, compared.
    _judge_load(entry_id, f"readback:{fmt}:{entry_id}", f"reads back its own {fmt} and matches its outputs", cell,
                record_property, lambda: repro.read_back(entry_id, f"reads back its own {fmt}", fmt))


def _judge_load(entry_id, check, what, cell, record_property, recipe):
    """A load judged by its row; where the row (or no row) expects it to match, a failure records ``recipe``.
    Where a row expects a failure the script would prove the opposite: `python -m keras_upgrade_gate.conformance.repro` writes it."""
    row = expectations.expected(check)
    if row is not None and row.outcome != "ok":
        expect.outcome(entry_id, check, what, _observed(cell), record_property)
        return
    with repro.on_failure(record_property, recipe):
        expect.outcome(entry_id, check, what, _observed(cell), record_property)


def _observed(cell: dict) -> str:
    """A grid cell as an outcome a row can match: ok, the exception, or OutputsDiffer and the error."""
    return {"matches": "ok", "fails": cell.get("detail", ""),
            "differs": f"OutputsDiffer: largest error {cell.get('max_error')} ({cell.get('detail', '')})"}[cell["state"]]


def test_an_unrecorded_failure_to_read_a_newer_writer_is_forward_compatibility():
    """Informational only where the writer is newer and no row records the read: the same version's failure,
    or one a row records, is judged."""
    failed = {"state": "fails", "detail": "TypeError: Unrecognized keyword arguments: ['batch_shape']"}
    unrecorded = "load:nowhere:h5:no.entry"
    assert "forward compatibility" in saving.unrecorded_forward_read(unrecorded, failed, "99.0.0")
    assert saving.unrecorded_forward_read(unrecorded, failed, compat.KERAS_VERSION) is None
    assert saving.unrecorded_forward_read(unrecorded, {"state": "matches"}, "99.0.0") is None
    recorded = next(row.check for row in expectations.TABLE
                    if row.check.startswith("load:") and row.applies(compat.KERAS_VERSION))
    assert saving.unrecorded_forward_read(recorded, failed, "99.0.0") is None


def test_a_load_apart_that_does_not_return_in_time_is_a_hang():
    """The hang rows' judge sees: a load ended by its limit is observed as a Hang (a second is less than
    TensorFlow's import in the child), and a row expecting a hang judges a load that returns as different."""
    cell = saving.read_artifact_apart(saving.GOLDEN_DIR / "tf215", "seq.mlp_binary", "weights", seconds=1)
    observed = _observed(cell)
    assert observed.startswith(f"{expectations.HANG}: "), observed
    hang_rows = [r for r in expectations.TABLE if r.outcome.startswith(expectations.HANG)]
    assert hang_rows and all(expectations.judge(r, observed) == expectations.AS_EXPECTED for r in hang_rows)
    assert all(expectations.judge(r, "ok") == expectations.DIFFERS for r in hang_rows)


def test_the_golden_artifacts_are_the_derived_golden_set():
    """Every writer's committed folder holds exactly the models conformance/saving.py derives from the
    catalogue (the small ones and a cover of every other layer type): none missing, none stale."""
    from keras_upgrade_gate.conformance import coverage

    golden = saving.golden_models()
    assert not coverage.uncovered(golden), f"layer types in no golden model: {coverage.uncovered(golden)}"
    for writer in saving.GOLDEN_WRITERS:
        assert saving.written_entries(saving.GOLDEN_DIR / writer) == golden, (
            f"fixtures/saved/{writer} holds {saving.written_entries(saving.GOLDEN_DIR / writer)}; the derived golden "
            f"set is {golden} (write the missing with: python -m keras_upgrade_gate.conformance.saving --write fixtures/saved/{writer} "
            f"--only ID... in {writer})")


@baselines.SEEDS_ONLY  # a team's few models may all be small
def test_every_model_the_cover_adds_brings_a_layer_type_of_its_own():
    """The cover is not padding: without any one of the larger golden models a layer type is missing."""
    from keras_upgrade_gate.conformance import coverage

    golden = saving.golden_models()
    added = [e for e in golden if coverage.parameters(e) > coverage.GOLDEN_PARAMETER_LIMIT]
    assert added, "the small models alone hold every layer type: the cover adds nothing"
    for entry_id in added:
        assert coverage.uncovered([e for e in golden if e != entry_id]), f"{entry_id} brings no layer type of its own"


@baselines.SEEDS_ONLY  # shown on a seed model and the seeds' writers
def test_the_grid_reports_an_older_keras_failing_on_a_newer_writer_as_forward_compatibility():
    """Forward compatibility is informational; a failure reading an older or equal writer stays a failure."""
    from keras_upgrade_gate.conformance import grid

    failed = {"state": "fails", "detail": "TypeError: Unrecognized keyword arguments: ['some_new_field']"}
    newer = grid._judged(failed, saving.GOLDEN_WRITERS[-1], "keras", "seq.mlp_binary", writer_keras="99.0.0")
    assert newer["state"] == grid.NEWER_WRITER and "forward compatibility" in newer["reason"]
    same = grid._judged(failed, saving.GOLDEN_WRITERS[-1], "keras", "seq.mlp_binary", writer_keras=compat.KERAS_VERSION)
    assert same["state"] == "fails"
