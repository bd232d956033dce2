"""Keras against independent NumPy references (conformance/oracles.py) on hypothesis-drawn shapes and values.

The one check that does not depend on any earlier Keras being right: each layer, activation, loss and
optimizer step the catalogue uses is computed from its definition in float64 and Keras's float32
result must lie within the float32 error bound of that computation (derived in oracles.py, the same
on every CPU).  Weights and inputs are drawn by NumPy from a hypothesis-drawn seed; hypothesis runs
derandomized (conformance/session.py), so a run is repeatable and a failure reprints its example.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from keras_upgrade_gate.conformance import expect, oracles
from keras_upgrade_gate.conformance.expectations import expected
from keras_upgrade_gate.conformance.oracle_checks import built, normal, seeds, within
from keras_upgrade_gate.layers import compat

keras = compat.keras
pytestmark = pytest.mark.oracles

VARIANCES = ("biased", "unbiased")
ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax"]


@oracles.covers("Dense")
@given(seed=seeds, batch=st.integers(1, 4), width=st.integers(1, 40), units=st.integers(1, 12),
       activation=st.sampled_from(ACTIVATIONS))
def test_dense(seed, batch, width, units, activation, record_property):
    rng = np.random.default_rng(seed)
    x, kernel, bias = normal(rng, batch, width), normal(rng, width, units, scale=width ** -0.5), normal(rng, units)
    layer = built(keras.layers.Dense(units, activation=activation), (None, width), [kernel, bias])
    within(f"Dense({activation})", layer(x), oracles.dense(x, kernel, bias, activation), record_property)


@oracles.covers("Conv2D")
@given(seed=seeds, size=st.integers(3, 9), channels=st.integers(1, 3), filters=st.integers(1, 4),
       window=st.integers(1, 3), stride=st.integers(1, 2), padding=st.sampled_from(["valid", "same"]))
def test_conv2d(seed, size, channels, filters, window, stride, padding, record_property):
    rng = np.random.default_rng(seed)
    x = normal(rng, 2, size, size, channels)
    kernel, bias = normal(rng, window, window, channels, filters, scale=0.5), normal(rng, filters)
    layer = built(keras.layers.Conv2D(filters, window, strides=stride, padding=padding),
                   (None, size, size, channels), [kernel, bias])
    within(f"Conv2D({padding})", layer(x), oracles.conv2d(x, kernel, bias, (stride, stride), padding),
            record_property)


@oracles.covers("MaxPooling2D", "GlobalAveragePooling2D")
@given(seed=seeds, size=st.integers(2, 9), pool=st.integers(1, 3), padding=st.sampled_from(["valid", "same"]))
def test_pooling(seed, size, pool, padding, record_property):
    assume(padding == "same" or size >= pool)  # a 'valid' window larger than the input is an error
    rng = np.random.default_rng(seed)
    x = normal(rng, 2, size, size, 3)
    within(f"MaxPooling2D({padding})", keras.layers.MaxPooling2D(pool, padding=padding)(x),
            oracles.max_pool2d(x, (pool, pool), padding=padding), record_property)
    within("GlobalAveragePooling2D", keras.layers.GlobalAveragePooling2D()(x), oracles.global_average_pool2d(x),
            record_property)


@oracles.covers("Conv1D")
@given(seed=seeds, steps=st.integers(3, 12), channels=st.integers(1, 4), filters=st.integers(1, 4),
       window=st.integers(1, 4), stride=st.integers(1, 2), padding=st.sampled_from(["valid", "same"]))
def test_conv1d(seed, steps, channels, filters, window, stride, padding, record_property):
    assume(padding == "same" or steps >= window)  # a 'valid' window larger than the input is an error
    rng = np.random.default_rng(seed)
    x = normal(rng, 2, steps, channels)
    kernel, bias = normal(rng, window, channels, filters, scale=0.5), normal(rng, filters)
    layer = built(keras.layers.Conv1D(filters, window, strides=stride, padding=padding),
                   (None, steps, channels), [kernel, bias])
    within(f"Conv1D({padding})", layer(x), oracles.conv1d(x, kernel, bias, stride, padding), record_property)


@oracles.covers("MaxPooling1D", "GlobalAveragePooling1D")
@given(seed=seeds, steps=st.integers(2, 12), pool=st.integers(1, 3), padding=st.sampled_from(["valid", "same"]))
def test_pooling_1d(seed, steps, pool, padding, record_property):
    assume(padding == "same" or steps >= pool)
    rng = np.random.default_rng(seed)
    x = normal(rng, 2, steps, 3)
    within(f"MaxPooling1D({padding})", keras.layers.MaxPooling1D(pool, padding=padding)(x),
            oracles.max_pool1d(x, pool, padding=padding), record_property)
    within("GlobalAveragePooling1D", keras.layers.GlobalAveragePooling1D()(x), oracles.global_average_pool1d(x),
            record_property)


@oracles.covers("Add", "Multiply", "Concatenate")
@given(seed=seeds, count=st.integers(2, 3), width=st.integers(1, 6), axis=st.sampled_from([1, -1]))
def test_merges(seed, count, width, axis, record_property):
    rng = np.random.default_rng(seed)
    inputs = [normal(rng, 2, 3, width) for _ in range(count)]
    within("Add", keras.layers.Add()(inputs), oracles.add(*inputs), record_property)
    within("Multiply", keras.layers.Multiply()(inputs), oracles.multiply(*inputs), record_property)
    within(f"Concatenate(axis={axis})", keras.layers.Concatenate(axis=axis)(inputs),
            oracles.concatenate(inputs, axis=axis), record_property)


@oracles.covers("Attention")
@given(seed=seeds, queries=st.integers(1, 5), keys=st.integers(2, 6), width=st.integers(1, 8),
       separate_key=st.booleans())
def test_dot_attention(seed, queries, keys, width, separate_key, record_property):
    rng = np.random.default_rng(seed)
    query, value = normal(rng, 2, queries, width), normal(rng, 2, keys, width)
    key = normal(rng, 2, keys, width) if separate_key else None
    got = keras.layers.Attention()([query, value] + ([key] if separate_key else []))
    within("Attention", got, oracles.dot_attention(query, value, key), record_property)


@oracles.covers("Embedding")
@given(seed=seeds, vocabulary=st.integers(2, 30), width=st.integers(1, 8), steps=st.integers(1, 6))
def test_embedding(seed, vocabulary, width, steps, record_property):
    rng = np.random.default_rng(seed)
    table, ids = normal(rng, vocabulary, width), rng.integers(0, vocabulary, (3, steps))
    layer = built(keras.layers.Embedding(vocabulary, width), (None, steps), [table])
    within("Embedding", layer(ids), oracles.embedding(ids, table), record_property)


@oracles.covers("LayerNormalization")
@given(seed=seeds, width=st.integers(2, 32), epsilon=st.sampled_from([1e-6, 1e-3]), shift=st.floats(-3, 3))
def test_layer_normalization(seed, width, epsilon, shift, record_property):
    rng = np.random.default_rng(seed)
    x = normal(rng, 3, width) + np.float32(shift)
    gamma, beta = normal(rng, width) + 1, normal(rng, width)
    layer = built(keras.layers.LayerNormalization(epsilon=epsilon), (None, width), [gamma, beta])
    within("LayerNormalization", layer(x), oracles.layer_norm(x, gamma, beta, epsilon), record_property)


@oracles.covers("BatchNormalization")
@given(seed=seeds, channels=st.integers(1, 6), epsilon=st.sampled_from([1e-3, 1e-5]),
       momentum=st.sampled_from([0.99, 0.9]))
def test_batch_normalization(seed, channels, epsilon, momentum, record_property):
    rng = np.random.default_rng(seed)
    x = normal(rng, 4, 3, 3, channels, scale=2.0) + np.float32(0.5)
    gamma, beta = normal(rng, channels) + 1, normal(rng, channels)
    mean, variance = normal(rng, channels), (np.abs(normal(rng, channels)) + 0.5).astype("float32")
    layer = built(keras.layers.BatchNormalization(epsilon=epsilon, momentum=momentum), (None, 3, 3, channels),
                   [gamma, beta, mean, variance])
    within("BatchNormalization(inference)", layer(x, training=False),
            oracles.batch_norm_inference(x, gamma, beta, mean, variance, epsilon), record_property)
    row = expected("oracle:BatchNormalization.moving_variance")  # which variance the moving one follows
    expect.true("BatchNormalization", "oracle: moving variance row", row is not None and row.value in VARIANCES,
                f"no row of conformance/expectations.py says which batch variance ({'/'.join(VARIANCES)}) the "
                f"moving variance follows on this version: {row}")
    output, new_mean, new_variance = oracles.batch_norm_training(x, gamma, beta, mean, variance, epsilon, momentum,
                                                                 unbiased=row.value == "unbiased")
    within("BatchNormalization(training)", layer(x, training=True), output, record_property)
    weights = layer.get_weights()
    within("BatchNormalization(moving mean)", weights[2], new_mean, record_property)
    within("BatchNormalization(moving variance)", weights[3], new_variance, record_property,
            hint=f"if the estimator changed, update {row.describe()}")


@oracles.covers("LSTM", "LSTMCell")
@given(seed=seeds, steps=st.integers(1, 6), width=st.integers(1, 8), units=st.integers(1, 8))
def test_lstm(seed, steps, width, units, record_property):
    rng = np.random.default_rng(seed)
    x = normal(rng, 2, steps, width)
    kernel = normal(rng, width, 4 * units, scale=width ** -0.5)
    recurrent = normal(rng, units, 4 * units, scale=units ** -0.5)
    bias = normal(rng, 4 * units, scale=0.1)
    layer = built(keras.layers.LSTM(units), (None, steps, width), [kernel, recurrent, bias])
    within("LSTM", layer(x), oracles.lstm(x, kernel, recurrent, bias), record_property)
    # A mask (as Embedding(mask_zero=True) passes one): masked steps carry the state over. The first step
    # stays unmasked so every row has an output (an all-masked row's is a version detail, not the seeds').
    mask = rng.random((2, steps)) < 0.6
    mask[:, 0] = True
    within("LSTM(masked)", layer(x, mask=compat.tf.constant(mask)),
            oracles.lstm(x, kernel, recurrent, bias, mask=mask), record_property)


@oracles.covers("loss:categorical_crossentropy", "loss:sparse_categorical_crossentropy",
                "loss:binary_crossentropy(from_logits)")
@given(seed=seeds, classes=st.integers(2, 10))
def test_losses(seed, classes, record_property):
    rng = np.random.default_rng(seed)
    logits = normal(rng, 4, classes, scale=2.0)
    probabilities = np.asarray(oracles.softmax(oracles.Reference(logits.astype("float64"),
                                                                 np.zeros(logits.shape))).value, "float32")
    labels = rng.integers(0, classes, 4)
    one_hot = np.eye(classes, dtype="float32")[labels]
    within("categorical_crossentropy", keras.losses.categorical_crossentropy(one_hot, probabilities),
            oracles.categorical_crossentropy(one_hot, probabilities), record_property)
    within("sparse_categorical_crossentropy", keras.losses.sparse_categorical_crossentropy(labels, probabilities),
            oracles.sparse_categorical_crossentropy(labels, probabilities), record_property)
    targets = rng.integers(0, 2, (4, classes)).astype("float32")
    within("binary_crossentropy(from_logits)", keras.losses.binary_crossentropy(targets, logits, from_logits=True),
            oracles.binary_crossentropy_from_logits(targets, logits), record_property)


@oracles.covers("loss:binary_crossentropy")
@given(seed=seeds, width=st.integers(1, 8))
def test_binary_crossentropy_on_probabilities(seed, width, record_property):
    rng = np.random.default_rng(seed)
    probabilities = rng.uniform(0.02, 0.98, (4, width)).astype("float32")
    targets = rng.integers(0, 2, (4, width)).astype("float32")
    row = expected("oracle:binary_crossentropy.epsilon")  # where the clipping epsilon enters the log
    expect.true("binary_crossentropy", "oracle: epsilon row", row is not None and row.value in EPSILON_FORMS,
                f"no row of conformance/expectations.py says where binary_crossentropy adds its epsilon "
                f"({'/'.join(EPSILON_FORMS)}) on this version: {row}")
    within("binary_crossentropy", keras.losses.binary_crossentropy(targets, probabilities),
            oracles.binary_crossentropy(targets, probabilities, epsilon_in_log=row.value == "inside the log"),
            record_property, hint=f"if the form changed, update {row.describe()}")


EPSILON_FORMS = ("clipped only", "inside the log")
REDUCTIONS = ("mean over the last axis", "per element")


@oracles.covers("metric:accuracy", "metric:BinaryAccuracy", "metric:binary_accuracy", "metric:categorical_accuracy",
                "metric:sparse_categorical_accuracy")
@given(seed=seeds, classes=st.integers(2, 6), batch=st.integers(1, 9))
def test_accuracy_metrics(seed, classes, batch, record_property):
    """The functions and the streaming metric objects ('accuracy' in compile resolves to one of these
    by the loss): a hit is counted exactly, and a result over several batches weighs every example."""
    rng = np.random.default_rng(seed)
    scores = rng.random((batch, classes)).astype("float32")
    labels = rng.integers(0, classes, batch)
    one_hot = np.eye(classes, dtype="float32")[labels]
    within("categorical_accuracy", keras.metrics.categorical_accuracy(one_hot, scores),
            oracles.categorical_accuracy(one_hot, scores), record_property)
    within("sparse_categorical_accuracy", keras.metrics.sparse_categorical_accuracy(labels[:, None], scores),
            oracles.sparse_categorical_accuracy(labels, scores), record_property)
    targets = rng.integers(0, 2, (batch, classes)).astype("float32")
    row = expected("oracle:binary_accuracy.reduction")
    expect.true("binary_accuracy", "oracle: reduction row", row is not None and row.value in REDUCTIONS,
                f"no row of conformance/expectations.py says what binary_accuracy returns ({'/'.join(REDUCTIONS)}) "
                f"on this version: {row}")
    within("binary_accuracy", keras.metrics.binary_accuracy(targets, scores),
            oracles.binary_accuracy(targets, scores, per_element=row.value == "per element"), record_property,
            hint=f"if the reduction changed, update {row.describe()}")
    metric = keras.metrics.BinaryAccuracy()
    halves = np.array_split(np.arange(batch), 2) if batch > 1 else [np.arange(batch)]
    for half in halves:
        metric.update_state(targets[half], scores[half])
    within("BinaryAccuracy(streamed)", metric.result(),
            oracles.streamed_mean([oracles.binary_accuracy(targets[h], scores[h]).value for h in halves]),
            record_property)


@oracles.covers("schedule:InverseTimeDecay")
@given(step=st.integers(0, 10 ** 7), rate=st.sampled_from([1e-6, 1e-3, 0.5]), decay_steps=st.integers(1, 1000),
       staircase=st.booleans())
def test_inverse_time_decay(step, rate, decay_steps, staircase, record_property):
    """The schedule Keras 1's SGD(decay=) becomes (compat.sgd_with_decay)."""
    schedule = compat.inverse_time_decay(0.01, decay_steps, rate, staircase=staircase)
    within("InverseTimeDecay", schedule(step), oracles.inverse_time_decay(step, 0.01, decay_steps, rate, staircase),
            record_property)


def _stepped(optimizer, weight, gradients):
    variable = compat.variable(weight)
    for gradient in gradients:
        optimizer.apply_gradients([(compat.tf.constant(gradient), variable)])
    return np.asarray(variable)


def _away_from_zero(rng, n):
    return (np.sign(rng.standard_normal(n)) * rng.uniform(0.1, 2.0, n)).astype("float32")


@oracles.covers("optimizer:SGD")
@given(seed=seeds, steps=st.integers(1, 3), momentum=st.sampled_from([0.0, 0.9]), nesterov=st.booleans())
def test_sgd_steps(seed, steps, momentum, nesterov, record_property):
    rng = np.random.default_rng(seed)
    weight, gradients = normal(rng, 6), [normal(rng, 6) for _ in range(steps)]
    got = _stepped(keras.optimizers.SGD(learning_rate=0.01, momentum=momentum, nesterov=nesterov), weight, gradients)
    within("SGD", got, oracles.sgd_steps(weight, gradients, 0.01, momentum, nesterov), record_property)


@oracles.covers("optimizer:Adam", "optimizer:RMSprop")
@given(seed=seeds, steps=st.integers(2, 4))
def test_adam_and_rmsprop_steps(seed, steps, record_property):
    """Several steps with different gradients: one step, or a constant gradient, hides Adam's betas."""
    rng = np.random.default_rng(seed)
    weight, gradients = normal(rng, 6), [_away_from_zero(rng, 6) for _ in range(steps)]
    within("Adam", _stepped(keras.optimizers.Adam(learning_rate=0.001), weight, gradients),
            oracles.adam_steps(weight, gradients, 0.001), record_property)
    within("RMSprop", _stepped(keras.optimizers.RMSprop(learning_rate=0.001), weight, gradients),
            oracles.rmsprop_steps(weight, gradients, 0.001), record_property)


def test_a_wrong_layer_is_outside_the_bound():
    """The check sees: sigmoid 0.1% too large (the selftest's sigmoid_scaled) is far outside the bound."""
    rng = np.random.default_rng(0)
    x, kernel, bias = normal(rng, 4, 16), normal(rng, 16, 8, scale=0.25), normal(rng, 8)
    reference = oracles.dense(x, kernel, bias, "sigmoid")
    wrong = reference.value * 1.001
    with pytest.raises(AssertionError, match="beyond float32's error bound"):
        within("Dense(sigmoid)", wrong, reference, lambda *_: None)
