"""evaluate reports the loss and metrics that its own model's predictions give, recomputed from their definitions.

The seeds call ``score = model.evaluate(x_test, y_test, batch_size=...)`` and read score[0] as the loss and
score[1] as the accuracy.  Here each chosen recipe's model, compiled as the recipe compiles it, evaluates
rows of its own data in the seed's batch size with a partial last batch; the loss of each output is
recomputed in float64 from ``predict``'s outputs (conformance/oracles.py), weighted by the recipe's
loss_weights, and each accuracy from the same predictions.  An evaluate that weighs batches instead of
samples, drops or repeats the partial batch, reports a stale metric or returns its list in another order
differs by far more than what is allowed, which is derived, not chosen:

- the oracle's float32 error bound of each per-sample loss and of their mean (oracles.py);
- predict and evaluate trace different functions, so their outputs may differ by the golden outputs
  tolerance of this generation (golden_tolerances.py); the loss may move by what that moves it (the loss
  recomputed at outputs shifted by it, per sample), and an accuracy by the samples that lie that close to
  the decision (a probability at the threshold, two classes that close).

One recipe per way of computing the loss and of feeding the model (its loss, its inputs' structure, one or
several outputs), the cheapest of each, derived from the catalogue; recipes fed by a generator are left to
the golden fits.
"""
from __future__ import annotations

import numpy as np
import pytest

from keras_upgrade_gate.conformance import coverage, expect, golden_tolerances, oracles, recipe_rows
from keras_upgrade_gate.conformance.expectations import expected
from keras_upgrade_gate.layers import compat
from keras_upgrade_gate.layers.building import as_list

keras = compat.keras
pytestmark = pytest.mark.training_loop

# Untrained, every probability is near 0.5 and every sample's loss near ln 2: weights doubled spread the
# predictions, so how evaluate weighs its samples and batches shows in what it reports.  Measured on Keras
# 3.15 and 2.15: averaging the batches' means instead of the samples moves the loss 5-1100 times what is
# allowed (1.5: 1.5-460 times; 3 saturates func.multi_io's sigmoids, where the allowance grows to 0.26);
# evaluate and the recomputation differ by 3e-7 at most, where 5e-6 to 1e-4 is allowed.
SPREAD = 2.0
def one_recipe_per_way_of_evaluating() -> list:
    return recipe_rows.cheapest_per(lambda entry, data: (tuple(sorted(set(recipe_rows.losses_of(entry.recipe.compile())))),
                                                         recipe_rows.structure(data["x"]), recipe_rows.structure(data["y"])))


RECIPES = one_recipe_per_way_of_evaluating()


def _output_names(model) -> list[str]:
    """The names compile's dicts key outputs by (Keras 3's Sequential has none: one output, one name)."""
    return list(getattr(model, "output_names", None) or [f"output_{i}" for i in range(len(model.outputs))])


def _per_output(model, value) -> list:
    """Targets (or compile arguments) per model output, in the model's output order."""
    if isinstance(value, dict):
        return [value.get(name) for name in _output_names(model)]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _loss(name: str, y, p) -> oracles.Reference:
    if name == "binary_crossentropy":
        row = expected("oracle:binary_crossentropy.epsilon")
        return oracles.binary_crossentropy(y, p, epsilon_in_log=row is not None and row.value == "inside the log")
    if name == "sparse_categorical_crossentropy":
        return oracles.sparse_categorical_crossentropy(np.asarray(y).reshape(np.shape(p)[:-1]), p)
    return oracles.categorical_crossentropy(y, p)


def _loss_within(name, y, p, shift) -> tuple[float, float]:
    """The mean loss, and what it may be off by: the oracle's bound and the loss's reach over ``shift``."""
    reference = _loss(name, y, p)
    values = reference.value.reshape(-1)
    moved = [np.abs(_loss(name, y, np.clip(p + sign * shift, 0, 1)).value.reshape(-1) - values) for sign in (-1, 1)]
    bound = float(reference.bound.mean() + oracles.gamma(values.size + 2) * np.abs(values).mean()
                  + np.maximum(*moved).mean())
    return float(values.mean()), bound


def _accuracy_within(name, y, p, shift) -> tuple[float, float]:
    """The accuracy recomputed, and the fraction of samples whose verdict ``shift`` could change."""
    y, p = np.asarray(y), np.asarray(p, dtype="float64")
    if name == "binary_crossentropy":
        hits, close = (p > 0.5) == (y > 0.5), np.abs(p - 0.5) <= shift
    else:
        labels = np.asarray(y).reshape(p.shape[:-1]) if name.startswith("sparse") else np.argmax(y, axis=-1)
        ordered = np.sort(p, axis=-1)
        hits, close = np.argmax(p, axis=-1) == labels, ordered[..., -1] - ordered[..., -2] <= 2 * shift
    hits, close = hits.reshape(len(p), -1), close.reshape(len(p), -1)
    return float(hits.mean()), float(close.mean()) + oracles.gamma(hits.size + 2)


@pytest.mark.parametrize("entry", RECIPES, ids=lambda e: e.id)
def test_evaluate_reports_the_loss_and_metrics_its_predictions_give(entry):
    recipe = entry.recipe
    batch = recipe.fit["batch_size"]
    data = recipe_rows.fed_by_arrays(entry)
    count = min(recipe_rows.count(data["y"]), 2 * batch + batch // 2 + 1)
    expect.true(entry.id, "evaluate: a partial last batch", count % batch != 0 and count > batch,
                f"only {count} rows for batches of {batch}")
    x, y = recipe_rows.rows(data["x"], 0, count), recipe_rows.rows(data["y"], 0, count)
    compat.reset_session(0)
    model = recipe.build_model(recipe.quick_small)
    compiled = recipe.compile()
    model.compile(**compiled)
    model.set_weights([SPREAD * np.asarray(w) for w in model.get_weights()])
    reported = model.evaluate(x, y, batch_size=batch, verbose=0, return_dict=True)
    listed = as_list(model.evaluate(x, y, batch_size=batch, verbose=0))
    outputs = [np.asarray(o, dtype="float64") for o in as_list(model.predict(x, batch_size=batch, verbose=0))]
    tolerance = golden_tolerances.for_this_generation()["outputs"]
    losses = _per_output(model, compiled["loss"]) if isinstance(compiled["loss"], (dict, list)) else [compiled["loss"]] * len(outputs)
    weights = _per_output(model, compiled.get("loss_weights") or [1.0] * len(outputs))
    targets = _per_output(model, y)
    total, total_bound, recomputed = 0.0, 0.0, {}
    for name, loss, weight, target, output in zip(_output_names(model), losses, weights, targets, outputs):
        if np.size(target) == output.size:  # labels given as (n,) for an (n, 1) output: Keras matches the shapes
            target = np.asarray(target).reshape(output.shape)
        shift = tolerance * max(float(np.abs(output).max()), 1e-30)
        loss_name = coverage._loss_name(loss)
        value, bound = _loss_within(loss_name, target, output, shift)
        total, total_bound = total + weight * value, total_bound + weight * bound
        recomputed[name] = (loss_name, target, output, shift)
    regularization = float(sum(np.asarray(term) for term in model.losses)) if model.losses else 0.0

    expect.close(entry.id, f"evaluate(batch_size={batch}) on {count} rows: loss", total + regularization,
                 reported["loss"], atol=total_bound + oracles.gamma(8) * abs(regularization), what="loss")
    metrics = coverage.flat(compiled.get("metrics") or [])
    accuracy_keys = sorted(k for k in reported if k.endswith("accuracy"))
    expect.equal(entry.id, "evaluate: an accuracy per compiled metric", len(metrics), len(accuracy_keys))
    for key in accuracy_keys:
        output_name = key[:-len("_accuracy")] if key != "accuracy" else _output_names(model)[0]
        loss_name, target, output, shift = recomputed[output_name]
        value, allowed = _accuracy_within(loss_name, target, output, shift)
        expect.close(entry.id, f"evaluate(batch_size={batch}) on {count} rows: {key}", value, reported[key],
                     atol=allowed, what="accuracy")
    if len(outputs) == 1:  # the seeds read score[0] and score[1]
        expect.close(entry.id, "evaluate's list: [loss, accuracy] in that order",
                     [reported["loss"], reported[accuracy_keys[0]]], listed[:2], atol=0.0, what="score")
