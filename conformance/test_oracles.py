"""Keras against independent NumPy references (conformance/oracles.py) on hypothesis-drawn shapes and values.

The one check that does not depend on any earlier Keras being right: each layer, activation, loss and
optimizer step the catalogue uses is computed from its definition in float64 and Keras's float32
result must lie within the float32 error bound of that computation (derived in oracles.py, the same
on every CPU).  Weights and inputs are drawn by NumPy from a hypothesis-drawn seed; hypothesis runs
derandomized (conformance/conftest.py), so a run is repeatable and a failure reprints its example.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import expect, oracles
from conformance.expectations import expected
from layers import compat

keras = compat.keras
pytestmark = pytest.mark.oracles

seeds = st.integers(0, 2 ** 31 - 1)
# Per test and reference, the largest error over the test's examples as a fraction of its bound (keyed
# by the test's own record_property, so the recorded value does not depend on which tests ran before).
WORST: dict[tuple, float] = {}


def _within(name: str, got, reference: oracles.Reference, record, hint: str = "") -> None:
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


def _normal(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype("float32")


def _built(layer, input_shape, weights):
    layer.build(input_shape)
    layer.set_weights([np.asarray(w, dtype="float32") for w in weights])
    return layer


VARIANCES = ("biased", "unbiased")
ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax"]


@given(seed=seeds, batch=st.integers(1, 4), width=st.integers(1, 40), units=st.integers(1, 12),
       activation=st.sampled_from(ACTIVATIONS))
def test_dense(seed, batch, width, units, activation, record_property):
    rng = np.random.default_rng(seed)
    x, kernel, bias = _normal(rng, batch, width), _normal(rng, width, units, scale=width ** -0.5), _normal(rng, units)
    layer = _built(keras.layers.Dense(units, activation=activation), (None, width), [kernel, bias])
    _within(f"Dense({activation})", layer(x), oracles.dense(x, kernel, bias, activation), record_property)


@given(seed=seeds, size=st.integers(3, 9), channels=st.integers(1, 3), filters=st.integers(1, 4),
       window=st.integers(1, 3), stride=st.integers(1, 2), padding=st.sampled_from(["valid", "same"]))
def test_conv2d(seed, size, channels, filters, window, stride, padding, record_property):
    rng = np.random.default_rng(seed)
    x = _normal(rng, 2, size, size, channels)
    kernel, bias = _normal(rng, window, window, channels, filters, scale=0.5), _normal(rng, filters)
    layer = _built(keras.layers.Conv2D(filters, window, strides=stride, padding=padding),
                   (None, size, size, channels), [kernel, bias])
    _within(f"Conv2D({padding})", layer(x), oracles.conv2d(x, kernel, bias, (stride, stride), padding),
            record_property)


@given(seed=seeds, size=st.integers(2, 9), pool=st.integers(1, 3), padding=st.sampled_from(["valid", "same"]))
def test_pooling(seed, size, pool, padding, record_property):
    rng = np.random.default_rng(seed)
    x = _normal(rng, 2, size, size, 3)
    _within(f"MaxPooling2D({padding})", keras.layers.MaxPooling2D(pool, padding=padding)(x),
            oracles.max_pool2d(x, (pool, pool), padding=padding), record_property)
    _within("GlobalAveragePooling2D", keras.layers.GlobalAveragePooling2D()(x), oracles.global_average_pool2d(x),
            record_property)


@given(seed=seeds, steps=st.integers(3, 12), channels=st.integers(1, 4), filters=st.integers(1, 4),
       window=st.integers(1, 4), stride=st.integers(1, 2), padding=st.sampled_from(["valid", "same"]))
def test_conv1d(seed, steps, channels, filters, window, stride, padding, record_property):
    rng = np.random.default_rng(seed)
    x = _normal(rng, 2, steps, channels)
    kernel, bias = _normal(rng, window, channels, filters, scale=0.5), _normal(rng, filters)
    layer = _built(keras.layers.Conv1D(filters, window, strides=stride, padding=padding),
                   (None, steps, channels), [kernel, bias])
    _within(f"Conv1D({padding})", layer(x), oracles.conv1d(x, kernel, bias, stride, padding), record_property)


@given(seed=seeds, steps=st.integers(2, 12), pool=st.integers(1, 3), padding=st.sampled_from(["valid", "same"]))
def test_pooling_1d(seed, steps, pool, padding, record_property):
    rng = np.random.default_rng(seed)
    x = _normal(rng, 2, steps, 3)
    _within(f"MaxPooling1D({padding})", keras.layers.MaxPooling1D(pool, padding=padding)(x),
            oracles.max_pool1d(x, pool, padding=padding), record_property)
    _within("GlobalAveragePooling1D", keras.layers.GlobalAveragePooling1D()(x), oracles.global_average_pool1d(x),
            record_property)


@given(seed=seeds, count=st.integers(2, 3), width=st.integers(1, 6), axis=st.sampled_from([1, -1]))
def test_merges(seed, count, width, axis, record_property):
    rng = np.random.default_rng(seed)
    inputs = [_normal(rng, 2, 3, width) for _ in range(count)]
    _within("Add", keras.layers.Add()(inputs), oracles.add(*inputs), record_property)
    _within("Multiply", keras.layers.Multiply()(inputs), oracles.multiply(*inputs), record_property)
    _within(f"Concatenate(axis={axis})", keras.layers.Concatenate(axis=axis)(inputs),
            oracles.concatenate(inputs, axis=axis), record_property)


@given(seed=seeds, queries=st.integers(1, 5), keys=st.integers(2, 6), width=st.integers(1, 8),
       separate_key=st.booleans())
def test_dot_attention(seed, queries, keys, width, separate_key, record_property):
    rng = np.random.default_rng(seed)
    query, value = _normal(rng, 2, queries, width), _normal(rng, 2, keys, width)
    key = _normal(rng, 2, keys, width) if separate_key else None
    got = keras.layers.Attention()([query, value] + ([key] if separate_key else []))
    _within("Attention", got, oracles.dot_attention(query, value, key), record_property)


@given(seed=seeds, vocabulary=st.integers(2, 30), width=st.integers(1, 8), steps=st.integers(1, 6))
def test_embedding(seed, vocabulary, width, steps, record_property):
    rng = np.random.default_rng(seed)
    table, ids = _normal(rng, vocabulary, width), rng.integers(0, vocabulary, (3, steps))
    layer = _built(keras.layers.Embedding(vocabulary, width), (None, steps), [table])
    _within("Embedding", layer(ids), oracles.embedding(ids, table), record_property)


@given(seed=seeds, width=st.integers(2, 32), epsilon=st.sampled_from([1e-6, 1e-3]), shift=st.floats(-3, 3))
def test_layer_normalization(seed, width, epsilon, shift, record_property):
    rng = np.random.default_rng(seed)
    x = _normal(rng, 3, width) + np.float32(shift)
    gamma, beta = _normal(rng, width) + 1, _normal(rng, width)
    layer = _built(keras.layers.LayerNormalization(epsilon=epsilon), (None, width), [gamma, beta])
    _within("LayerNormalization", layer(x), oracles.layer_norm(x, gamma, beta, epsilon), record_property)


@given(seed=seeds, channels=st.integers(1, 6), epsilon=st.sampled_from([1e-3, 1e-5]),
       momentum=st.sampled_from([0.99, 0.9]))
def test_batch_normalization(seed, channels, epsilon, momentum, record_property):
    rng = np.random.default_rng(seed)
    x = _normal(rng, 4, 3, 3, channels, scale=2.0) + np.float32(0.5)
    gamma, beta = _normal(rng, channels) + 1, _normal(rng, channels)
    mean, variance = _normal(rng, channels), (np.abs(_normal(rng, channels)) + 0.5).astype("float32")
    layer = _built(keras.layers.BatchNormalization(epsilon=epsilon, momentum=momentum), (None, 3, 3, channels),
                   [gamma, beta, mean, variance])
    _within("BatchNormalization(inference)", layer(x, training=False),
            oracles.batch_norm_inference(x, gamma, beta, mean, variance, epsilon), record_property)
    row = expected("oracle:BatchNormalization.moving_variance")  # which variance the moving one follows
    expect.true("BatchNormalization", "oracle: moving variance row", row is not None and row.value in VARIANCES,
                f"no row of conformance/expectations.py says which batch variance ({'/'.join(VARIANCES)}) the "
                f"moving variance follows on this version: {row}")
    output, new_mean, new_variance = oracles.batch_norm_training(x, gamma, beta, mean, variance, epsilon, momentum,
                                                                 unbiased=row.value == "unbiased")
    _within("BatchNormalization(training)", layer(x, training=True), output, record_property)
    weights = layer.get_weights()
    _within("BatchNormalization(moving mean)", weights[2], new_mean, record_property)
    _within("BatchNormalization(moving variance)", weights[3], new_variance, record_property,
            hint=f"if the estimator changed, update {row.describe()}")


@given(seed=seeds, steps=st.integers(1, 6), width=st.integers(1, 8), units=st.integers(1, 8))
def test_lstm(seed, steps, width, units, record_property):
    rng = np.random.default_rng(seed)
    x = _normal(rng, 2, steps, width)
    kernel = _normal(rng, width, 4 * units, scale=width ** -0.5)
    recurrent = _normal(rng, units, 4 * units, scale=units ** -0.5)
    bias = _normal(rng, 4 * units, scale=0.1)
    layer = _built(keras.layers.LSTM(units), (None, steps, width), [kernel, recurrent, bias])
    _within("LSTM", layer(x), oracles.lstm(x, kernel, recurrent, bias), record_property)


@given(seed=seeds, classes=st.integers(2, 10))
def test_losses(seed, classes, record_property):
    rng = np.random.default_rng(seed)
    logits = _normal(rng, 4, classes, scale=2.0)
    probabilities = np.asarray(oracles.softmax(oracles.Reference(logits.astype("float64"),
                                                                 np.zeros(logits.shape))).value, "float32")
    labels = rng.integers(0, classes, 4)
    one_hot = np.eye(classes, dtype="float32")[labels]
    _within("categorical_crossentropy", keras.losses.categorical_crossentropy(one_hot, probabilities),
            oracles.categorical_crossentropy(one_hot, probabilities), record_property)
    _within("sparse_categorical_crossentropy", keras.losses.sparse_categorical_crossentropy(labels, probabilities),
            oracles.sparse_categorical_crossentropy(labels, probabilities), record_property)
    targets = rng.integers(0, 2, (4, classes)).astype("float32")
    _within("binary_crossentropy(from_logits)", keras.losses.binary_crossentropy(targets, logits, from_logits=True),
            oracles.binary_crossentropy_from_logits(targets, logits), record_property)


def _stepped(optimizer, weight, gradients):
    variable = compat.variable(weight)
    for gradient in gradients:
        optimizer.apply_gradients([(compat.tf.constant(gradient), variable)])
    return np.asarray(variable)


def _away_from_zero(rng, n):
    return (np.sign(rng.standard_normal(n)) * rng.uniform(0.1, 2.0, n)).astype("float32")


@given(seed=seeds, steps=st.integers(1, 3), momentum=st.sampled_from([0.0, 0.9]), nesterov=st.booleans())
def test_sgd_steps(seed, steps, momentum, nesterov, record_property):
    rng = np.random.default_rng(seed)
    weight, gradients = _normal(rng, 6), [_normal(rng, 6) for _ in range(steps)]
    got = _stepped(keras.optimizers.SGD(learning_rate=0.01, momentum=momentum, nesterov=nesterov), weight, gradients)
    _within("SGD", got, oracles.sgd_steps(weight, gradients, 0.01, momentum, nesterov), record_property)


@given(seed=seeds, steps=st.integers(2, 4))
def test_adam_and_rmsprop_steps(seed, steps, record_property):
    """Several steps with different gradients: one step, or a constant gradient, hides Adam's betas."""
    rng = np.random.default_rng(seed)
    weight, gradients = _normal(rng, 6), [_away_from_zero(rng, 6) for _ in range(steps)]
    _within("Adam", _stepped(keras.optimizers.Adam(learning_rate=0.001), weight, gradients),
            oracles.adam_steps(weight, gradients, 0.001), record_property)
    _within("RMSprop", _stepped(keras.optimizers.RMSprop(learning_rate=0.001), weight, gradients),
            oracles.rmsprop_steps(weight, gradients, 0.001), record_property)


def test_a_wrong_layer_is_outside_the_bound():
    """The check sees: sigmoid 0.1% too large (the selftest's sigmoid_scaled) is far outside the bound."""
    rng = np.random.default_rng(0)
    x, kernel, bias = _normal(rng, 4, 16), _normal(rng, 16, 8, scale=0.25), _normal(rng, 8)
    reference = oracles.dense(x, kernel, bias, "sigmoid")
    wrong = reference.value * 1.001
    with pytest.raises(AssertionError, match="beyond float32's error bound"):
        _within("Dense(sigmoid)", wrong, reference, lambda *_: None)
