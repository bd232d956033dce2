"""A team's own models under the gate (examples/team: its catalogue and baselines in its own folder): its
gate passes as committed, and a Keras regression in what its models use fails it, naming its entries."""
from __future__ import annotations

import pytest

from keras_upgrade_gate.selftest.run import ROOT, run_gate

pytestmark = pytest.mark.selftest

TEAM = ROOT / "examples" / "team"


def test_the_example_teams_gate_passes_clean():
    run = run_gate("team-clean", [], cwd=TEAM, workers=2)
    assert run.returncode == 0 and not run.failures, (
        "false alarm on the example team's models: " + "; ".join(t["message"][:200] for t in run.failures[:5])
        + "\n" + run.output[-1500:])
    assert {t["snippet"] for t in run.tests} >= {"team.churn_classifier", "team.residual_encoder", "team.churn_h5",
                                                 "team.churn_keras"}


# (injection, the gate's checks it runs, the team's entries and the words their failures must carry):
# Dense stops adding its bias (both models hold a Dense: their golden runs); the optimizer's updates are lost
# (the recipe's convergence floors, set by the margin rule from the team's own measurements).
# A load that leaves a weight unread, and one whose outputs are off by a small factor: the team's production
# HDF5 (written by tf.keras 2.15), checked in a process of its own, which the injection reaches too.
FILES = ["conformance/test_saved_files.py", "-k", "outputs_match_its_record"]
CASES = [("dense_bias_dropped", ["conformance/test_golden.py"], ("team.churn_classifier", "team.residual_encoder"), "golden"),
         ("load_drops_a_weight", FILES, ("team.churn_h5",), "computes what it computed where recorded"),
         ("loaded_outputs_scaled", FILES, ("team.churn_h5",), "computes what it computed where recorded"),
         ("optimizer_update_lost", ["conformance/test_convergence.py"], ("team.churn_classifier",), "convergence: loss drop")]


@pytest.mark.parametrize("injection, checks, entry_ids, words", CASES, ids=[case[0] for case in CASES])
def test_a_regression_in_the_teams_models_is_caught_and_named(injection, checks, entry_ids, words):
    run = run_gate(f"team-{injection}", checks, inject=injection, cwd=TEAM)
    assert run.returncode != 0, f"the team's gate passed under {injection}\n{run.output[-1500:]}"
    for entry_id in entry_ids:
        assert run.names(entry_id, words), (
            f"the team's gate failed but did not name {entry_id} ({words}): "
            + "; ".join(f"[{t['snippet']}] {t['message'][:160]}" for t in run.failures[:8]))
