"""What every oracle check shares: the seeds hypothesis draws, NumPy draws, a layer built with given weights,
and the comparison of Keras's result with a Reference (conformance/oracles.py) that records how much of
its float32 bound the error used."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from keras_upgrade_gate.conformance import expect, oracles

seeds = st.integers(0, 2 ** 31 - 1)
# Per test and reference, the largest error over the test's examples as a fraction of its bound (keyed
# by the test's own record_property, so the recorded value does not depend on which tests ran before).
WORST: dict[tuple, float] = {}


def within(name: str, got, reference: oracles.Reference, record, hint: str = "") -> None:
    got = np.asarray(got, dtype="float64")
    expect.equal(name, "oracle: shape", reference.value.shape, got.shape)
    error = np.abs(got - reference.value)
    bound = np.maximum(reference.bound, 1e-30)
    ratio = float(np.max(error / bound, initial=0.0))
    key = (record, name)
    WORST[key] = max(WORST.get(key, 0.0), ratio)
    record(f"oracle {name}", {"worst_fraction_of_bound": round(WORST[key], 4)})
    worst = np.unravel_index(int(np.argmax(error / bound)), error.shape) if error.size else ()
    expect.true(name, "oracle: NumPy reference", np.all(error <= reference.bound),
                f"Keras differs from the NumPy reference beyond float32's error bound: element {worst} "
                f"reference {reference.value[worst]:.9g}, Keras {got[worst]:.9g}, error {error[worst]:.3g}, "
                f"bound {reference.bound[worst]:.3g} ({ratio:.3g} x the bound)" + (f"; {hint}" if hint else ""))


def normal(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype("float32")


def built(layer, input_shape, weights):
    layer.build(input_shape)
    layer.set_weights([np.asarray(w, dtype="float32") for w in weights])
    return layer
