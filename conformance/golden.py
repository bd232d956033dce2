"""Golden trajectories: a few deterministic training steps, identical on every Keras version.

Weights are drawn by NumPy from a fixed seed and assigned with set_weights; inputs
and targets are NumPy draws too; the forward pass runs in inference mode (no
dropout randomness), the loss is a mean squared error, and Adam takes STEPS steps.
The forward output before training, the loss per step and the weights after are
stored once and compared by every version: a silent change in a layer's math, an
activation or the optimizer moves them.

Regenerate (only when a change is understood), from the baseline environment:
    .tox/tf215/bin/python -m conformance.golden --write
"""
from __future__ import annotations

import argparse
import pathlib
import sys

import numpy as np

from layers import catalog, compat
from layers.building import as_list

GOLDEN_DIR = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "golden"
STEPS = 3
LEARNING_RATE = 1e-2
BATCH = 4
WEIGHT_SEED = 20240601



def canonical_variables(model) -> list:
    """Trainable then non-trainable variables: one order on both generations.

    ``model.weights`` is not: a Keras 2 layer with sublayers lists their trainable weights
    before the non-trainable ones, Keras 3 keeps creation order (BatchNormalization's moving
    statistics between other weights), so one index means different weights (fact:weights.order).
    """
    return list(model.trainable_weights) + list(model.non_trainable_weights)


def numpy_weights(model, seed: int = WEIGHT_SEED) -> list[np.ndarray]:
    """Weights drawn by NumPy in canonical order; variances stay positive."""
    rng = np.random.RandomState(seed)
    drawn = []
    for weight in canonical_variables(model):
        shape = tuple(int(d) for d in weight.shape)
        name = weight.name.split("/")[-1].split(":")[0]
        if "variance" in name:
            drawn.append(rng.uniform(0.5, 1.5, size=shape).astype("float32"))
        else:
            drawn.append((rng.standard_normal(shape) * 0.2).astype("float32"))
    return drawn


def trajectory(entry_id: str) -> dict:
    import tensorflow as tf

    compat.reset_session(0)
    model = catalog.build(entry_id, small=True)
    for variable, value in zip(canonical_variables(model), numpy_weights(model)):
        variable.assign(value)
    x = catalog.sample_input(entry_id, small=True, batch_size=BATCH, seed=7)
    outputs = as_list(model(x, training=False))
    rng = np.random.RandomState(11)
    targets = [rng.standard_normal(tuple(np.asarray(o).shape)).astype("float32") for o in outputs]
    optimizer = compat.keras.optimizers.Adam(learning_rate=LEARNING_RATE)
    losses = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            predictions = as_list(model(x, training=False))
            loss = tf.add_n([tf.reduce_mean(tf.square(p - t)) for p, t in zip(predictions, targets)])
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        losses.append(float(loss))
    variables = canonical_variables(model)
    result = {"weight_shapes": np.array([str(tuple(int(d) for d in w.shape)) for w in variables]),
              "losses": np.array(losses, dtype="float64")}
    for i, output in enumerate(outputs):
        result[f"output_{i}"] = np.asarray(output)
    for i, variable in enumerate(variables):
        result[f"weight_{i}"] = np.asarray(variable)
    return result


def path_for(entry_id: str) -> pathlib.Path:
    return GOLDEN_DIR / f"{entry_id}.npz"


def load(entry_id: str) -> dict | None:
    path = path_for(entry_id)
    if not path.exists():
        return None
    with np.load(path) as stored:
        return {key: stored[key] for key in stored.files}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write the golden trajectories of every model entry.")
    parser.add_argument("--write", action="store_true", help="overwrite fixtures/golden/*.npz")
    args = parser.parse_args(argv)
    if not args.write:
        parser.print_help()
        return 2
    compat.enable_op_determinism()
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for entry in catalog.entries("model"):
        np.savez(path_for(entry.id), **trajectory(entry.id))
        print(f"wrote {path_for(entry.id).relative_to(GOLDEN_DIR.parents[1])}")
    (GOLDEN_DIR / "SOURCE.txt").write_text(
        f"written by TensorFlow {compat.TF_VERSION}, Keras {compat.KERAS_VERSION} "
        f"with `python -m conformance.golden --write`\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
