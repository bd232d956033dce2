"""A model saved in the middle of training and loaded again goes on as the saved one would.

The read-back checks (test_saving.py) compare the outputs of a model loaded without its compile state; a
team that saves a checkpoint and resumes meets the rest.  Here a recipe's model, compiled as the recipe
compiles it, trains one step (so its optimizer has state: iterations, moments), is saved as a .keras
archive and loaded with its compile state.  The loaded model must have

- the saved one's structure: layer names and classes, input and output names and shapes, the optimizer's
  class and config, and the names evaluate reports;
- the same evaluation on the same rows;
- the same next training step: the loss it reports and every weight after it; and the saved model's step
  reports the loss evaluate gave on those rows just before (the weights it started from).

Both models run the same step on the same CPU: measured bit for bit on Keras 3.15 and 2.15, so each value is
judged within the golden rule's floor (golden_tolerances.FLOOR, 1e-6 of its scale), the least any quantity
of the golden baselines is allowed.  Dropout is silenced for the steps (golden.silence_stochastic_layers): the loaded model's
random state is not part of what a checkpoint promises.  One recipe per optimizer class,
the cheapest, derived from the catalogue.
"""
from __future__ import annotations

import numpy as np
import pytest

from keras_upgrade_gate.conformance import coverage, expect, golden, golden_tolerances, recipe_rows
from keras_upgrade_gate.layers import compat
from keras_upgrade_gate.layers.building import as_list

keras = compat.keras
pytestmark = pytest.mark.training_loop


def _optimizer(entry) -> str:
    return next(f for f in coverage.training_components(entry.id) if f.startswith("optimizer:"))


# One per optimizer class: a checkpoint's state is the optimizer's (4.5-9.6 s per recipe on Keras 2.15: one
# per output structure as well would add func.multi_io's 5-6 s to a default tier at its budget).
TRAINS_DIFFERENTLY = ("BatchNormalization",)  # a forward pass in training that inference does not reproduce
RECIPES = recipe_rows.cheapest_per(lambda entry, data: _optimizer(entry))


def structure(model) -> dict:
    """What a loaded model must keep of the saved one, as plain values."""
    optimizer = model.optimizer
    config = {k: v for k, v in optimizer.get_config().items() if k != "name"}
    return {"layers": [(layer.name, type(layer).__name__) for layer in model.layers],
            "inputs": [compat.shape_of(t) for t in model.inputs], "outputs": [compat.shape_of(t) for t in model.outputs],
            "output names": list(getattr(model, "output_names", None) or []),
            "optimizer": (type(optimizer).__name__, repr(sorted(config.items())))}


def _weights(model) -> list[np.ndarray]:
    return [np.asarray(w, dtype="float64") for w in model.get_weights()]


@pytest.mark.parametrize("entry", RECIPES, ids=lambda e: e.id)
def test_a_loaded_checkpoint_evaluates_and_trains_on_as_the_saved_model(entry, tmp_path):
    recipe = entry.recipe
    batch = recipe.fit["batch_size"]
    data = recipe_rows.fed_by_arrays(entry)
    x, y = data["x"], data["y"]
    first, second = [(recipe_rows.rows(x, i * batch, (i + 1) * batch), recipe_rows.rows(y, i * batch, (i + 1) * batch))
                     for i in range(2)]
    compat.reset_session(0)
    model = recipe.build_model(recipe.quick_small)
    golden.silence_stochastic_layers(model)
    model.compile(**recipe.compile())
    model.train_on_batch(*first)
    path = str(tmp_path / "checkpoint.keras")
    compat.save_keras_archive(model, path)
    loaded = compat.load_keras_archive(path)
    golden.silence_stochastic_layers(loaded)
    floor = golden_tolerances.FLOOR
    saved, again = model.evaluate(*second, verbose=0, return_dict=True), loaded.evaluate(*second, verbose=0, return_dict=True)
    expect.equal(entry.id, "a loaded checkpoint: structure", structure(model), structure(loaded))
    expect.equal(entry.id, "a loaded checkpoint: what evaluate reports", sorted(saved), sorted(again))
    for name, value in saved.items():
        expect.close(entry.id, f"a loaded checkpoint evaluates: {name}", value, again[name],
                     atol=floor * max(abs(value), 1.0), what=name)
    steps = [as_list(m.train_on_batch(*second)) for m in (model, loaded)]
    # The loss a step reports is that of the weights it started from: what evaluate just gave on those rows,
    # where training computes what inference does (BatchNormalization normalises by the batch in training).
    if not any(type(layer).__name__ in TRAINS_DIFFERENTLY for layer in compat.all_layers(model)):
        expect.close(entry.id, "train_on_batch reports the loss before its update", saved["loss"], steps[0][0],
                     atol=floor * max(abs(saved["loss"]), 1.0), what="loss")
    expect.close(entry.id, "a loaded checkpoint trains on: the step's loss", steps[0][0], steps[1][0],
                 atol=floor * max(abs(float(steps[0][0])), 1.0), what="loss")
    for index, (before, after) in enumerate(zip(_weights(model), _weights(loaded))):
        expect.close(entry.id, f"a loaded checkpoint trains on: weight {index}", before, after,
                     atol=floor * max(float(np.abs(before).max()), 1e-30), what="weight")
