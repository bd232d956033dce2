"""Golden trajectories: a few deterministic training steps, compared against a stored baseline.

Weights are drawn by NumPy from a fixed seed, scaled by each kernel's fan-in so that outputs and
gradients sit in a live range (never saturated: ``liveness`` is checked on every baseline), and
assigned with set_weights. Inputs and targets are NumPy draws too. The model runs in training mode
when it holds a BatchNormalization (so the moving statistics move and are compared), in inference
mode otherwise. The forward output before training is computed with the real dropout rates
(inference must ignore them); for the steps, stochastic layers (Dropout) have their rate set to 0,
since their random masks are Keras's RNG, not a contract. The loss is a mean squared error and plain
SGD takes STEPS steps (its rate set per model, see LOSS_DROP): its update is linear in the gradient,
so rounding noise stays noise-sized (Adam divides a gradient by its own magnitude: a gradient that
is zero in exact arithmetic, such as a bias feeding a BatchNormalization in training mode, becomes a
step whose sign the CPU decides). The recipes' own optimizers, Adam included, are run by the golden
fits (conformance/golden_fit.py).

Stored and compared: the forward output before training, the gradients at step 0 (so a backward pass
off by a constant factor shows even where an optimizer normalises it away), the loss per step, the
starting weights and the weights after (trainable and moving statistics). Trained weights are judged
relative to what training moved them (``stored - start``), forward quantities relative to their own
magnitude; the tolerances and their provenance are in conformance/golden_tolerances.py.

There is one baseline per Keras generation (fixtures/golden/keras2, keras3), written once by TF 2.15
and TF 2.21, against which every version of that generation is compared tightly: a difference
between generations is then a fact about two committed files, never a row that accepts any
difference at run time. test_golden checks the two baselines agree.

Regenerate (only when a change is understood), from the baseline environments:
    .tox/tf215/bin/python -m keras_upgrade_gate.conformance.golden --write      # Keras 2
    .tox/tf221/bin/python -m keras_upgrade_gate.conformance.golden --write      # Keras 3
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys

import numpy as np

from keras_upgrade_gate.conformance import baselines
from keras_upgrade_gate.layers import catalog, compat
from keras_upgrade_gate.layers.building import as_list

GOLDEN_DIR = baselines.GOLDEN
STEPS = 3
# SGD's learning rate is set per model from its step-0 loss and gradients so that, to first order,
# step 0 lowers the loss by LOSS_DROP (rate = LOSS_DROP * loss / |g|^2): every model moves by the
# same measure whatever the scale of its gradients (an attention LSTM's softmax gradients are 1e-3;
# a Dense over 18k flattened features gets thousands of coherent ones, which a fixed rate or a
# fixed largest step drives into saturation).
LOSS_DROP = 0.05
# A tensor's error is measured against its own magnitude, or against this fraction of the model's
# largest when it is smaller: a bias feeding a BatchNormalization has a zero gradient in exact
# arithmetic, and its rounding noise (1e-9) has no scale of its own.
# Measured: attn.se_cnn's biases before BatchNormalization have gradients of 6e-9 to 4.8e-7 against the
# model's largest 0.55; with the floor their CPU-to-CPU difference is 8.7e-5 of scale, inside the
# gradient tolerance (conformance/golden_tolerances.py), while a tensor of its own size keeps its own scale.
SCALE_FLOOR = 1e-2
BATCH = 4
WEIGHT_SEED = 20240601
STOCHASTIC_LAYERS = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout",
                     "AlphaDropout")


def generation_dir(generation: str | None = None) -> pathlib.Path:
    return GOLDEN_DIR / (generation or compat.GENERATION)


def canonical_variables(model) -> list:
    """Trainable then non-trainable variables: one order on both generations.

    ``model.weights`` is not: a Keras 2 layer with sublayers lists their trainable weights
    before the non-trainable ones, Keras 3 keeps creation order (BatchNormalization's moving
    statistics between other weights), so one index means different weights (fact:weights.order).
    """
    return list(model.trainable_weights) + list(model.non_trainable_weights)


def _short_name(weight) -> str:
    return weight.name.split("/")[-1].split(":")[0]


def draw_weight(rng: np.random.RandomState, name: str, shape: tuple) -> np.ndarray:
    """One weight drawn by NumPy at a scale that keeps activations and gradients live."""
    if "variance" in name or name == "gamma":
        value = rng.uniform(0.5, 1.5, size=shape)  # scales and variances stay positive, near 1
    elif len(shape) <= 1:
        value = rng.standard_normal(shape) * 0.1  # biases, shifts and moving means: nonzero, small
    elif name == "embeddings":
        value = rng.standard_normal(shape) * 0.5  # a lookup has no fan-in: unit-scale rows
    else:
        fan_in = int(np.prod(shape[:-1]))  # Dense (in, out), convolutions (k.., in, out), LSTM kernels
        value = rng.standard_normal(shape) / np.sqrt(fan_in)
    return value.astype("float32")


def numpy_weights(model, seed: int = WEIGHT_SEED) -> list[np.ndarray]:
    """Weights drawn by NumPy in canonical order."""
    rng = np.random.RandomState(seed)
    return [draw_weight(rng, _short_name(w), tuple(int(d) for d in w.shape)) for w in canonical_variables(model)]


def silence_stochastic_layers(model) -> None:
    """Set every dropout-like layer's rate to 0: both generations then pass inputs through."""
    for layer in compat.all_layers(model):
        if type(layer).__name__ in STOCHASTIC_LAYERS:
            layer.rate = 0.0


def function_free_weights(model) -> set[int]:
    """ids of the biases that feed a BatchNormalization (through dropout at most) in a Sequential.

    In training mode BatchNormalization subtracts the batch mean, so such a bias changes nothing the
    model computes and its gradient is zero in exact arithmetic: what is left is rounding noise whose
    sign the CPU decides, and an optimizer that divides by the gradient's magnitude (Adam, RMSprop)
    turns it into a step.  Its value is not a contract; the golden fits skip it.  (Functional graphs
    in the catalogue hold no BatchNormalization; only Sequential stacks are walked.)"""
    free = set()
    for container in [model, *compat.all_layers(model)]:
        feeder = None
        for layer in getattr(container, "layers", []) if type(container).__name__ == "Sequential" else []:
            kind = type(layer).__name__
            if kind == "BatchNormalization" and feeder is not None and getattr(feeder, "bias", None) is not None:
                free.add(id(feeder.bias))
            if kind not in STOCHASTIC_LAYERS:
                feeder = layer
    return free


def has_batch_norm(model) -> bool:
    return any(type(layer).__name__ == "BatchNormalization" for layer in compat.all_layers(model))


def prepared_model(entry_id: str):
    """The entry's small model with NumPy weights: (model, starting weights)."""
    compat.reset_session(0)
    model = catalog.build(entry_id, small=True)
    start = numpy_weights(model)
    for variable, value in zip(canonical_variables(model), start):
        variable.assign(value)
    return model, start


def _dense(gradient) -> np.ndarray:
    import tensorflow as tf

    # An Embedding's gradient is IndexedSlices; its dense sum is the same on both generations.
    return np.asarray(tf.convert_to_tensor(gradient))


def trajectory(entry_id: str) -> dict:
    import tensorflow as tf

    model, start = prepared_model(entry_id)
    x = catalog.sample_input(entry_id, small=True, batch_size=BATCH, seed=7)
    outputs = as_list(model(x, training=False))  # with the real dropout rates: inference must ignore them
    silence_stochastic_layers(model)  # the steps may run in training mode, where dropout draws masks
    rng = np.random.RandomState(11)
    targets = [rng.standard_normal(tuple(np.asarray(o).shape)).astype("float32") for o in outputs]
    training = has_batch_norm(model)
    losses, gradients_at_start, optimizer = [], None, None
    for step in range(STEPS):
        with tf.GradientTape() as tape:
            predictions = as_list(model(x, training=training))
            loss = tf.add_n([tf.reduce_mean(tf.square(p - t)) for p, t in zip(predictions, targets)])
        # A variable the loss does not reach (a bias a broken layer never adds) has a zero gradient:
        # the comparison then names it, instead of the run failing before anything is compared.
        gradients = [tf.zeros_like(v) if g is None else g
                     for g, v in zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables)]
        if step == 0:
            gradients_at_start = [_dense(g) for g in gradients]
            squared_norm = sum(float(np.sum(np.square(g, dtype="float64"))) for g in gradients_at_start)
            optimizer = compat.keras.optimizers.SGD(learning_rate=LOSS_DROP * float(loss) / squared_norm)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        losses.append(float(loss))
    variables = canonical_variables(model)
    result = {"weight_shapes": np.array([str(tuple(int(d) for d in w.shape)) for w in variables]),
              "weight_names": np.array([_short_name(w) for w in variables]),
              "losses": np.array(losses, dtype="float64"),
              "training_mode": np.array(training)}
    for i, output in enumerate(outputs):
        result[f"output_{i}"] = np.asarray(output)
    for i, gradient in enumerate(gradients_at_start):
        result[f"gradient_{i}"] = gradient
    for i, (variable, value) in enumerate(zip(variables, start)):
        result[f"start_{i}"] = value
        result[f"weight_{i}"] = np.asarray(variable)
    return result


# --- reading baselines and judging runs ----------------------------------------------------------

def path_for(entry_id: str, generation: str | None = None) -> pathlib.Path:
    return generation_dir(generation) / f"{entry_id}.npz"


def read_baseline(path: pathlib.Path) -> dict | None:
    """A stored baseline's arrays; None when there is none; a clear error when it cannot be read."""
    if not path.exists():
        return None
    try:
        with np.load(path) as stored:
            return {key: stored[key] for key in stored.files}
    except Exception as error:  # a truncated or foreign file must stop the check, not pass it
        raise ValueError(f"golden baseline {path} is corrupt ({type(error).__name__}: {error}); "
                         "restore it from git or rewrite it with --write") from error


def load(entry_id: str, generation: str | None = None) -> dict | None:
    return read_baseline(path_for(entry_id, generation))


QUANTITIES = {"outputs": "output_", "gradients": "gradient_", "losses": "losses", "weights": "weight_"}


def keys(stored: dict, prefix: str) -> list[str]:
    return sorted((k for k in stored if k.startswith(prefix) and k[len(prefix):].isdigit()),
                  key=lambda k: int(k[len(prefix):]))


def _magnitude(quantity: str, stored: dict, key: str) -> float:
    if quantity == "losses":
        return float(abs(stored["losses"][0]))
    values = stored[key].astype("float64")
    if quantity == "weights":  # what training moved it
        values = values - stored[f"start_{key.split('_')[1]}"]
    return float(np.abs(values).max()) if values.size else 0.0


def scale_of(quantity: str, stored: dict, key: str) -> float:
    """What an error in ``stored[key]`` is measured against: the magnitude of the stored value for
    forward quantities and gradients, what training moved it (``stored - start``) for weights;
    never below SCALE_FLOOR of the largest tensor of the same quantity in the model."""
    own = _magnitude(quantity, stored, key)
    if quantity == "losses":
        return own
    largest = max(_magnitude(quantity, stored, k) for k in keys(stored, QUANTITIES[quantity]))
    return max(own, SCALE_FLOOR * largest)


def normalized_errors(stored: dict, observed: dict) -> dict[str, float]:
    """Per quantity, the largest error over its tensors, each divided by its own scale."""
    worst = {}
    for quantity, prefix in QUANTITIES.items():
        names = ["losses"] if quantity == "losses" else keys(stored, prefix)
        errors = [0.0]
        for key in names:
            error = np.abs(observed[key].astype("float64") - stored[key].astype("float64"))
            if error.size:
                errors.append(float(error.max()) / max(scale_of(quantity, stored, key), 1e-30))
        worst[quantity] = max(errors)
    return worst


# Liveness limits, each far below what every committed baseline measures (keras2 and keras3, the
# smallest or largest over 28 models each), far above what a saturated model shows:
LIVE_SPREAD = 1e-4  # an output's spread over its magnitude; smallest measured 2.3e-3 (attn.dense_attention_model)
LIVE_AT_BOUNDS = 0.5  # share of a [0, 1]-valued output at exactly 0 or 1; the old vgg_like baseline: 100%
LIVE_LOSS_STEP = 1e-4  # relative loss change per step; smallest measured 2.2e-3 (rnn.attention_lstm)
LIVE_GRADIENT = 1e-4  # the largest gradient element; smallest measured 3.6e-3 (func.time_distributed_model)
LIVE_MOVE = 1e-4  # the largest weight move; smallest measured 1.5e-3 (seq.add)


def liveness(stored: dict) -> list[str]:
    """Why a baseline cannot see a change (empty when it can): saturated or constant outputs, a loss
    that does not move, gradients that vanish, weights that training did not move."""
    problems = []
    for key in keys(stored, "output_"):
        values = stored[key].astype("float64").ravel()
        spread = np.ptp(values) / max(np.abs(values).max(), 1e-30)
        if spread < LIVE_SPREAD:
            problems.append(f"{key} is constant (spread {spread:.3g} of its magnitude)")
        if values.min() >= 0 and values.max() <= 1:  # probabilities: ReLU zeros elsewhere are not saturation
            at_bounds = np.mean((values < 1e-4) | (values > 1 - 1e-4))
            if at_bounds > LIVE_AT_BOUNDS:
                problems.append(f"{key} is saturated: {at_bounds:.0%} of its elements are within 1e-4 of 0 or 1")
    losses = stored["losses"]
    steps = np.abs(np.diff(losses)) / abs(losses[0])
    if steps.size and steps.min() < LIVE_LOSS_STEP:
        problems.append(f"the loss does not move: relative steps {np.round(steps, 6).tolist()}")
    gradients = [np.abs(stored[k]).max() for k in keys(stored, "gradient_") if stored[k].size]
    if not gradients or max(gradients) < LIVE_GRADIENT:
        problems.append(f"the gradients vanish (largest {max(gradients, default=0):.3g})")
    moved = [_magnitude("weights", stored, k) for k in keys(stored, "weight_")]
    if not moved or max(moved) < LIVE_MOVE:
        problems.append("training did not move the weights")
    return problems


def baseline_command(argv, what: str, ids: list[str], run, path_for, load, errors, warnings=None) -> int:
    """The command line shared by the golden baselines: ``--write``, ``--errors``, ``--only ID...``."""
    parser = argparse.ArgumentParser(description=f"Write or measure the golden {what}.")
    parser.add_argument("--write", action="store_true",
                        help=f"overwrite this Keras generation's baselines ({baselines.shown(generation_dir())})")
    parser.add_argument("--errors", action="store_true",
                        help="print, as JSON, each entry's normalized errors against this generation's baseline")
    parser.add_argument("--only", nargs="+", metavar="ID", help="only these entries")
    args = parser.parse_args(argv)
    if not (args.write or args.errors):
        parser.print_help()
        return 2
    unknown = sorted(set(args.only or ()) - set(ids))
    if unknown:
        parser.error(f"no golden {what} for {unknown}; the ids are: {', '.join(ids)}")
    chosen = [entry_id for entry_id in ids if not args.only or entry_id in args.only]
    compat.enable_op_determinism()
    if args.write:
        for entry_id in chosen:
            result = run(entry_id)
            for problem in warnings(result) if warnings else ():
                print(f"warning: {entry_id}'s golden run cannot see: {problem}", file=sys.stderr)
            path = path_for(entry_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(path, **result)
            print(f"wrote {baselines.shown(path)}")
        (generation_dir() / "SOURCE.txt").write_text(
            f"written by TensorFlow {compat.TF_VERSION}, Keras {compat.KERAS_VERSION} with "
            "`python -m keras_upgrade_gate.conformance.golden --write` and `python -m keras_upgrade_gate.conformance.golden_fit --write`\n")
    if args.errors:
        missing = [entry_id for entry_id in chosen if load(entry_id) is None]
        if missing:
            parser.error(f"no {compat.GENERATION} baseline for {missing}: write it first with --write")
        print(json.dumps({entry_id: errors(load(entry_id), run(entry_id)) for entry_id in chosen}))
    return 0


def main(argv=None) -> int:
    return baseline_command(argv, "trajectories of every model entry", [e.id for e in catalog.entries("model")],
                            trajectory, path_for, load, normalized_errors, warnings=liveness)


if __name__ == "__main__":
    sys.exit(main())
