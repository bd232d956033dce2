"""Golden fits: each recipe's own ``compile`` and ``fit``, a few steps from NumPy weights.

The golden trajectories (conformance/golden.py) train every model with one Adam and a mean
squared error; these run what each seed sets instead: its optimizer with every hyperparameter and
schedule, its loss and loss weights, its metrics, its batch size, its validation split and its data
pipeline (arrays or the image generator), for FIT_STEPS batches of one epoch.  The model starts
from golden.numpy_weights; dropout rates are set to 0 (their masks are Keras's RNG, not a
contract).  The data is shuffled once by NumPy and fed in order (``shuffle=False``; an image
iterator's own order pinned the same way: ``pin_order``), so the order is part of the baseline
instead of Keras's shuffling RNG.

Stored and compared: the optimizer's learning rate at steps 0, 1e3 and 1e6 (a schedule's effect
over a seed's whole run), the history (every loss and metric, training and validation) and the weights
before and after, all but the biases that feed a BatchNormalization, which compute nothing in
training mode and carry only rounding noise (golden.function_free_weights).  One baseline per Keras generation, as for the trajectories:

    .tox/tf215/bin/python -m keras_upgrade_gate.conformance.golden_fit --write     # fixtures/golden/keras2/fit/
    .tox/tf221/bin/python -m keras_upgrade_gate.conformance.golden_fit --write     # fixtures/golden/keras3/fit/
"""
from __future__ import annotations

import sys

import numpy as np

from keras_upgrade_gate.conformance import golden
from keras_upgrade_gate.layers import catalog, compat

FIT_STEPS = 4
ORDER_SEED = 5
DEFAULT_BATCH = 32  # Keras's batch_size when fit is given none
SCHEDULE_STEPS = (0, 1000, 10 ** 6)


def _take(value, index):
    """Rows ``index`` of an array, or of every array in a list or dict of them."""
    if isinstance(value, dict):
        return {k: _take(v, index) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_take(v, index) for v in value]
    return np.asarray(value)[index]


def _length(value) -> int:
    if isinstance(value, dict):
        return _length(next(iter(value.values())))
    if isinstance(value, (list, tuple)):
        return _length(value[0])
    return len(value)


def pin_order(iterator, seed: int):
    """The image iterator with its sample order drawn once by NumPy from ``seed``, whenever it reshuffles.

    Left alone, the iterator draws its order from NumPy's global generator each time Keras's data adapter
    starts or ends an epoch, and the adapter shuffles the batches with it too: which draws happen when
    differs between Keras minors (3.5-3.6 train on other images than 3.7+) and, with tf.data prefetching
    the training batches in a thread while validation starts, between two runs on a loaded machine
    (seen: validation accuracy 0.406 against 0.391 on one of three runs of Keras 3.11).
    ``shuffle=False`` in fit keeps the batches in order."""
    if not hasattr(iterator, "_set_index_array"):
        return iterator
    order = np.random.RandomState(seed).permutation(iterator.n)
    iterator._set_index_array = lambda: setattr(iterator, "index_array", order.copy())
    iterator._set_index_array()
    return iterator


def fit_arguments(recipe, data: dict, overrides: dict | None = None) -> dict:
    """The recipe's fit arguments for FIT_STEPS batches of one epoch, data included."""
    fit = {**recipe.fit, **(overrides or {})}
    fit["epochs"] = 1
    if "y" not in data:  # a generator pipeline: the recipe's own, for FIT_STEPS batches, in a fixed order
        fit.update(x=pin_order(data["x"], ORDER_SEED), steps_per_epoch=FIT_STEPS, shuffle=False)
        if "validation_data" in data:
            fit.update(validation_data=pin_order(data["validation_data"], ORDER_SEED + 1), validation_steps=1)
        return fit
    batch = fit.get("batch_size", DEFAULT_BATCH)
    split = fit.get("validation_split", 0.0)
    wanted = int(np.ceil(FIT_STEPS * batch / (1.0 - split)))
    order = np.random.RandomState(ORDER_SEED).permutation(_length(data["x"]))[:wanted]
    fit.update(x=_take(data["x"], order), y=_take(data["y"], order), shuffle=False)
    return fit


def fit_run(entry_id: str, compile_overrides: dict | None = None, fit_overrides: dict | None = None) -> dict:
    """One golden fit of a recipe; the overrides exist for the argument meta-test."""
    recipe = catalog.get(entry_id).recipe
    small = recipe.quick_small
    compat.reset_session(0)
    data = recipe.data(seed=0, scale=recipe.quick.scale, small=small)
    model = recipe.build_model(small)
    golden.silence_stochastic_layers(model)
    start = golden.numpy_weights(model)
    for variable, value in zip(golden.canonical_variables(model), start):
        variable.assign(value)
    model.compile(**{**recipe.compile(), **(compile_overrides or {})})
    optimizer = model.optimizer
    # What a schedule does over a seed's whole run (a decay of 1e-6 per step is invisible in a few
    # steps): the rate it gives at far steps, computed before the fit moves its iteration count.
    schedule = [compat.learning_rate_at(optimizer, step) for step in SCHEDULE_STEPS]
    history = model.fit(verbose=0, **fit_arguments(recipe, data, fit_overrides)).history
    variables = golden.canonical_variables(model)
    free = golden.function_free_weights(model)
    result = {"schedule": np.array(schedule, dtype="float64"),
              "history_keys": np.array(sorted(history)),
              "function_free": np.array([id(v) in free for v in variables]),
              "history": np.array([float(history[k][-1]) for k in sorted(history)], dtype="float64"),
              "weight_shapes": np.array([str(tuple(int(d) for d in w.shape)) for w in variables])}
    for i, (variable, value) in enumerate(zip(variables, start)):
        result[f"start_{i}"] = value
        result[f"weight_{i}"] = np.asarray(variable)
    return result


def output_names(entry_id: str) -> list[str]:
    """The names History gives a recipe's outputs' own losses (<name>_loss); none for a single output
    (Keras 3.0's Sequential has no output_names)."""
    recipe = catalog.get(entry_id).recipe
    small = recipe.quick_small
    model = recipe.build_model(small)
    return list(model.output_names) if len(model.outputs) > 1 else []


def recipes() -> list[str]:
    return [e.id for e in catalog.with_recipe()]


def path_for(entry_id: str, generation: str | None = None):
    return golden.generation_dir(generation) / "fit" / f"{entry_id}.npz"


def load(entry_id: str, generation: str | None = None) -> dict | None:
    return golden.read_baseline(path_for(entry_id, generation))


def compared_weights(stored: dict) -> list[str]:
    """The weights a fit is judged by: all but the function-free ones (golden.function_free_weights)."""
    free = stored["function_free"]
    return [k for k in golden.keys(stored, "weight_") if not free[int(k[7:])]]


def normalized_errors(stored: dict, observed: dict) -> dict[str, float]:
    """The history's largest error relative to each value (at least 1: accuracies near 0), and the
    weights' relative to what the fit moved them."""
    history = np.abs(observed["history"] - stored["history"]) / np.maximum(np.abs(stored["history"]), 1.0)
    weights = [0.0] + [float(np.abs(observed[k].astype("float64") - stored[k]).max())
                       / max(golden.scale_of("weights", stored, k), 1e-30) for k in compared_weights(stored)]
    schedule = np.abs(observed["schedule"] - stored["schedule"]) / np.abs(stored["schedule"])
    return {"history": float(history.max()) if history.size else 0.0, "fit_weights": max(weights),
            "schedule": float(schedule.max())}


def main(argv=None) -> int:
    return golden.baseline_command(argv, "fits of every recipe", recipes(), fit_run, path_for, load, normalized_errors)


if __name__ == "__main__":
    sys.exit(main())
