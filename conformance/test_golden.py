"""Golden runs against this Keras generation's baseline: trajectories of every model
(conformance/golden.py) and fits of every recipe through its own compile and fit
(conformance/golden_fit.py).  Tolerances: conformance/golden_tolerances.py."""
from __future__ import annotations

import functools
import json

import numpy as np
import pytest

from keras_upgrade_gate.conformance import expect, golden, golden_fit, repro
from keras_upgrade_gate.conformance.expectations import expected
from keras_upgrade_gate.conformance.golden_tolerances import (
    MEASUREMENTS,
    TOLERANCES,
    derive,
    for_this_generation,
    table_source,
)
from keras_upgrade_gate.layers import catalog, compat

pytestmark = pytest.mark.convergence

MODELS = catalog.entries("model")
RECIPES = catalog.with_recipe()
GENERATIONS = ("keras2", "keras3")
CHECKS = {"outputs": "golden: forward output before training", "gradients": "golden: gradients at step 0",
          "losses": "golden: loss per step", "weights": "golden: weights after training"}


def _stored_or_fail(entry_id: str, stored, path, command: str):
    expect.true(entry_id, "golden baseline", stored is not None,
                f"no {compat.GENERATION} baseline {path}; write it with `{command}` (only when a change is understood)")
    return stored


def _compare(entry_id: str, quantity: str, check: str, stored: dict, observed: dict, key: str, record, name: str = ""):
    scale, tolerance = golden.scale_of(quantity, stored, key), for_this_generation()[quantity]
    what = f"{key}{f' ({name})' if name else ''}, scale {scale:.3g} x tolerance {tolerance:g}"
    # A failure carries the recipe of its reproduction script (reports/<env>/repro/).
    with repro.on_failure(record, lambda: repro.golden_trajectory(entry_id, check, quantity, key, stored[key],
                                                                    tolerance * scale, what)):
        expect.close(entry_id, check, stored[key], observed[key], atol=tolerance * scale, rtol=0.0, what=what)


@pytest.mark.parametrize("entry", MODELS, ids=lambda e: e.id)
def test_trajectory_matches_this_generations_baseline(entry, record_property):
    stored = _stored_or_fail(entry.id, golden.load(entry.id), golden.path_for(entry.id),
                             "keras-gate baselines")
    observed = golden.trajectory(entry.id)
    record_property("golden_losses", [float(v) for v in observed["losses"]])
    expect.equal(entry.id, "golden: weight shapes in canonical order", list(stored["weight_shapes"]),
                 list(observed["weight_shapes"]))
    expect.equal(entry.id, "golden: training mode (BatchNormalization present)", bool(stored["training_mode"]),
                 bool(observed["training_mode"]))
    names = [str(n) for n in stored["weight_names"]]
    for key in golden.keys(stored, "output_"):
        _compare(entry.id, "outputs", CHECKS["outputs"], stored, observed, key, record_property)
    for key in golden.keys(stored, "gradient_"):
        _compare(entry.id, "gradients", CHECKS["gradients"], stored, observed, key, record_property,
                 names[int(key[9:])])
    _compare(entry.id, "losses", CHECKS["losses"], stored, observed, "losses", record_property)
    for key in golden.keys(stored, "weight_"):
        _compare(entry.id, "weights", CHECKS["weights"], stored, observed, key, record_property,
                 names[int(key[7:])])


@pytest.mark.parametrize("entry", RECIPES, ids=lambda e: e.id)
def test_fit_matches_this_generations_baseline(entry, record_property):
    stored = _stored_or_fail(entry.id, golden_fit.load(entry.id), golden_fit.path_for(entry.id),
                             "keras-gate baselines")
    observed = golden_fit.fit_run(entry.id)
    history = dict(zip((str(k) for k in observed["history_keys"]), (float(v) for v in observed["history"])))
    record_property("golden_fit_history", history)
    tolerances = for_this_generation()
    expect.close(entry.id, "golden fit: learning rate schedule", stored["schedule"], observed["schedule"],
                 atol=0.0, rtol=tolerances["schedule"], what=f"rate at steps {golden_fit.SCHEDULE_STEPS}")
    kept = _history_keys_recorded_here(entry.id, [str(k) for k in stored["history_keys"]])
    expect.equal(entry.id, "golden fit: history keys", kept, list(history))
    tolerance = tolerances["history"]
    for i, key in enumerate(str(k) for k in stored["history_keys"]):
        if key not in kept:
            continue
        atol, what = tolerance * max(1.0, abs(float(stored["history"][i]))), f"{key} after {golden_fit.FIT_STEPS} steps"
        with repro.on_failure(record_property, functools.partial(
                repro.golden_fit, entry.id, "golden fit: history", "history", key, stored["history"][i], atol, what)):
            expect.close(entry.id, "golden fit: history", stored["history"][i], history[key],
                         atol=atol, rtol=0.0, what=what)
    expect.equal(entry.id, "golden fit: weight shapes", list(stored["weight_shapes"]), list(observed["weight_shapes"]))
    expect.equal(entry.id, "golden fit: function-free biases (feeding a BatchNormalization)",
                 stored["function_free"].tolist(), observed["function_free"].tolist())
    for key in golden_fit.compared_weights(stored):
        scale = golden.scale_of("weights", stored, key)
        atol, what = tolerances["fit_weights"] * scale, f"{key}, moved {scale:.3g} x tolerance {tolerances['fit_weights']:g}"
        with repro.on_failure(record_property, functools.partial(
                repro.golden_fit, entry.id, "golden fit: weights after the fit", "weights", key, stored[key], atol, what)):
            expect.close(entry.id, "golden fit: weights after the fit", stored[key], observed[key],
                         atol=atol, rtol=0.0, what=what)


def _history_keys_recorded_here(entry_id: str, stored: list[str]) -> list[str]:
    """The baseline's History keys less each output's own loss where this Keras records none
    (row fact:history.per_output_losses): strict both ways, a version that starts or stops recording
    them fails on the keys."""
    row = expected("fact:history.per_output_losses")
    expect.true(entry_id, "golden fit: history keys", row is not None,
                "no row fact:history.per_output_losses in conformance/expectations.py for this version")
    if row.value == "recorded":
        return stored
    per_output = {f"{name}_loss" for name in golden_fit.output_names(entry_id)}
    return [key for key in stored if key.removeprefix("val_") not in per_output]


# --- the baselines themselves (files only: no TensorFlow work) -----------------------------------

def _skip_a_teams_other_generation(missing: bool, generation: str) -> None:
    """A team that runs one Keras generation has no baseline of the other: nothing to compare, said so.
    The seed catalogue keeps both, and this generation's own baseline is always required."""
    if missing and generation != compat.GENERATION and not catalog.is_seed_catalogue():
        pytest.skip(f"no {generation} baseline: this catalogue's baselines were written on {compat.GENERATION} "
                    f"only (`keras-gate baselines` in a {generation} environment adds them)")


@pytest.mark.parametrize("generation", GENERATIONS)
@pytest.mark.parametrize("entry", MODELS, ids=lambda e: e.id)
def test_golden_baseline_is_live(entry, generation):
    """A saturated model (outputs at exactly 0 and 1, a loss that does not move) cannot see a change."""
    stored = golden.load(entry.id, generation)
    _skip_a_teams_other_generation(stored is None, generation)
    expect.true(entry.id, f"golden baseline ({generation})", stored is not None,
                f"missing {golden.path_for(entry.id, generation)}; write it with `keras-gate baselines` on {generation}")
    problems = golden.liveness(stored)
    expect.true(entry.id, f"golden baseline is live ({generation})", not problems, "; ".join(problems))


def test_liveness_sees_a_saturated_baseline():
    """The old seq.vgg_like baseline: softmax outputs of exactly 0 and 1, loss at step 2 equal to step 0."""
    saturated = {"output_0": np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype="float32"),
                 "losses": np.array([0.95479602, 0.99148715, 0.95479602]),
                 "gradient_0": np.zeros((3, 3), dtype="float32"),
                 "start_0": np.ones(3, dtype="float32"), "weight_0": np.ones(3, dtype="float32")}
    problems = golden.liveness(saturated)
    assert any("saturated" in p for p in problems), problems
    assert any("vanish" in p for p in problems), problems
    assert any("did not move" in p for p in problems), problems


@pytest.mark.parametrize("entry", MODELS, ids=lambda e: e.id)
def test_the_generations_baselines_agree(entry):
    """Keras 2 and Keras 3 compute the same trajectory: the per-generation baselines differ only by
    rounding, within the tolerances (a difference would be an upgrade finding, recorded here)."""
    keras2, keras3 = golden.load(entry.id, "keras2"), golden.load(entry.id, "keras3")
    for generation, stored in (("keras2", keras2), ("keras3", keras3)):
        _skip_a_teams_other_generation(stored is None, generation)
    expect.true(entry.id, "golden baselines of both generations", keras2 is not None and keras3 is not None,
                "a generation's baseline is missing")
    for quantity, error in golden.normalized_errors(keras2, keras3).items():
        tolerance = max(TOLERANCES["keras2"][quantity], TOLERANCES["keras3"][quantity])
        expect.true(entry.id, f"golden baselines agree: {quantity}", error <= tolerance,
                    f"Keras 2 and Keras 3 baselines differ by {error:.3g} of scale (tolerance {tolerance:g})")


@pytest.mark.parametrize("generation", GENERATIONS)
def test_every_recipe_has_a_fit_baseline(generation):
    missing = [e.id for e in RECIPES if golden_fit.load(e.id, generation) is None]
    assert not missing, f"no {generation} golden fit for {missing}: run `python -m keras_upgrade_gate.conformance.golden_fit --write`"


def test_tolerances_follow_the_rule_from_the_measurements():
    assert derive() == TOLERANCES, f"conformance/golden_tolerances.py is stale; the rule gives:\n{table_source()}"


def test_observations_from_other_cpus_are_covered():
    """Differences seen on machines we cannot emulate exactly are no larger than an emulation measured
    in the same regime (so the tolerances, derived from the emulations, cover them)."""
    observed = json.loads((MEASUREMENTS / "golden-observed.json").read_text())["observations"]
    assert observed
    for case in observed:
        assert case["normalized"] <= case["emulated_in_the_same_regime"]["normalized"], case
