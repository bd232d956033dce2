"""The default tier's covering subsets (conformance/tiers.py) hold what the rule promises, from the
committed measurements, and the tier selection deselects nothing else."""
from __future__ import annotations

import types

import pytest

from keras_upgrade_gate.conformance import baselines, coverage, tiers


def test_the_kind_names_are_the_kinds():
    assert tiers.KINDS == tuple(tiers._kinds())


@pytest.mark.parametrize("kind", tiers.KINDS)
def test_the_default_subset_holds_every_feature_of_its_kind(kind):
    spec = tiers._kinds()[kind]
    subset = tiers.default_subset(kind)
    every = frozenset().union(*(spec.features(e) for e in spec.candidates()))
    held = frozenset().union(*(spec.features(e) for e in subset))
    assert held == every, f"{kind}: the default tier's subset {subset} misses {sorted(every - held)}"
    assert set(tiers.required(kind)) <= set(subset), f"{kind}: {tiers.required(kind)} must stay in the default tier"


@pytest.mark.parametrize("kind", tiers.KINDS)
def test_every_entry_the_rule_adds_brings_a_feature_of_its_own(kind):
    """Greedy and minimal in the sense that matters: no chosen entry adds nothing."""
    spec = tiers._kinds()[kind]
    subset = tiers.default_subset(kind)
    for index, entry_id in enumerate(subset):
        if entry_id in tiers.required(kind):
            continue
        before = frozenset().union(*(spec.features(e) for e in subset[:index]))
        assert spec.features(entry_id) - before, f"{kind}: {entry_id} brings no feature of its own"


@baselines.SEEDS_ONLY  # a team's catalogue may run before its first full-tier run (every entry weighs the same)
@pytest.mark.parametrize("kind", tiers.KINDS)
def test_the_costs_measure_every_candidate(kind):
    """The rule weighs every entry by a measurement: a new entry needs one (a full-tier run, then
    python -m keras_upgrade_gate.conformance.tiers --costs reports/<env>-full)."""
    costs = tiers.measured_costs()[kind]
    candidates = tiers._kinds()[kind].candidates()
    assert sorted(costs) == sorted(candidates), (
        f"{kind}: measured {sorted(set(costs) - set(candidates))} that are not candidates, "
        f"unmeasured {sorted(set(candidates) - set(costs))}")


def test_the_rule_weighs_by_measured_cost():
    features = {"cheap": frozenset("a"), "dear": frozenset("ab"), "other": frozenset("b")}.get
    costs = {"cheap": 1.0, "dear": 10.0, "other": 1.0}.get
    assert sorted(coverage.weighted_cover(["cheap", "dear", "other"], features, costs)) == ["cheap", "other"]
    assert coverage.weighted_cover(["cheap", "dear", "other"], features, lambda e: 1.0) == ["dear"]


def _item(kind, entry_id):
    marker = types.SimpleNamespace(args=(kind,))
    return types.SimpleNamespace(callspec=types.SimpleNamespace(params={"entry_id": entry_id}),
                                 get_closest_marker=lambda name: marker if kind else None)


@baselines.SEEDS_ONLY  # a team's few entries may all be needed for the cover
def test_the_default_tier_moves_only_expensive_checks_outside_the_subset():
    outside = sorted(set(tiers._kinds()["parity"].candidates()) - set(tiers.default_subset("parity")))
    inside = tiers.default_subset("parity")[0]
    assert outside, "every entry is in the parity subset: the default tier would cut nothing"
    assert not tiers.runs_in(_item("parity", outside[0]), "default")
    assert tiers.runs_in(_item("parity", outside[0]), "full")
    assert tiers.runs_in(_item("parity", inside), "default")
    assert tiers.runs_in(_item(None, outside[0]), "default")


def test_an_unknown_tier_is_refused():
    with pytest.raises(ValueError, match="unknown tier 'quick'"):
        tiers.chosen_tier("quick")


def test_workers_share_the_cores_as_tensorflow_threads(monkeypatch):
    from keras_upgrade_gate.conformance import gate

    environ = {}
    monkeypatch.setattr(gate.os, "environ", environ)  # a stand-in: the real one is left alone
    monkeypatch.setattr(gate.os, "cpu_count", lambda: 4)
    gate.share_cores(["-n", "0"])
    assert not environ, "a serial run keeps TensorFlow's own pools"
    gate.share_cores(["-n", "2", "--dist", "loadgroup"])
    assert environ == {"TF_NUM_INTRAOP_THREADS": "2", "TF_NUM_INTEROP_THREADS": "2"}
    environ["TF_NUM_INTRAOP_THREADS"] = "3"
    gate.share_cores(["-n", "2", "--dist", "loadgroup"])
    assert environ["TF_NUM_INTRAOP_THREADS"] == "3", "a setting of the user's wins"
    environ.clear()
    monkeypatch.setattr(gate.os, "cpu_count", lambda: 16)
    gate.share_cores(["-n", "2", "--dist", "loadgroup"])
    assert environ == {"TF_NUM_INTRAOP_THREADS": "8", "TF_NUM_INTEROP_THREADS": "8"}, "16 cores, two workers"


@pytest.mark.parametrize("cores, workers, threads", [(2, 2, 1), (16, 2, 8), (16, 0, 16), (1, 2, 1), (7, 2, 3)])
def test_one_rule_sets_the_threads_from_the_cores_and_the_workers(cores, workers, threads):
    from keras_upgrade_gate.conformance import gate

    assert gate.threads_per_worker(cores, workers) == threads


def test_nothing_sets_tensorflows_threads_before_the_runner(tmp_path):
    """Importing the checks' package sets no thread count (it used to set one intra-op thread, so the runner's
    share never took effect: 16 cores faked and two workers gave one intra-op thread, eight inter-op)."""
    import os
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if not k.startswith("TF_NUM_")}
    shown = subprocess.run([sys.executable, "-c", "import os, keras_upgrade_gate.conformance.gate; "
                            "print(os.environ.get('TF_NUM_INTRAOP_THREADS'))"],
                           env=environment, capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert shown.strip() == "None"
