"""Seed 001: a self-attention block, and Keras's Attention layer."""
from __future__ import annotations

import numpy as np

from keras_upgrade_gate.layers.building import built_layer, uniform_input
from keras_upgrade_gate.layers.catalog import Entry, register
from keras_upgrade_gate.layers.compat import keras
from keras_upgrade_gate.layers.custom import SelfAttentionLayer

SEED = "001_57f78894688d14a5.txt"
WIDTH = 128  # documented: Input(shape=(None, 128)), SelfAttentionLayer(units=128)


def _block_shape(small):
    # (time, width): the documented width; the small configuration shortens the sequence.
    return (6, 16) if small else (10, WIDTH)


def self_attention_seq(width=WIDTH, num_heads=8, key_dim=64):
    return keras.Sequential([
        keras.Input(shape=(None, width)),
        SelfAttentionLayer(num_heads=num_heads, units=width, key_dim=key_dim),
        keras.layers.Flatten(),
    ])


def keras_attention_model(query_width=30, steps=10, features=20, lstm_units=32):
    """The seed's two-input Attention model, made a valid dot-product attention.

    The LSTM returns its sequence (the values); the second input is projected to the
    LSTM's width and used as a one-step query, so each sample attends over its own
    time steps instead of over the other samples of the batch.
    """
    sequence = keras.Input(shape=(steps, features))
    query_input = keras.Input(shape=(query_width,))
    values = keras.layers.LSTM(lstm_units, return_sequences=True)(sequence)
    query = keras.layers.Reshape((1, lstm_units))(keras.layers.Dense(lstm_units)(query_input))
    attended = keras.layers.Attention()([query, values])
    output = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Flatten()(attended))
    return keras.Model(inputs=[sequence, query_input], outputs=output)


def _keras_attention_input(small, batch, rng):
    return [rng.random((batch, 10, 20)).astype("float32"), rng.random((batch, 30)).astype("float32")]


def _as_written_self_attention():
    """The seed's SelfAttentionLayer and Sequential, literally."""
    import tensorflow as tf

    class SeedSelfAttentionLayer(keras.layers.Layer):
        def __init__(self, num_heads=8, **kwargs):
            super().__init__(**kwargs)
            self.num_heads = num_heads
            self.dense_proj = keras.layers.Dense(units=num_heads * 64)
            self.attention_layer = keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=64)
            self.layernorm_1 = keras.layers.LayerNormalization(epsilon=1e-6)
            self.layernorm_2 = keras.layers.LayerNormalization(epsilon=1e-6)
            self.dense_output = keras.layers.Dense(units=kwargs["units"] if "units" in kwargs else num_heads * 64)

        def call(self, inputs):
            query, value, key = tf.split(inputs, num_or_size_splits=3, axis=-1)
            attention_weights = self.attention_layer(query, key, value)
            out, _ = self.attention_layer(query, key, value, attention_weights=attention_weights)
            out = tf.reshape(out, [-1, out.shape, self.num_heads, 64])
            out = tf.transpose(out, perm=[0, 2, 1, 3])
            out = self.layernorm_1(inputs + self.dense_proj(out))
            out = self.layernorm_2(out + self.dense_output(out))
            return out

    input_shape = (None, 128)
    model = keras.models.Sequential([
        keras.Input(shape=input_shape),
        SeedSelfAttentionLayer(units=128),
        keras.layers.Flatten(),
    ])
    inputs = tf.random.uniform((1, input_shape, input_shape))
    return model(inputs)


def _as_written_keras_attention():
    """The seed's two-input model with Attention()([lstm_out (32,), input2 (30,)])."""
    input1 = keras.Input(shape=(10, 20))
    input2 = keras.Input(shape=(30,))
    output1 = keras.layers.LSTM(32)(input1)
    attention = keras.layers.Attention()([output1, input2])
    output2 = keras.layers.Dense(1, activation="sigmoid")(attention)
    return {"attention": attention, "model": keras.Model(inputs=[input1, input2], outputs=output2)}


def rank2_attention_mixes_batch(width=4, batch=3, seed=0):
    """Attention on rank-2 query/value: does one sample's output depend on another sample?

    Returns the largest change in sample 0's output when only sample 1's value changes
    (0.0 means samples are independent).
    """
    rng = np.random.RandomState(seed)
    query = rng.standard_normal((batch, width)).astype("float32")
    value = rng.standard_normal((batch, width)).astype("float32")
    layer = keras.layers.Attention()
    before = np.asarray(layer([query, value]))
    value[1] += 1.0
    after = np.asarray(layer([query, value]))
    return float(np.abs(after[0] - before[0]).max())


register(Entry(
    id="attn.self_attention_block", seed=SEED, kind="layer",
    title="SelfAttentionLayer: MultiHeadAttention(8, key_dim 64), Dense projections, two LayerNorms, residuals",
    builder=lambda small: built_layer(
        SelfAttentionLayer(num_heads=2 if small else 8, units=_block_shape(small)[1], key_dim=8 if small else 64),
        (None, *_block_shape(small))),
    sample_input=uniform_input(_block_shape),
    as_written=_as_written_self_attention,
    changes=(
        "units is a constructor argument (the seed passed it on to the base Layer, which rejects it)",
        "the input is not split in three: query, key and value are the input itself (self-attention)",
        "MultiHeadAttention is called once, without the non-existent attention_weights= argument",
        "no reshape/transpose with a shape object: MultiHeadAttention already returns (batch, time, width)",
        "the projection Dense(num_heads*64) is the feed-forward's inner layer (relu), Dense(units) its "
        "output, so both residual additions have matching widths; units must equal the input width",
        "a (batch, time) mask becomes the attention mask, so padded keys get no weight",
    ),
    small_note="2 heads of key_dim 8 on (6, 16) instead of 8 heads of 64 on (T, 128)",
    flexible=lambda: built_layer(SelfAttentionLayer(num_heads=2, units=16, key_dim=8), (None, None, 16)),
))

register(Entry(
    id="attn.self_attention_seq", seed=SEED, kind="model",
    title="Sequential: Input(None, 128) -> SelfAttentionLayer(units=128) -> Flatten",
    builder=lambda small: self_attention_seq(16, 2, 8) if small else self_attention_seq(),
    sample_input=uniform_input(_block_shape),
    as_written=_as_written_self_attention,
    changes=("uses the canonical SelfAttentionLayer; Flatten over an unknown length is kept: "
             "its output is (None, None), so nothing with weights can follow it",),
    small_note="width 16, 2 heads of key_dim 8",
    flexible=lambda: self_attention_seq(16, 2, 8),
))

register(Entry(
    id="attn.keras_attention", seed=SEED, kind="model",
    title="Input(10, 20) -> LSTM(32); Input(30,); Attention -> Dense(1, sigmoid)",
    builder=lambda small: keras_attention_model(),
    sample_input=_keras_attention_input,
    helper=rank2_attention_mixes_batch,
    as_written=_as_written_keras_attention,
    changes=(
        "the LSTM returns its sequence, used as the attention's value (and key)",
        "the second input is projected by Dense(32) and reshaped to a one-step query: the seed "
        "attends a rank-2 (batch, 32) query over a rank-2 (batch, 30) value, which TF 2.15 rejects "
        "and Keras 3 accepts, and which on either makes samples attend to each other across the batch",
        "the attended (batch, 1, 32) result is flattened before Dense(1, sigmoid)",
    ),
    small_note="already small: the documented size is used for numerics too",
))
