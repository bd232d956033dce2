"""The gate's pytest session: seeding, tiers, shared builds and the scheduler, for every check.

Loaded by the gate's runner (``-p keras_upgrade_gate.conformance.session``: conformance/gate.py), not as a
conftest, so a team's run keeps its own rootdir, configuration and conftest and the hooks below still reach
the xdist controller. Its command-line option and markers are the light plugin's (keras_upgrade_gate/plugin.py).
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings

from keras_upgrade_gate.conformance import calls, tiers, unbuildable
from keras_upgrade_gate.layers import catalog, compat, sources
from keras_upgrade_gate.reporting import results

SEED = 1234

# Hypothesis runs derandomized with a bounded number of examples, so the gate cannot flake and
# a failure reprints its example.  HYPOTHESIS_PROFILE=thorough searches wider (not derandomized).
settings.register_profile(
    "gate", derandomize=True, max_examples=8, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile(
    "thorough", max_examples=100, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))


def pytest_report_header(config):
    env = compat.environment()
    gpus = ", ".join(env["gpus"]) or "none visible"
    return (f"keras upgrade gate: TensorFlow {env['tensorflow']}, Keras {env['keras']}, "
            f"Python {env['python']}, GPUs: {gpus}; tier: {config.stash[TIER]}")


TIER = pytest.StashKey[str]()


@pytest.fixture(scope="session")
def tier(request) -> str:
    return request.config.stash[TIER]


def pytest_collection_modifyitems(config, items):
    """The default tier deselects the expensive checks of entries outside its covering subsets; an
    entry this Keras cannot build (a row says so) is judged once and skipped elsewhere (unbuildable.py).
    $GATE_ENTRIES (comma-separated; (suite) for the checks about Keras itself) keeps the checks of those
    entries only: a selection by the check's data, where -k matches names (the selftest's perturbations)."""
    keep_the_teams_checks(config, items)
    skip_the_repositorys_own_checks(items)
    unbuildable.skip_unbuildable(items)
    tier = config.stash[TIER]
    entries = {e for e in os.environ.get("GATE_ENTRIES", "").split(",") if e}
    kept, moved = [], []
    for item in items:
        chosen = not entries or (results.entry_of(item) or results.SUITE) in entries
        (kept if chosen and tiers.runs_in(item, tier) else moved).append(item)
    if moved:
        config.hook.pytest_deselected(items=moved)
    # Dearest first (the measured costs), so no worker starts a long training as the others finish.
    items[:] = sorted(kept, key=lambda item: -tiers.measured_cost(item))
    workerinput = getattr(config, "workerinput", {})
    if SHARED_CACHE_GROUPS in workerinput:
        write_groups(workerinput[SHARED_CACHE_GROUPS], workerinput["workerid"], items)


def keep_the_teams_checks(config, items) -> None:
    """A team's run is about the team: its entries' checks and the Keras facts they rest on (the NumPy
    oracles of Keras's layers, losses and optimizers).  The gate's checks of itself (its tables, tiers,
    command line) and checks about a seed entry are left out, so they cannot fail a team's upgrade; they run
    in the gate's own CI.  In the seed catalogue an unknown entry stays an error."""
    if catalog.is_seed_catalogue():
        return
    known = set(catalog.ids()) | {saved.id for saved in catalog.saved_files()}
    kept, moved = [], []
    for item in items:
        about_the_team = results.entry_of(item) in known or item.get_closest_marker("oracles") is not None
        (kept if about_the_team else moved).append(item)
    if moved:
        config.hook.pytest_deselected(items=moved)
        items[:] = kept


def skip_the_repositorys_own_checks(items) -> None:
    """A check of the gate's repository (``house``: its example team, its docs) needs the checkout; run from
    the installed package it says so instead of failing on a folder a wheel does not hold."""
    import keras_upgrade_gate

    if keras_upgrade_gate._in_the_checkout():
        return
    for item in items:
        if item.get_closest_marker("house"):
            item.add_marker(pytest.mark.skip(reason="about the gate's repository, which an installed gate does not "
                                                    "hold; it runs in the gate's own CI"))


def refuse_to_run_without_baselines(config) -> None:
    """A team's run in an environment it never recorded stops at once, naming what is missing and the command
    that writes it, instead of failing check by check with "Snapshot does not exist"."""
    if (catalog.is_seed_catalogue() or hasattr(config, "workerinput") or config.option.collectonly
            or getattr(config.option, "update_snapshots", False)):
        return
    from keras_upgrade_gate.conformance import baselines, write_baselines

    baselines.refuse_another_layout()
    missing = write_baselines.missing_to_run()
    if missing:
        listed = "; ".join(f"{entry}: {', '.join(kinds)}" for entry, kinds in sorted(missing.items()))
        raise pytest.UsageError(f"no baselines in {baselines.shown(sources.configured().baselines)} for this "
                                f"environment (Keras {compat.KERAS_VERSION}) of {listed}. Record them "
                                "with `keras-gate baselines` here (once per environment you gate), then run again.")


def pytest_configure(config):
    refuse_to_run_without_baselines(config)
    if calls.tracing():
        calls.install()
    config.stash[TIER] = tiers.chosen_tier(config.getoption("--tier"))
    compat.enable_op_determinism()
    if not hasattr(config, "workerinput") and config.pluginmanager.hasplugin("xdist"):
        config.stash[GROUPS_FOLDER] = tempfile.mkdtemp(prefix="gate-groups-")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    calls.start_check()  # a check's calls: its fixtures' (setup) and its own
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield
    if calls.tracing():
        item.user_properties.append((calls.PROPERTY, calls.calls_of_check()))


def pytest_unconfigure(config):
    folder = config.stash.get(GROUPS_FOLDER, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


# Checks that share a per-process cache carry @pytest.mark.shared_cache("<cache>"): the cache each one
# fills or reads, for its entry.  Under pytest-xdist the checks of one cache and entry go to one worker
# (the gate runs ``--dist loadgroup``; SharedRunScheduling below), so the expensive part runs once per run.
# The key is the check's data (marker and entry parameter), never parsed out of its node id: the workers
# write it at collection into a folder the controller made (``workerinput``), where the scheduler reads it.
SHARED_CACHE_GROUPS = "gate_shared_cache_groups"


def shared_cache_of(item) -> str | None:
    """The cache a check shares with others, e.g. "trained:seq.mlp_binary"; None if it shares none."""
    marker, entry_id = item.get_closest_marker("shared_cache"), results.entry_of(item)
    return f"{marker.args[0]}:{entry_id}" if marker and entry_id else None


def write_groups(folder, worker: str, items) -> None:
    groups = {item.nodeid: key for item in items if (key := shared_cache_of(item))}
    (pathlib.Path(folder) / f"{worker}.json").write_text(json.dumps(groups))


def read_groups(folder) -> dict[str, str]:
    groups: dict[str, str] = {}
    for path in sorted(pathlib.Path(folder).glob("*.json")):
        groups.update(json.loads(path.read_text()))
    return groups


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    # The controller hands each xdist worker the folder its collection writes the groups into.
    node.workerinput[SHARED_CACHE_GROUPS] = node.config.stash[GROUPS_FOLDER]


GROUPS_FOLDER = pytest.StashKey[str]()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    # xdist's own loadgroup reads xdist_group marks into node ids, which pytest 9 no longer lets
    # it rewrite (xdist 3.8): the groups are lost.  The scheduler reads the workers' groups instead.
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    folder = config.stash[GROUPS_FOLDER]

    class SharedRunScheduling(LoadScopeScheduling):
        """Load balancing in which the checks of one shared cache form one unit of work."""

        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:  # first asked once every worker has collected (and written)
                self.groups = read_groups(folder)
            return self.groups.get(nodeid, nodeid)

    return SharedRunScheduling(config, log)


@pytest.fixture(autouse=True)
def fresh_session():
    """Every check starts from a cleared, seeded session so layer auto-names and draws are stable."""
    compat.reset_session(SEED)
    yield


class _BuildCache:
    """Documented-size builds are expensive (VQA holds 165M parameters): build each once per run."""

    def __init__(self):
        self._built = {}

    def __call__(self, entry_id: str, small: bool = False):
        key = (entry_id, small)
        if key not in self._built:
            compat.reset_session(SEED)
            self._built[key] = catalog.build(entry_id, small=small)
        return self._built[key]


@pytest.fixture(scope="session")
def built():
    """``built(entry_id, small=False)``: the entry's model or layer, built once per test run."""
    return _BuildCache()


@pytest.fixture(scope="session")
def seeded_run():
    """``seeded_run(entry_id)``: the recipe's quick run with seed 0, trained once per test run and
    shared by the convergence checks (judged) and the determinism checks (repeated)."""
    from keras_upgrade_gate.layers.training import run_recipe

    runs = {}

    def get(entry_id: str):
        if entry_id not in runs:
            runs[entry_id] = run_recipe(entry_id, seed=0)
        return runs[entry_id]

    return get
