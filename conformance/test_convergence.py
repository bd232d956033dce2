"""Seeded training reaches stated thresholds (conformance/thresholds.py).

The default tier trains each recipe's quick version once, with seed 0; the thresholds
were set below the worst of 5 seeds on every environment.  The slow tier trains the
seed's own configuration, judged by thresholds measured the same way at that size.
Histories and the attention vector are recorded in the test results for the reports.
"""
from __future__ import annotations

import numpy as np
import pytest

from conformance import expect
from conformance.thresholds import ATTENTION, SEED_SIZE_THRESHOLDS, THRESHOLDS
from layers import catalog
from layers.training import run_recipe

pytestmark = pytest.mark.convergence

RECIPES = catalog.with_recipe()


def _record(run, record_property):
    record_property("history", {k: [round(float(v), 5) for v in vals] for k, vals in run.history.items()})
    record_property("convergence", {"initial_loss": run.initial_loss, "final_loss": run.final_loss,
                                    "loss_drop": run.loss_drop, "final_metric": run.final_metric,
                                    "chance": run.chance, "seconds": round(run.seconds, 2)})


def _judge(entry_id, run, threshold, check="convergence"):
    expect.true(entry_id, f"{check}: threshold above chance", threshold.min_metric > run.chance,
                f"the threshold {threshold.min_metric} does not beat chance {run.chance:.3f}")
    expect.true(entry_id, f"{check}: loss drop", run.loss_drop >= threshold.min_loss_drop,
                f"training reduced the loss by {run.loss_drop:.3f} (from {run.initial_loss:.4f} to "
                f"{run.final_loss:.4f}); the threshold is {threshold.min_loss_drop} ({threshold.source})")
    expect.true(entry_id, f"{check}: val_{run.monitor}", run.final_metric >= threshold.min_metric,
                f"final val_{run.monitor} {run.final_metric:.4f} (chance {run.chance:.3f}); the threshold "
                f"is {threshold.min_metric} ({threshold.source})")


@pytest.mark.parametrize("entry", RECIPES, ids=lambda e: e.id)
def test_recipe_reaches_its_thresholds(entry, record_property, seeded_run):
    threshold = THRESHOLDS[entry.id]
    run = seeded_run(entry.id)
    _record(run, record_property)
    _judge(entry.id, run, threshold)
    if entry.id == ATTENTION.entry_id:
        _check_attention(entry.id, run, record_property)


def _check_attention(entry_id, run, record_property):
    from conformance.measure import attention_vectors

    vectors = attention_vectors(run, seed=0)
    record_property("attention_vector", vectors["one_sample"])
    record_property("attention_vector_mean", vectors["mean"])
    # Judged on the mean over 1,000 samples; one sample's vector is recorded, not judged
    # (see conformance/thresholds.py for why).
    vector = np.asarray(vectors["mean"])
    expect.equal(entry_id, "mean attention peaks on the label column", ATTENTION.column, int(vector.argmax()))
    expect.true(entry_id, "mean attention weight on the label column",
                vector[ATTENTION.column] >= ATTENTION.min_weight,
                f"{vector[ATTENTION.column]:.3f} < {ATTENTION.min_weight} ({ATTENTION.source}); "
                f"vector {np.round(vector, 3).tolist()}")


@pytest.mark.parametrize("table", [THRESHOLDS, SEED_SIZE_THRESHOLDS], ids=["quick", "seed size"])
def test_every_recipe_has_a_threshold(table):
    missing = sorted({e.id for e in RECIPES} - set(table))
    unknown = sorted(set(table) - {e.id for e in RECIPES})
    assert not missing and not unknown, f"thresholds missing for {missing}; thresholds for unknown ids {unknown}"


@pytest.mark.slow
@pytest.mark.parametrize("entry", RECIPES, ids=lambda e: e.id)
def test_recipe_at_the_seeds_own_size(entry, record_property):
    """The seed's own configuration (sizes, epochs), judged by thresholds measured at that size."""
    threshold = SEED_SIZE_THRESHOLDS[entry.id]
    run = run_recipe(entry.id, seed=0, quick=False)
    _record(run, record_property)
    _judge(entry.id, run, threshold, check="convergence at the seed's size")


THRESHOLD_TABLES = {"convergence": THRESHOLDS, "convergence-seedsize": SEED_SIZE_THRESHOLDS}


@pytest.mark.parametrize("prefix", THRESHOLD_TABLES)
def test_thresholds_stay_below_the_measurements(prefix):
    """Each threshold keeps its stated margin below the worst measured run of every environment,
    and the provenance it prints (``measured``) is what the measurement files hold."""
    from conformance.measure import measured_runs, measured_table
    from conformance.thresholds import DROP_MARGIN, by_the_rule

    table = THRESHOLD_TABLES[prefix]
    runs = measured_runs(prefix)
    environments = sorted({env for by_env in runs.values() for env in by_env})
    assert environments, f"no {prefix}-<env>.json measurements in fixtures/measurements"
    summaries = measured_table(prefix)
    for entry_id, threshold in table.items():
        assert threshold.measured == summaries.get(entry_id), (
            f"{prefix}: {entry_id}'s measured field {threshold.measured} is not what the files hold: "
            f"{summaries.get(entry_id)} (python -m conformance.measure --print-thresholds)")
        for env in environments:
            env_runs = runs.get(entry_id, {}).get(env)
            assert env_runs and len(env_runs) >= 5, f"{prefix}-{env}.json: fewer than 5 seeds measured for {entry_id}"
            worst_drop = min(r["loss_drop"] for r in env_runs)
            worst_metric = min(r["final_metric"] for r in env_runs)
            rule_drop, _ = by_the_rule(worst_drop, worst_metric)
            assert threshold.min_loss_drop <= rule_drop + 1e-9, (
                f"{entry_id}: min_loss_drop {threshold.min_loss_drop} is not {DROP_MARGIN} below {prefix}-{env}.json's "
                f"worst {worst_drop:.3f}")
            assert threshold.min_metric <= worst_metric - 0.005, (
                f"{entry_id}: min_metric {threshold.min_metric} leaves no margin below {prefix}-{env}.json's worst "
                f"{worst_metric:.3f}")
