"""Seeding, sessions and shared builds for every check."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from conformance import tiers, unbuildable
from layers import catalog, compat

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
    unbuildable.skip_unbuildable(items)
    tier = config.stash[TIER]
    kept, moved = [], []
    for item in items:
        (kept if tiers.runs_in(item, tier) else moved).append(item)
    if moved:
        config.hook.pytest_deselected(items=moved)
    # Dearest first (the measured costs), so no worker starts a long training as the others finish.
    items[:] = sorted(kept, key=lambda item: -tiers.measured_cost(item))


def pytest_configure(config):
    config.stash[TIER] = tiers.chosen_tier(config.getoption("--tier"))
    compat.enable_op_determinism()


# Checks that share a per-process cache, by test function: the cache each one fills or reads,
# named by the test's parameter id.  Under pytest-xdist they go to one worker (the gate runs
# ``--dist loadgroup``; SharedRunScheduling below), so the expensive part runs once per run.
SHARED_CACHES = {
    "test_recipe_reaches_its_thresholds": "trained",  # the recipe's seed-0 run (seeded_run)
    "test_one_epoch_repeats_the_seeded_run_bit_for_bit": "trained",
    "test_path_matches_the_cpu_reference": "parity",  # the entry's float32 reference (<entry>-<path>)
    # the entry's artifacts, written once into one folder for its four formats (<entry>-<format>)
    "test_this_version_writes_every_format": "written",
    "test_what_this_version_wrote_reads_back": "written",
}


def shared_cache_of(nodeid: str) -> str | None:
    """The cache a check shares with others, e.g. "trained:seq.mlp_binary"; None if it shares none."""
    function, _, params = nodeid.split("::")[-1].partition("[")
    cache = SHARED_CACHES.get(function)
    if cache is None or not params:
        return None
    params = params.rstrip("]")
    entry = params if cache == "trained" else params.rsplit("-", 1)[0]
    return f"{cache}:{entry}"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    # xdist's own loadgroup reads xdist_group marks into node ids, which pytest 9 no longer lets
    # it rewrite (xdist 3.8): the groups are lost.  Grouping by node id here needs no marks.
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedRunScheduling(LoadScopeScheduling):
        """Load balancing in which the checks of one shared cache form one unit of work."""

        def _split_scope(self, nodeid: str) -> str:
            return shared_cache_of(nodeid) or nodeid

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
