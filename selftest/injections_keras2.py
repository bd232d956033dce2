"""The same regressions as selftest/injections.py, patched into Keras 2 (tf.keras 2.12-2.15), where the
Keras 3 patch reaches internals Keras 2 does not have (keras.ops, keras.src.backend.tensorflow, the
Keras 3 module layout).  Each function takes the Patcher and changes the same behaviour as the Keras 3
patch of the injection that names it."""
from __future__ import annotations

import functools


def _activation(p, name: str, make):
    """Replace activation ``name`` where Keras 2 computes it: keras.src.backend, which every activation
    function calls at call time (the functions themselves are resolved by name through a registry
    filled at import, so replacing them is not seen by Dense(activation='softmax'))."""
    from keras.src import backend

    original = getattr(backend, name)
    p.set(backend, name, functools.wraps(original)(make(original)))


def softmax_over_batch(p):
    _activation(p, "softmax", lambda original: lambda x, axis=-1: original(x, axis=0))  # over the batch


def dense_bias_dropped(p):
    import keras
    import tensorflow as tf

    def call(self, inputs):
        outputs = tf.tensordot(inputs, self.kernel, [[inputs.shape.rank - 1], [0]])  # the bias is never added
        return self.activation(outputs) if self.activation is not None else outputs

    p.set(keras.layers.Dense, "call", call)


def dense_bias_dropped_in_float16(p):
    import keras
    import tensorflow as tf

    original = keras.layers.Dense.call

    @functools.wraps(original)
    def call(self, inputs):
        if self.compute_dtype != "float16":
            return original(self, inputs)
        outputs = tf.tensordot(inputs, tf.cast(self.kernel, tf.float16), [[inputs.shape.rank - 1], [0]])
        return self.activation(outputs) if self.activation is not None else outputs

    p.set(keras.layers.Dense, "call", call)


def same_padding_as_valid_in(p, conv_base):
    """'same' padding built as 'valid' in every convolution (both generations: each names its base class)."""
    def change(layer):
        if layer.padding == "same":
            layer.padding = "valid"

    p.before(conv_base, "build", change)


def same_padding_as_valid(p):
    from keras.src.layers.convolutional.base_conv import Conv

    same_padding_as_valid_in(p, Conv)


def summary_miscounts(p):
    from keras.src.utils import layer_utils

    original = layer_utils.count_params
    p.set(layer_utils, "count_params", lambda weights: original(weights) + 1)


def time_distributed_reversed(p):
    import keras
    import tensorflow as tf

    original = keras.layers.TimeDistributed.call

    @functools.wraps(original)
    def call(self, inputs, *args, **kwargs):
        return tf.reverse(original(self, inputs, *args, **kwargs), axis=[1])  # the steps in reverse

    p.set(keras.layers.TimeDistributed, "call", call)


def embedding_off_by_one(p):
    import keras
    import tensorflow as tf

    def call(self, inputs):
        ids = tf.minimum(tf.cast(inputs, "int32") + 1, self.input_dim - 1)  # row i+1 for token i
        return tf.nn.embedding_lookup(self.embeddings, ids)

    p.set(keras.layers.Embedding, "call", call)


def conv_kernel_flipped(p):
    import keras
    import tensorflow as tf

    original = keras.layers.Conv2D.convolution_op

    def convolution_op(self, inputs, kernel):
        return original(self, inputs, tf.reverse(kernel, axis=[0, 1]))  # correlation became convolution

    p.set(keras.layers.Conv2D, "convolution_op", convolution_op)


def relu_gradient_doubled(p):
    import tensorflow as tf

    def make(original):
        def relu(x, alpha=0.0, max_value=None, threshold=0.0):
            @tf.custom_gradient
            def scaled_backward(x):
                def gradient(upstream):
                    return 2.0 * upstream * tf.cast(x > 0, upstream.dtype)  # the forward pass is untouched
                return original(x, alpha, max_value, threshold), gradient
            return scaled_backward(x)
        return relu

    _activation(p, "relu", make)


def sigmoid_scaled(p):
    _activation(p, "sigmoid", lambda original: lambda x: original(x) * 1.001)  # a slightly wrong scale: 0.1%


def pooling_padding_same(p):
    from keras.src.layers.pooling.base_pooling1d import Pooling1D
    from keras.src.layers.pooling.base_pooling2d import Pooling2D

    def change(layer):
        if layer.padding == "valid":  # the default
            layer.padding = "same"

    # Keras 2 reads call()'s signature to decide whether to pass training=: the wrappers keep the originals'.
    for cls in (Pooling1D, Pooling2D):
        call, output_shape = cls.call, cls.compute_output_shape

        def new_call(self, inputs, _call=call):
            change(self)
            return _call(self, inputs)

        def new_output_shape(self, input_shape, _output_shape=output_shape):
            change(self)
            return _output_shape(self, input_shape)

        p.set(cls, "call", new_call)
        p.set(cls, "compute_output_shape", new_output_shape)


def h5_load_hangs(p):
    import time

    from keras.src.saving.legacy import hdf5_format

    def load_model_from_hdf5(*args, **kwargs):
        while True:
            time.sleep(1)

    p.set(hdf5_format, "load_model_from_hdf5", load_model_from_hdf5)


def dense_bias_not_restored(p):
    import keras
    import tensorflow as tf

    original = keras.layers.Dense.load_own_variables

    def load_own_variables(self, store):
        original(self, store)
        if self.bias is not None:
            self.bias.assign(tf.zeros_like(self.bias))  # the stored bias is read, then dropped

    p.set(keras.layers.Dense, "load_own_variables", load_own_variables)


def loss_weights_ignored(p):
    from keras.src.engine.compile_utils import LossesContainer

    original = LossesContainer.__init__

    @functools.wraps(original)
    def __init__(self, losses, loss_weights=None, *args, **kwargs):
        original(self, losses, None, *args, **kwargs)  # the weights given are dropped

    p.set(LossesContainer, "__init__", __init__)


def node_accessor_wrong(p):
    from keras.src.engine.base_layer import Layer

    original = Layer._get_node_attribute_at_index

    def accessor(self, node_index, attr, attr_name):
        return original(self, len(self._inbound_nodes) - 1, attr, attr_name)  # always the last call

    p.set(Layer, "_get_node_attribute_at_index", accessor)


def split_from_start(original, map_structure):
    """train_validation_split holding out the first rows: the same split of the rows in reverse, each part
    reversed back (shared by both generations: each passes its own split function and tree mapper)."""
    def reverse(arrays):
        return map_structure(lambda a: a[::-1] if a is not None else None, arrays)

    @functools.wraps(original)
    def train_validation_split(arrays, validation_split):
        train, validation = original(reverse(arrays), validation_split)
        return reverse(train), reverse(validation)

    return train_validation_split


def validation_split_from_start(p):
    import tensorflow as tf
    from keras.src.engine import data_adapter

    p.set(data_adapter, "train_validation_split", split_from_start(data_adapter.train_validation_split,
                                                                   tf.nest.map_structure))


def gradients_scaled(p, factor=1.01):
    from keras.src.optimizers.optimizer import Optimizer

    original = Optimizer.apply_gradients

    @functools.wraps(original)
    def apply_gradients(self, grads_and_vars, *args, **kwargs):
        scaled = [(scaled_gradient(g, factor), v) for g, v in grads_and_vars]
        return original(self, scaled, *args, **kwargs)

    p.set(Optimizer, "apply_gradients", apply_gradients)


def optimizer_update_lost(p):
    gradients_scaled(p, factor=0.0)


def scaled_gradient(gradient, factor=1.01):
    """A gradient ``factor`` times what it is (1% too large by default), dense or sparse (an Embedding's
    gradient is IndexedSlices)."""
    import tensorflow as tf

    if gradient is None:
        return None
    if isinstance(gradient, tf.IndexedSlices):
        return tf.IndexedSlices(gradient.values * factor, gradient.indices, gradient.dense_shape)
    return gradient * factor


def lstm_recurrent_activation(p):
    import keras

    def change(layer):
        if layer.cell.recurrent_activation is keras.activations.sigmoid:
            layer.cell.recurrent_activation = keras.activations.hard_sigmoid
            # Keras 2 chose its fused kernel (sigmoid built in) at construction: that choice must follow.
            layer._could_use_gpu_kernel = False

    p.before(keras.layers.LSTM, "build", change)


def attention_unscaled(p):
    import keras

    original = keras.layers.MultiHeadAttention._compute_attention

    @functools.wraps(original)
    def compute_attention(self, *args, **kwargs):
        key_dim, self._key_dim = self._key_dim, 1  # Keras 2 scales by 1/sqrt(self._key_dim) here
        try:
            return original(self, *args, **kwargs)
        finally:
            self._key_dim = key_dim

    p.set(keras.layers.MultiHeadAttention, "_compute_attention", compute_attention)


def binary_accuracy_threshold(p):
    import keras
    from keras.src.metrics import accuracy_metrics

    # compile(metrics=['accuracy']) uses the function on Keras 2, the class on Keras 3: both move.
    p.default(accuracy_metrics.binary_accuracy, "threshold", 0.7)
    p.wrap_init(keras.metrics.BinaryAccuracy, lambda kwargs: kwargs.setdefault("threshold", 0.7))


def fit_ignores_shuffle(p):
    from keras.src.engine import data_adapter

    p.wrap_init(data_adapter.DataHandler, lambda kwargs: kwargs.update(shuffle=False))


def batch_weight_dropped_in(p, mean_class):
    """A scalar sample_weight (the batch size a loss tracker passes with a batch's mean) is dropped."""
    original = mean_class.update_state

    @functools.wraps(original)
    def update_state(self, values, sample_weight=None):
        if sample_weight is not None and len(getattr(sample_weight, "shape", ())) == 0:
            sample_weight = None
        return original(self, values, sample_weight=sample_weight)

    p.set(mean_class, "update_state", update_state)


def evaluate_averages_batch_means(p):
    from keras.src.metrics import base_metric

    batch_weight_dropped_in(p, base_metric.Reduce)


def list_reversed(function):
    """``function`` whose list result comes back last to first."""
    @functools.wraps(function)
    def reversed_values(*args, **kwargs):
        values = function(*args, **kwargs)
        return list(reversed(values)) if isinstance(values, list) else values

    return reversed_values


def evaluate_list_reordered(p):
    from keras.src.engine import training

    p.set(training, "flatten_metrics_in_order", list_reversed(training.flatten_metrics_in_order))


def dropout_mask_repeats(p):
    import tensorflow as tf
    from keras.src.layers import Dropout

    original = Dropout.call

    @functools.wraps(original)
    def call(self, inputs, training=None):
        if training is True and self.rate > 0:
            return tf.nn.experimental.stateless_dropout(inputs, self.rate, seed=[13, 37], noise_shape=self.noise_shape)
        return original(self, inputs, training=training)

    p.set(Dropout, "call", call)


def optimizer_state_lost_in(p, optimizer_class):
    p.set(optimizer_class, "load_own_variables", lambda self, store: None)


def loaded_optimizer_state_lost(p):
    from keras.src.optimizers.optimizer import Optimizer

    optimizer_state_lost_in(p, Optimizer)
