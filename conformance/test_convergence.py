"""Seeded training reaches stated thresholds (conformance/thresholds.py).

The default tier trains each recipe's quick version once, with seed 0; the thresholds of this
Keras generation were set below the worst of 5 seeds on every measured environment of it.  The slow tier trains the
seed's own configuration, judged by thresholds measured the same way at that size.
Histories and the attention vector are recorded in the test results for the reports.
"""
from __future__ import annotations

import numpy as np
import pytest

from keras_upgrade_gate.conformance import baselines, expect, repro, thresholds
from keras_upgrade_gate.conformance.thresholds import ATTENTION, DROP_MARGIN, SEED_SIZE_THRESHOLDS, THRESHOLDS
from keras_upgrade_gate.layers import catalog, compat
from keras_upgrade_gate.layers.training import run_recipe

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


@pytest.mark.shared_cache("trained")
@pytest.mark.expensive("training")
@pytest.mark.parametrize("entry", RECIPES, ids=lambda e: e.id)
def test_recipe_reaches_its_thresholds(entry, record_property, seeded_run):
    threshold = thresholds.for_recipe(entry.id, compat.GENERATION)
    run = seeded_run(entry.id)
    _record(run, record_property)
    # A failure records its reproduction: the same seeded run (the gate's initial weights, rows, compile, fit).
    with repro.on_failure(record_property, lambda: repro.convergence(entry.id, "convergence", threshold)):
        _judge(entry.id, run, threshold)
    if entry.id == ATTENTION.entry_id:
        _check_attention(entry.id, run, record_property)


def _check_attention(entry_id, run, record_property):
    from keras_upgrade_gate.conformance.measure import attention_vectors

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


@baselines.SEEDS_ONLY  # a team's floors come from its measurement files by the rule (thresholds.for_recipe)
@pytest.mark.parametrize("table", [THRESHOLDS, SEED_SIZE_THRESHOLDS], ids=["quick", "seed size"])
def test_every_recipe_has_a_threshold_in_each_generation(table):
    assert sorted(table) == ["keras2", "keras3"], f"threshold tables for {sorted(table)}"
    for generation, by_id in table.items():
        missing = sorted({e.id for e in RECIPES} - set(by_id))
        unknown = sorted(set(by_id) - {e.id for e in RECIPES})
        assert not missing and not unknown, (f"{generation}: thresholds missing for {missing}; thresholds for "
                                             f"unknown ids {unknown}")


@pytest.mark.slow
@pytest.mark.timeout(1800)  # attn.se_cnn.recipe's seed-size run: 386-556 s measured (thresholds.py)
@pytest.mark.parametrize("entry", RECIPES, ids=lambda e: e.id)
def test_recipe_at_the_seeds_own_size(entry, record_property):
    """The seed's own configuration (sizes, epochs), judged by thresholds measured at that size."""
    threshold = thresholds.for_recipe(entry.id, compat.GENERATION, seed_size=True)
    run = run_recipe(entry.id, seed=0, quick=False)
    _record(run, record_property)
    _judge(entry.id, run, threshold, check="convergence at the seed's size")


THRESHOLD_TABLES = {"convergence": THRESHOLDS, "convergence-seedsize": SEED_SIZE_THRESHOLDS}


def rule_violations(prefix: str, table: dict) -> list[str]:
    """Where a table's floors leave the margin rule, in either direction, or its provenance is not
    what the measurement files hold."""
    from keras_upgrade_gate.conformance.measure import measured_runs, measured_table, rule_for
    from keras_upgrade_gate.conformance.thresholds import METRIC_ABOVE_THE_RULE, ROUNDING

    found = []
    for generation, by_id in table.items():
        rules, summaries = rule_for(prefix, generation), measured_table(prefix, generation)
        runs = measured_runs(prefix, generation)
        for entry_id, threshold in by_id.items():
            where = f"{prefix} {generation} {entry_id}"
            if threshold.measured != summaries.get(entry_id):
                found.append(f"{where}: measured field {threshold.measured} is not what the files hold: "
                             f"{summaries.get(entry_id)} (python -m keras_upgrade_gate.conformance.measure --print-thresholds)")
            short = [env for env, env_runs in runs.get(entry_id, {}).items() if len(env_runs) < 5]
            if entry_id not in rules or short:
                found.append(f"{where}: fewer than 5 seeds measured on {short or 'any environment'}")
                continue
            drop, metric = rules[entry_id]
            if not drop - ROUNDING - 1e-9 <= threshold.min_loss_drop <= drop + 1e-9:
                found.append(f"{where}: min_loss_drop {threshold.min_loss_drop} is not the rule's {drop} (the worst "
                             f"measured run less {DROP_MARGIN}): {'loose' if threshold.min_loss_drop < drop else 'no margin'}")
            worst_metric = min(r["final_metric"] for env_runs in runs[entry_id].values() for r in env_runs)
            raised = entry_id in METRIC_ABOVE_THE_RULE and prefix == "convergence"
            low = metric - ROUNDING - 1e-9 if not raised else METRIC_ABOVE_THE_RULE[entry_id][0] - 1e-9
            if threshold.min_metric < low:
                found.append(f"{where}: min_metric {threshold.min_metric} is loose: the rule gives {metric}")
            if threshold.min_metric > worst_metric - 0.005 or (not raised and threshold.min_metric > metric + 1e-9):
                found.append(f"{where}: min_metric {threshold.min_metric} leaves no margin below the worst measured "
                             f"{worst_metric:.3f} (the rule gives {metric})")
    return found


@baselines.SEEDS_ONLY
@pytest.mark.parametrize("prefix", THRESHOLD_TABLES)
def test_thresholds_follow_the_rule(prefix):
    """Each floor is the margin rule applied to the worst measured run of every environment of its
    generation: not above it (no margin) and not below it by more than the rounding (loose)."""
    found = rule_violations(prefix, THRESHOLD_TABLES[prefix])
    assert not found, "\n".join(found)


@baselines.SEEDS_ONLY
def test_a_loose_or_a_marginless_floor_fails_the_rule():
    """The test above sees both ways: seq.mlp_binary's floor lowered by 0.2, and raised by 0.2."""
    import dataclasses

    for change in (-0.2, 0.2):
        table = {generation: dict(by_id) for generation, by_id in THRESHOLDS.items()}
        threshold = table["keras3"]["seq.mlp_binary"]
        table["keras3"]["seq.mlp_binary"] = dataclasses.replace(
            threshold, min_loss_drop=round(threshold.min_loss_drop + change, 2))
        found = rule_violations("convergence", table)
        assert [line for line in found if "seq.mlp_binary" in line and "min_loss_drop" in line], (change, found)
