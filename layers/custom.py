"""The seeds' custom layers as real, reusable Keras layers.

Each one has ``get_config`` (so ``from_config`` rebuilds it), is registered for
deserialization under the package ``gate`` (so a saved model loads without
``custom_objects``), returns a plain-tuple shape from ``compute_output_shape``
(both generations accept one), and handles masks explicitly.  The math uses
TensorFlow ops, which both Keras generations run on the TensorFlow backend.
"""
from __future__ import annotations

import tensorflow as tf

from keras_upgrade_gate.layers.compat import SERIALIZATION_PACKAGE, build_multi_head_attention, keras, register

Layer = keras.layers.Layer


def _tuple(shape) -> tuple:
    if hasattr(shape, "as_list"):
        return tuple(shape.as_list())
    return tuple(shape)


def masked_softmax_over_time(logits, mask=None):
    """Softmax over axis 1 of (batch, time, 1) logits; masked steps get exactly zero.

    Multiplying by the mask, rather than only subtracting a large number, makes
    the zero exact and keeps an all-masked row at zero weight instead of uniform.
    """
    if mask is None:
        return tf.nn.softmax(logits, axis=1)
    keep = tf.cast(mask, logits.dtype)[:, :, tf.newaxis]  # (batch, time) -> (batch, time, 1)
    very_negative = tf.cast(-1e9 if logits.dtype == tf.float32 else -3e4, logits.dtype)
    shifted = logits + (1.0 - keep) * very_negative
    shifted = shifted - tf.reduce_max(shifted, axis=1, keepdims=True)
    unnormalized = tf.exp(shifted) * keep
    total = tf.reduce_sum(unnormalized, axis=1, keepdims=True)
    return unnormalized / tf.maximum(total, tf.cast(1e-30 if logits.dtype == tf.float32 else 1e-7, logits.dtype))


@register(package=SERIALIZATION_PACKAGE)
class AttentionLayer(Layer):
    """Seed 000: attention over time steps (image rows) before an LSTM.

    logits = x . W, weights = softmax over time, output = x * weights (same shape as x).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        self.W = self.add_weight(name="W", shape=(int(input_shape[-1]), 1),
                                 initializer="random_normal", trainable=True)
        super().build(input_shape)

    def attention_weights(self, inputs, mask=None):
        return masked_softmax_over_time(tf.matmul(inputs, self.W), mask)

    def call(self, inputs, mask=None):
        return inputs * self.attention_weights(inputs, mask)

    def compute_output_shape(self, input_shape):
        return _tuple(input_shape)


@register(package=SERIALIZATION_PACKAGE)
class SelfAttentionLayer(Layer):
    """Seed 001: a transformer-style self-attention block.

    MultiHeadAttention(num_heads, key_dim) -> residual + LayerNorm -> Dense(num_heads*key_dim,
    relu) -> Dense(units) -> residual + LayerNorm.  ``units`` must equal the input width
    because both residual connections add the input to the result.
    """

    def __init__(self, num_heads=8, units=None, key_dim=64, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.units = units
        self.key_dim = key_dim
        self.supports_masking = True
        self.attention_layer = keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=key_dim)
        self.dense_proj = keras.layers.Dense(num_heads * key_dim, activation="relu")
        self.layernorm_1 = keras.layers.LayerNormalization(epsilon=1e-6)
        self.layernorm_2 = keras.layers.LayerNormalization(epsilon=1e-6)
        self.dense_output = None  # needs the input width: made in build

    def build(self, input_shape):
        width = int(input_shape[-1])
        units = self.units or width
        if units != width:
            raise ValueError(f"SelfAttentionLayer: units={units} must equal the input width {width} "
                             "(the residual connections add the input to the block's output)")
        self.dense_output = keras.layers.Dense(units)
        seq_shape = (input_shape[0], input_shape[1], width)
        build_multi_head_attention(self.attention_layer, seq_shape, seq_shape)
        self.layernorm_1.build(seq_shape)
        self.dense_proj.build(seq_shape)
        self.dense_output.build((input_shape[0], input_shape[1], self.num_heads * self.key_dim))
        self.layernorm_2.build(seq_shape)
        super().build(input_shape)

    def call(self, inputs, mask=None, training=None):
        attention_mask = None
        if mask is not None:
            # Every query may look at every unmasked key: (batch, 1, time) broadcast to (batch, time, time).
            keys = tf.cast(mask, tf.bool)[:, tf.newaxis, :]
            queries = tf.ones_like(tf.cast(mask, tf.bool))[:, :, tf.newaxis]
            attention_mask = tf.logical_and(queries, keys)
        attended = self.attention_layer(inputs, inputs, attention_mask=attention_mask, training=training)
        hidden = self.layernorm_1(inputs + attended)
        return self.layernorm_2(hidden + self.dense_output(self.dense_proj(hidden)))

    def compute_output_shape(self, input_shape):
        return _tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(num_heads=self.num_heads, units=self.units, key_dim=self.key_dim)
        return config


@register(package=SERIALIZATION_PACKAGE)
class SELayer(Layer):
    """Seed 002: squeeze-and-excitation channel attention.

    GlobalAveragePooling2D -> Dense(filters // reduction) -> Dropout -> BatchNorm -> relu
    -> Dense(filters) -> Dropout -> BatchNorm -> sigmoid, then the channel weights
    multiply the input (broadcast over height and width).
    """

    def __init__(self, filters, reduction=16, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.reduction = reduction
        self.GAP = keras.layers.GlobalAveragePooling2D()
        self.FC = keras.Sequential([
            keras.layers.Dense(max(filters // reduction, 1)),
            keras.layers.Dropout(0.5),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
            keras.layers.Dense(filters),
            keras.layers.Dropout(0.5),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("sigmoid"),
        ])
        self.Multiply = keras.layers.Multiply()

    def build(self, input_shape):
        if int(input_shape[-1]) != self.filters:
            raise ValueError(f"SELayer(filters={self.filters}) got {int(input_shape[-1])} channels")
        self.FC.build((None, self.filters))
        super().build(input_shape)

    def call(self, inputs, training=None):
        weights = self.FC(self.GAP(inputs), training=training)
        return self.Multiply([weights, inputs])

    def compute_output_shape(self, input_shape):
        return _tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, reduction=self.reduction)
        return config


@register(package=SERIALIZATION_PACKAGE)
class DenseAttention(Layer):
    """Seed 003's ``Att`` block as one layer: softmax(x . K) * x, K square and without bias."""

    def build(self, input_shape):
        width = int(input_shape[-1])
        self.kernel = self.add_weight(name="kernel", shape=(width, width),
                                      initializer="glorot_uniform", trainable=True)
        super().build(input_shape)

    def attention_weights(self, inputs):
        return tf.nn.softmax(tf.matmul(inputs, self.kernel), axis=-1)

    def call(self, inputs):
        return inputs * self.attention_weights(inputs)

    def compute_output_shape(self, input_shape):
        return _tuple(input_shape)


@register(package=SERIALIZATION_PACKAGE)
class ProbAttention(Layer):
    """Seed 003: attention pooling over time; (batch, time, features) -> (batch, features).

    u = x . w, masked steps get exactly zero weight, alpha = stable softmax of u over
    time, output = sum_t alpha_t x_t.  The mask is consumed here.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        # The seed's 'uniform' is Keras 1's U(-0.05, 0.05); spelled out so no alias can drift.
        self.w = self.add_weight(name="kernel", shape=(int(input_shape[-1]), 1),
                                 initializer=keras.initializers.RandomUniform(-0.05, 0.05),
                                 trainable=True)
        super().build(input_shape)

    def attention_weights(self, inputs, mask=None):
        return masked_softmax_over_time(tf.matmul(inputs, self.w), mask)

    def call(self, inputs, mask=None):
        return tf.reduce_sum(inputs * self.attention_weights(inputs, mask), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        shape = _tuple(input_shape)
        return (shape[0], shape[2])
