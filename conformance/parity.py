"""Execution paths for numerical parity: the float32 CPU reference and its targets.

A path is a device, a compilation mode and a dtype policy.  Every path starts from
the same NumPy-drawn weights (conformance.golden), so any difference is the path's.
"""
from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
import tensorflow as tf

from keras_upgrade_gate.conformance.golden import canonical_variables, numpy_weights
from keras_upgrade_gate.layers import catalog, compat
from keras_upgrade_gate.layers.building import as_list

TRAIN_STEPS = 3
LEARNING_RATE = 1e-2


@dataclasses.dataclass(frozen=True)
class Path:
    name: str
    device: str  # "CPU" or "GPU"
    xla: bool = False
    policy: str = "float32"
    generic_rnn: bool = False  # force the generic LSTM/GRU kernel where the version lets us

    @property
    def dtype(self) -> str:
        return {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}.get(self.policy, "float32")


REFERENCE = Path("cpu", "CPU")
TARGETS = (
    Path("cpu_xla", "CPU", xla=True),
    Path("cpu_mixed_float16", "CPU", policy="mixed_float16"),
    Path("cpu_mixed_bfloat16", "CPU", policy="mixed_bfloat16"),
    Path("gpu", "GPU"),
    Path("gpu_xla", "GPU", xla=True),
    Path("gpu_generic_rnn", "GPU", generic_rnn=True),
)


def gpu_visible() -> bool:
    return bool(tf.config.list_physical_devices("GPU"))


@contextlib.contextmanager
def policy(name: str):
    compat.keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        compat.keras.mixed_precision.set_global_policy("float32")



def _targets_for(outputs, seed=11):
    rng = np.random.RandomState(seed)
    return [rng.standard_normal(tuple(np.asarray(o).shape)).astype("float32") for o in outputs]


def run_path(entry_id: str, path: Path) -> dict:
    """Forward outputs, gradients of an MSE loss w.r.t. every trainable weight, and the
    weights after TRAIN_STEPS SGD steps, all as float32 NumPy arrays."""
    compat.reset_session(0)
    suspend = compat.op_determinism_suspended() if path.xla else contextlib.nullcontext()
    with suspend, policy(path.policy), tf.device(f"/{path.device}:0"):
        model = catalog.build(entry_id, small=True)
        if path.generic_rnn:
            compat.force_generic_rnn_kernel(model)
        for variable, value in zip(canonical_variables(model), numpy_weights(model)):
            variable.assign(value)
        x = catalog.sample_input(entry_id, small=True, batch_size=4, seed=7)
        targets = _targets_for(as_list(model(x, training=False)))
        trainable = list(model.trainable_weights)

        def loss_and_grads(inputs):
            with tf.GradientTape() as tape:
                predictions = [tf.cast(p, tf.float32) for p in as_list(model(inputs, training=False))]
                loss = tf.add_n([tf.reduce_mean(tf.square(p - t)) for p, t in zip(predictions, targets)])
            # a weight the path leaves out of the loss has no gradient: zero, judged against the reference's
            gradients = [tf.zeros_like(v) if g is None else g for g, v in zip(tape.gradient(loss, trainable), trainable)]
            return predictions, loss, gradients

        step = tf.function(loss_and_grads, jit_compile=True) if path.xla else loss_and_grads
        predictions, loss, gradients = step(x)
        result = {"outputs": [np.asarray(p) for p in predictions], "loss": float(loss),
                  "gradients": [np.asarray(tf.convert_to_tensor(g), dtype="float32") for g in gradients]}
        for _ in range(TRAIN_STEPS):  # plain SGD, so the update itself adds no path difference
            _, _, gradients = step(x)
            for variable, gradient in zip(trainable, gradients):
                variable.assign_sub(LEARNING_RATE * tf.cast(tf.convert_to_tensor(gradient), variable.dtype))
        result["weights"] = [np.asarray(v, dtype="float32") for v in trainable]
        result["weight_names"] = [v.name for v in trainable]
        result["rnn_kernels"] = sorted({compat.rnn_kernel(layer) for layer in compat.recurrent_layers(model)})
    return result


def errors(reference, target) -> dict:
    """Largest absolute error, and largest relative error where the reference is not tiny."""
    reference = np.asarray(reference, dtype="float64")
    target = np.asarray(target, dtype="float64")
    absolute = np.abs(target - reference)
    big = np.abs(reference) > 1e-3
    relative = absolute[big] / np.abs(reference[big]) if big.any() else np.zeros(1)
    return {"max_abs": float(absolute.max(initial=0.0)), "max_rel": float(relative.max(initial=0.0))}


def needed_atol(reference, target, rtol: float) -> float:
    """The smallest atol with which |target - reference| <= atol + rtol * |reference| holds."""
    reference = np.asarray(reference, dtype="float64")
    target = np.asarray(target, dtype="float64")
    return float(np.max(np.abs(target - reference) - rtol * np.abs(reference), initial=0.0))


def main(argv=None) -> int:
    """Measure every entry on every CPU path: fixtures/measurements/parity-<env>.json."""
    import json
    import sys
    import warnings

    from keras_upgrade_gate.conformance.measure import OUT_DIR, env_name
    from keras_upgrade_gate.conformance.tolerances import RTOL

    warnings.simplefilter("ignore")
    compat.enable_op_determinism()
    records = {"environment": compat.environment()}
    for entry in catalog.buildable():
        reference = run_path(entry.id, REFERENCE)
        for path in TARGETS:
            if path.device == "GPU" and not gpu_visible():
                continue
            got = run_path(entry.id, path)
            for kind in ("outputs", "gradients", "weights"):
                rtol = RTOL[(path.dtype, kind)]
                records.setdefault(entry.id, {}).setdefault(path.name, {})[kind] = {
                    "needed_atol": max((needed_atol(a, b, rtol) for a, b in zip(reference[kind], got[kind])), default=0.0),
                    **{k: max((errors(a, b)[k] for a, b in zip(reference[kind], got[kind])), default=0.0)
                       for k in ("max_abs", "max_rel")},
                }
        print(entry.id, json.dumps(records[entry.id]), flush=True)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"parity-{env_name()}.json"
    out.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
