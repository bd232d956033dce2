"""A team's own models under the gate (examples/team: its catalogue and baselines in its own folder): its
gate passes as committed, and a Keras regression in what its models use fails it, naming its entries."""
from __future__ import annotations

import pytest

from selftest.run import ROOT, run_gate

pytestmark = pytest.mark.selftest

TEAM = ROOT / "examples" / "team"


def test_the_example_teams_gate_passes_clean():
    run = run_gate("team-clean", [], cwd=TEAM, workers=2)
    assert run.returncode == 0 and not run.failures, (
        "false alarm on the example team's models: " + "; ".join(t["message"][:200] for t in run.failures[:5])
        + "\n" + run.output[-1500:])
    assert {t["snippet"] for t in run.tests} >= {"team.churn_classifier", "team.residual_encoder"}


def test_a_regression_in_the_teams_models_is_caught_and_named():
    """Dense stops adding its bias: both team models hold a Dense; their golden runs must name them."""
    run = run_gate("team-dense_bias_dropped", ["conformance/test_golden.py"], inject="dense_bias_dropped", cwd=TEAM)
    assert run.returncode != 0, f"the team's gate passed under the injection\n{run.output[-1500:]}"
    for entry_id in ("team.churn_classifier", "team.residual_encoder"):
        assert run.names(entry_id, "golden"), (
            f"the team's gate failed but did not name {entry_id}: "
            + "; ".join(f"[{t['snippet']}] {t['message'][:160]}" for t in run.failures[:8]))
