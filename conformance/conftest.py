"""Seeding, sessions and shared builds for every check."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings

from conformance import tiers, unbuildable
from layers import catalog, compat
from reporting import results

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


def pytest_addoption(parser):
    parser.addoption("--tier", default=None, choices=tiers.TIERS,
                     help="default: covering subsets of the expensive kinds (conformance/tiers.py); "
                          "full: every check for every entry (default: $GATE_TIER, else default)")


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
    entry this Keras cannot build (a row says so) is judged once and skipped elsewhere (unbuildable.py)."""
    skip_entries_of_another_catalogue(items)
    unbuildable.skip_unbuildable(items)
    tier = config.stash[TIER]
    kept, moved = [], []
    for item in items:
        (kept if tiers.runs_in(item, tier) else moved).append(item)
    if moved:
        config.hook.pytest_deselected(items=moved)
    # Dearest first (the measured costs), so no worker starts a long training as the others finish.
    items[:] = sorted(kept, key=lambda item: -tiers.measured_cost(item))
    workerinput = getattr(config, "workerinput", {})
    if SHARED_CACHE_GROUPS in workerinput:
        write_groups(workerinput[SHARED_CACHE_GROUPS], workerinput["workerid"], items)


def skip_entries_of_another_catalogue(items) -> None:
    """A check about one seed entry (a documented figure, an API fact shown on a seed model) says so in a
    team's run, where that entry is not catalogued; in the seed catalogue an unknown entry stays an error."""
    if catalog.is_seed_catalogue():
        return
    known = set(catalog.ids())
    for item in items:
        entry_id = results.entry_of(item)
        if entry_id is not None and entry_id not in known:
            item.add_marker(pytest.mark.skip(reason=f"about the seed entry {entry_id}; this run gates a team's "
                                                    "catalogue, which does not hold it"))


def pytest_configure(config):
    config.stash[TIER] = tiers.chosen_tier(config.getoption("--tier"))
    compat.enable_op_determinism()
    if not hasattr(config, "workerinput") and config.pluginmanager.hasplugin("xdist"):
        config.stash[GROUPS_FOLDER] = tempfile.mkdtemp(prefix="gate-groups-")


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
    from layers.training import run_recipe

    runs = {}

    def get(entry_id: str):
        if entry_id not in runs:
            runs[entry_id] = run_recipe(entry_id, seed=0)
        return runs[entry_id]

    return get
