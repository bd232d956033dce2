"""Keras's composite, reshaping and random layers and the seeds' custom layers against NumPy references
(conformance/oracles_composite.py), on hypothesis-drawn shapes and values: the same rule as
conformance/test_oracles.py (float32's error bound of a float64 computation from the definition)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from keras_upgrade_gate.conformance import expect, oracles
from keras_upgrade_gate.conformance import oracles_composite as composite
from keras_upgrade_gate.conformance.expectations import expected
from keras_upgrade_gate.conformance.oracle_checks import built, normal, seeds, within
from keras_upgrade_gate.layers import compat, custom

keras = compat.keras
pytestmark = pytest.mark.oracles


def _randomized(layer, rng, scale=0.5) -> list:
    """Replace every weight of a built layer by NumPy draws (the initializer is not what is checked)."""
    weights = [normal(rng, *np.shape(w), scale=scale) for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


BIAS_FORMS = ("broadcast", "axis 1")


def _bias_along_axis_1() -> bool:
    """Whether this Keras adds an EinsumDense bias along axis 1 (the row says; see its reason)."""
    row = expected("oracle:EinsumDense.bias_broadcast")
    expect.true("EinsumDense", "oracle: bias broadcast row", row is not None and row.value in BIAS_FORMS,
                f"no row of conformance/expectations.py says how EinsumDense adds its bias ({'/'.join(BIAS_FORMS)}) "
                f"on this version: {row}")
    return row.value == "axis 1"


@oracles.covers("MultiHeadAttention", "EinsumDense")
@given(seed=seeds, queries=st.integers(1, 4), keys=st.integers(1, 5), width=st.integers(1, 6),
       heads=st.integers(1, 3), key_dim=st.integers(1, 4), masked=st.booleans())
@example(seed=0, queries=2, keys=2, width=4, heads=2, key_dim=1, masked=False)  # meets the bias row's case
def test_multi_head_attention(seed, queries, keys, width, heads, key_dim, masked, record_property):
    rng = np.random.default_rng(seed)
    query, value = normal(rng, 2, queries, width), normal(rng, 2, keys, width)
    layer = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=key_dim)
    compat.build_multi_head_attention(layer, query.shape, value.shape)
    weights = _randomized(layer, rng)
    keep = None
    if masked:  # every query keeps its first key, so no row is all masked
        keep = rng.random((2, queries, keys)) < 0.6
        keep[:, :, 0] = True
    got = layer(query, value, attention_mask=None if keep is None else compat.tf.constant(keep))
    within(f"MultiHeadAttention({'masked' if masked else 'unmasked'})", got,
            composite.multi_head_attention(query, value, weights, keep=keep, bias_along_axis_1=_bias_along_axis_1()),
            record_property, hint="if the bias broadcast changed, update the row oracle:EinsumDense.bias_broadcast")


@oracles.covers("Activation")
@given(seed=seeds, name=st.sampled_from(["relu", "sigmoid", "tanh", "softmax", "linear"]))
def test_activation_layer(seed, name, record_property):
    x = normal(np.random.default_rng(seed), 3, 7, scale=3.0)
    within(f"Activation({name})", keras.layers.Activation(name)(x),
            oracles.activation(composite.exact(x), name), record_property)


@oracles.covers("Softmax")
@given(seed=seeds, axis=st.sampled_from([1, -1]))
def test_softmax_layer(seed, axis, record_property):
    x = normal(np.random.default_rng(seed), 2, 4, 5, scale=3.0)
    within(f"Softmax(axis={axis})", keras.layers.Softmax(axis=axis)(x),
            oracles.softmax(composite.exact(x), axis=axis), record_property)


@oracles.covers("Flatten", "Reshape")
@given(seed=seeds, rows=st.integers(1, 4), cols=st.integers(1, 4), channels=st.integers(1, 3))
def test_flatten_and_reshape(seed, rows, cols, channels, record_property):
    """Row-major order, the batch axis kept: a copy, so exact."""
    x = normal(np.random.default_rng(seed), 2, rows, cols, channels)
    within("Flatten", keras.layers.Flatten()(x), composite.exact(x.reshape(2, -1)), record_property)
    within("Reshape", keras.layers.Reshape((cols, rows * channels))(x),
            composite.exact(x.reshape(2, cols, rows * channels)), record_property)


@oracles.covers("Dropout")
@given(seed=seeds, rate=st.sampled_from([0.1, 0.25, 0.5]))
def test_dropout(seed, rate, record_property):
    """Identity at inference; in training every element is dropped (0) or kept and scaled by 1/(1 - rate),
    and the dropped fraction is the rate within 6 standard deviations of a binomial count (a false alarm
    once in 5e8 draws; a rate 0.1 off is 6.5 or more deviations away at this size)."""
    rng = np.random.default_rng(seed)
    x = (np.abs(normal(rng, 40, 100)) + 0.5).astype("float32")  # no zeros of its own
    layer = keras.layers.Dropout(rate)
    within("Dropout(inference)", layer(x, training=False), composite.exact(x), record_property)
    got = np.asarray(layer(x, training=True), dtype="float64")
    dropped = got == 0
    kept = composite.exact(np.where(dropped, 0.0, x / (1 - rate)))
    within("Dropout(training): kept elements scaled", got,
            oracles.Reference(kept.value, 2 * oracles.U * np.abs(kept.value)), record_property)
    n, count = x.size, int(dropped.sum())
    deviation = abs(count - n * rate) / np.sqrt(n * rate * (1 - rate))
    record_property("oracle Dropout(training): dropped fraction", {"rate": rate, "dropped": count / n})
    expect.true("Dropout", "oracle: dropped fraction", deviation <= 6,
                f"Dropout({rate}) dropped {count} of {n} elements ({count / n:.3f}): {deviation:.1f} standard "
                "deviations from the rate")


@oracles.covers("TimeDistributed")
@given(seed=seeds, steps=st.integers(1, 5), width=st.integers(1, 6), units=st.integers(1, 5))
def test_time_distributed(seed, steps, width, units, record_property):
    """The wrapped layer applied to every step, in order: a Dense and a small Conv2D model (the seeds wrap
    both: TimeDistributed(Dense) and the video QA's vision model)."""
    rng = np.random.default_rng(seed)
    x = normal(rng, 2, steps, width)
    inner = keras.layers.Dense(units)
    wrapped = keras.layers.TimeDistributed(inner)
    wrapped.build((None, steps, width))
    kernel, bias = _randomized(inner, rng)
    within("TimeDistributed(Dense)", wrapped(x), composite.dense(composite.exact(x), kernel, bias), record_property)
    frames = normal(rng, 2, steps, 4, 4, 2)
    conv = keras.layers.Conv2D(units, 3, activation="relu")
    vision = keras.Sequential([keras.Input(shape=(4, 4, 2)), conv, keras.layers.Flatten()])
    conv_kernel, conv_bias = _randomized(conv, rng)
    got = keras.layers.TimeDistributed(vision)(frames)
    per_step = [oracles.conv2d(frames[:, t], conv_kernel, conv_bias, activation_name="relu") for t in range(steps)]
    reference = oracles.Reference(np.stack([r.value.reshape(2, -1) for r in per_step], axis=1),
                                  np.stack([r.bound.reshape(2, -1) for r in per_step], axis=1))
    within("TimeDistributed(Conv2D model)", got, reference, record_property)


# --- the seeds' custom layers (layers/custom.py) ---------------------------------------------------

def _keep(rng, batch, steps):
    keep = rng.random((batch, steps)) < 0.6
    keep[:, 0] = True  # at least one step per row: an all-masked row is defined by the layer, tested in nodes
    return keep


@oracles.covers("AttentionLayer", "ProbAttention")
@given(seed=seeds, steps=st.integers(1, 6), width=st.integers(1, 6), masked=st.booleans())
def test_attention_over_time(seed, steps, width, masked, record_property):
    rng = np.random.default_rng(seed)
    x = normal(rng, 3, steps, width)
    keep = _keep(rng, 3, steps) if masked else None
    mask = None if keep is None else compat.tf.constant(keep)
    kernel = normal(rng, width, 1)
    label = "masked" if masked else "unmasked"
    layer = built(custom.AttentionLayer(), (None, steps, width), [kernel])
    within(f"AttentionLayer({label})", layer(x, mask=mask), composite.attention_over_time(x, kernel, keep),
            record_property)
    layer = built(custom.ProbAttention(), (None, steps, width), [kernel])
    within(f"ProbAttention({label})", layer(x, mask=mask), composite.prob_attention(x, kernel, keep),
            record_property)


@oracles.covers("SELayer")
@given(seed=seeds, filters=st.integers(2, 8), reduction=st.sampled_from([1, 2, 16]), size=st.integers(1, 4))
def test_squeeze_excitation(seed, filters, reduction, size, record_property):
    """At inference (Dropout off, BatchNormalization on its moving statistics)."""
    rng = np.random.default_rng(seed)
    x = normal(rng, 2, size, size, filters)
    layer = custom.SELayer(filters, reduction=reduction)
    layer.build((None, size, size, filters))
    dense_1, norm_1, dense_2, norm_2 = (sub for sub in layer.FC.layers if sub.get_weights())
    parts = []
    for sub in (dense_1, norm_1, dense_2, norm_2):
        weights = _randomized(sub, rng)
        if sub in (norm_1, norm_2):  # the moving variance must stay positive
            weights[3] = (np.abs(weights[3]) + 0.5).astype("float32")
            sub.set_weights(weights)
        parts.append(weights)
    within("SELayer", layer(x, training=False),
            composite.squeeze_excitation(x, *parts, epsilon=norm_1.epsilon), record_property)


@oracles.covers("SelfAttentionLayer")
@given(seed=seeds, steps=st.integers(1, 4), heads=st.integers(1, 2), key_dim=st.integers(1, 4))
@example(seed=0, steps=2, heads=2, key_dim=1)
def test_self_attention_block(seed, steps, heads, key_dim, record_property):
    rng = np.random.default_rng(seed)
    width = 4
    x = normal(rng, 2, steps, width)
    layer = custom.SelfAttentionLayer(num_heads=heads, units=width, key_dim=key_dim)
    layer.build((None, steps, width))
    parts = [_randomized(sub, rng) for sub in (layer.attention_layer, layer.layernorm_1, layer.dense_proj,
                                               layer.dense_output, layer.layernorm_2)]
    within("SelfAttentionLayer", layer(x),
            composite.self_attention_block(x, *parts, epsilon=layer.layernorm_1.epsilon,
                                           bias_along_axis_1=_bias_along_axis_1()), record_property)
