"""Known kinds of Keras regression, each a patch applied in the gate's own process.

Every injection names the part of the gate to run (pytest arguments) and the snippet and
check the gate must name when it fails.  Patches replace attributes of the installed Keras
in memory (``Patcher``); nothing on disk changes.
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
from typing import Callable

from keras_upgrade_gate.reporting.results import SUITE  # the snippet of a check about Keras itself (an oracle)
from keras_upgrade_gate.selftest import injections_keras2 as k2

STRUCTURAL = ["-m", "summary or shapes or documented or nodes"]
GOLDEN = ["conformance/test_golden.py"]
API_FACTS = ["conformance/test_api_facts.py"]
MASKS = ["conformance/test_shapes.py", "-k", "padding or masked"]
READ_BACK = ["conformance/test_saving.py", "-k", "reads_back"]
# One model's read-back under a short per-check limit: a hang must fail its check, not the run.
HANG = ["conformance/test_saving.py", "-k", "reads_back and seq.mlp_binary-h5", "-o", "timeout=20"]
CONFIGS = ["conformance/test_configs.py"]
GOLDEN_FITS = ["conformance/test_golden.py", "-k", "fit_matches"]
CONVERGENCE = ["conformance/test_convergence.py", "-k", "reaches and seq.mlp_softmax"]
PARITY_FLOAT16 = ["conformance/test_parity.py", "-k", "seq.add and cpu_mixed_float16"]
DETERMINISM = ["conformance/test_determinism.py", "-k", "bit_for_bit and seq.mlp_softmax"]
OPTIMIZER_ERRORS = ["conformance/test_as_written.py", "-k", "mlp_softmax or vgg_like"]
ORACLES = ["-m", "oracles"]
FITS_AND_SGD_ORACLE = ["conformance/test_golden.py", "conformance/test_oracles.py", "-k", "fit_matches or sgd_steps"]
PREDICT = ["conformance/test_inference.py"]
TRAINING_LOOP = ["-m", "training_loop"]
# The golden loads of one model (every format, from both golden writers): the path saved_files.load takes.
GOLDEN_LOADS = ["conformance/test_saving.py", "-k", "golden_artifact_loads and seq.mlp_binary"]


SAME = "the Keras 3 patch"  # an injection's keras2: the same patch changes the same behaviour in Keras 2


@dataclasses.dataclass(frozen=True)
class Injection:
    name: str
    area: str
    what: str
    patch: Callable  # patch(patcher): applies the regression to Keras 3
    select: list
    catches: tuple  # (snippet id, words the failure message must contain)
    # Keras 2 (tf.keras 2.12-2.15): SAME, its own patch (selftest/injections_keras2.py), or the reason it has none.
    keras2: Callable | str = SAME

    def patch_for(self, keras3: bool) -> Callable | None:
        """The patch for this generation, or None where the regression has no Keras 2 form."""
        if keras3 or self.keras2 is SAME:
            return self.patch
        return self.keras2 if callable(self.keras2) else None


class Patcher:
    """setattr with an undo list (the selftest plugin applies one injection per process)."""

    def __init__(self):
        self._undo = []

    def set(self, owner, name, value):
        self._undo.append((owner, name, owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name)))
        setattr(owner, name, value)

    def before(self, cls, name: str, change: Callable):
        """Run ``change(instance)`` before ``cls.<name>`` (e.g. build): for Keras layers, whose
        constructors Keras inspects for their config and so cannot be wrapped."""
        original = getattr(cls, name)

        @functools.wraps(original)  # Keras reads build()'s signature to name the shapes it passes
        def method(instance, *args, **kwargs):
            change(instance)
            return original(instance, *args, **kwargs)

        self.set(cls, name, method)

    def wrap_init(self, cls, override: Callable):
        """Wrap cls.__init__ so ``override(kwargs)`` can change the constructor's keyword arguments
        (optimizers, compile helpers: classes whose constructor Keras does not inspect)."""
        original = cls.__init__
        patcher = self

        @functools.wraps(original)
        def __init__(self, *args, **kwargs):  # named self: Keras reads the constructor's signature
            override(kwargs)
            original(self, *args, **kwargs)

        patcher.set(cls, "__init__", __init__)

    def default(self, function, parameter: str, value):
        """Change one default of ``function`` in place (its __defaults__ or __kwdefaults__): the
        signature Keras inspects stays the function's own.  A decorated function (TensorFlow's dispatch
        wrappers) is changed underneath, where its defaults live."""
        function = inspect.unwrap(function)
        kind = inspect.signature(function).parameters[parameter].kind
        if kind is inspect.Parameter.KEYWORD_ONLY:
            self.set(function, "__kwdefaults__", {**function.__kwdefaults__, parameter: value})
            return
        positional = [name for name, p in inspect.signature(function).parameters.items()
                      if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        defaults = list(function.__defaults__)
        defaults[positional.index(parameter) - (len(positional) - len(defaults))] = value
        self.set(function, "__defaults__", tuple(defaults))

    def undo(self):
        for owner, name, value in reversed(self._undo):
            setattr(owner, name, value)
        self._undo.clear()


def _softmax_over_batch(p):
    from keras.src.backend.tensorflow import nn

    original = nn.softmax

    def softmax(x, axis=-1):
        return original(x, axis=0)  # over the batch instead of the classes

    p.set(nn, "softmax", softmax)


def _dense_bias_dropped(p):
    import keras
    from keras import ops

    def call(self, inputs, training=None):
        outputs = ops.matmul(inputs, self.kernel)  # the bias exists but is never added
        return self.activation(outputs) if self.activation is not None else outputs

    p.set(keras.layers.Dense, "call", call)


def _dense_bias_dropped_in_float16(p):
    import keras
    from keras import ops

    original = keras.layers.Dense.call

    @functools.wraps(original)
    def call(self, inputs, training=None):
        if self.compute_dtype != "float16":
            return original(self, inputs, training=training)
        outputs = ops.matmul(inputs, ops.cast(self.kernel, "float16"))  # the float16 path forgets the bias
        return self.activation(outputs) if self.activation is not None else outputs

    p.set(keras.layers.Dense, "call", call)


def _lstm_recurrent_activation(p):
    import keras
    from keras.src.layers.rnn.lstm import LSTMCell

    def change(cell):
        if cell.recurrent_activation is keras.activations.sigmoid:
            cell.recurrent_activation = keras.activations.hard_sigmoid

    p.before(LSTMCell, "build", change)


def _same_padding_as_valid(p):
    from keras.src.layers.convolutional.base_conv import BaseConv

    k2.same_padding_as_valid_in(p, BaseConv)


def _merge_axis_ignored(p):
    import keras

    p.before(keras.layers.Concatenate, "build", lambda layer: setattr(layer, "axis", -1))


def _dropout_at_inference(p):
    import keras

    original = keras.layers.Dropout.call

    def call(self, inputs, training=False):
        return original(self, inputs, training=True)

    p.set(keras.layers.Dropout, "call", call)


def _batch_norm_epsilon(p):
    import keras

    def change(layer):
        if layer.epsilon == 1e-3:  # the default
            layer.epsilon = 1e-2

    p.before(keras.layers.BatchNormalization, "build", change)


def _attention_unscaled(p):
    import keras

    original = keras.layers.MultiHeadAttention._compute_attention

    def compute_attention(self, query, key, value, *args, **kwargs):
        self._inverse_sqrt_key_dim = 1.0  # no 1/sqrt(key_dim)
        return original(self, query, key, value, *args, **kwargs)

    p.set(keras.layers.MultiHeadAttention, "_compute_attention", compute_attention)


def _dot_attention_scaled(p):
    import keras

    original = keras.layers.Attention._calculate_scores

    def calculate_scores(self, query, key):
        return original(self, query, key) / float(query.shape[-1]) ** 0.5  # as if use_scale were fixed on

    p.set(keras.layers.Attention, "_calculate_scores", calculate_scores)


def _mask_ignored(p):
    import keras

    p.set(keras.layers.Embedding, "compute_mask", lambda self, inputs, mask=None: None)


def _summary_miscounts(p):
    from keras.src.utils import summary_utils

    original = summary_utils.count_params
    p.set(summary_utils, "count_params", lambda weights: original(weights) + 1)


def _node_accessor_wrong(p):
    from keras.src.ops.operation import Operation

    original = Operation._get_node_attribute_at_index

    def accessor(self, node_index, attr, attr_name):
        return original(self, len(self._inbound_nodes) - 1, attr, attr_name)  # always the last call

    p.set(Operation, "_get_node_attribute_at_index", accessor)


def _adam_default_rate(p):
    import keras

    p.wrap_init(keras.optimizers.Adam, lambda kwargs: kwargs.setdefault("learning_rate", 0.01))


def _to_categorical_dtype(p):
    import keras
    import numpy as np

    original = keras.utils.to_categorical
    p.set(keras.utils, "to_categorical", lambda *a, **k: np.asarray(original(*a, **k)).astype("int64"))


def _loss_weights_ignored(p):
    from keras.src.trainers.compile_utils import CompileLoss

    original = CompileLoss.__init__

    def __init__(self, loss, loss_weights=None, *args, **kwargs):  # Keras passes loss_weights positionally
        original(self, loss, None, *args, **kwargs)

    p.set(CompileLoss, "__init__", __init__)


def _time_distributed_reversed(p):
    import keras
    from keras import ops

    original = keras.layers.TimeDistributed.call

    def call(self, inputs, *args, **kwargs):
        return ops.flip(original(self, inputs, *args, **kwargs), axis=1)  # steps come back reversed

    p.set(keras.layers.TimeDistributed, "call", call)


def _embedding_off_by_one(p):
    import keras
    from keras import ops

    original = keras.layers.Embedding.call

    def call(self, inputs):
        return original(self, ops.minimum(ops.cast(inputs, "int32") + 1, self.input_dim - 1))

    p.set(keras.layers.Embedding, "call", call)


def _conv_kernel_flipped(p):
    import keras
    from keras import ops

    original = keras.layers.Conv2D.convolution_op

    def convolution_op(self, inputs, kernel):
        return original(self, inputs, ops.flip(ops.flip(kernel, axis=0), axis=1))  # correlation became convolution

    p.set(keras.layers.Conv2D, "convolution_op", convolution_op)


def _relu_gradient_doubled(p):
    import tensorflow as tf
    from keras.src.backend.tensorflow import nn

    original = nn.relu

    @tf.custom_gradient
    def relu_scaled_backward(x):
        def gradient(upstream):
            return 2.0 * upstream * tf.cast(x > 0, upstream.dtype)  # the forward pass is untouched
        return original(x), gradient

    p.set(nn, "relu", relu_scaled_backward)


def _batch_norm_momentum(p):
    import keras

    def change(layer):
        if layer.momentum == 0.99:  # the default
            layer.momentum = 0.9

    p.before(keras.layers.BatchNormalization, "build", change)


def _rmsprop_default_rho(p):
    import keras

    p.wrap_init(keras.optimizers.RMSprop, lambda kwargs: kwargs.setdefault("rho", 0.8))


def _sgd_nesterov_ignored(p):
    import keras

    p.wrap_init(keras.optimizers.SGD, lambda kwargs: kwargs.update(nesterov=False))


def _dense_bias_not_restored(p):
    import keras

    original = keras.layers.Dense.load_own_variables

    def load_own_variables(self, store):
        original(self, store)
        if self.bias is not None:
            self.bias.assign(keras.ops.zeros_like(self.bias))  # the stored bias is read, then dropped

    p.set(keras.layers.Dense, "load_own_variables", load_own_variables)


def _h5_load_hangs(p):
    import time

    from keras.src.legacy.saving import legacy_h5_format

    def load_model_from_hdf5(*args, **kwargs):
        while True:  # as Keras 3.8 loops over a shared nested model's node indices
            time.sleep(0.1)

    p.set(legacy_h5_format, "load_model_from_hdf5", load_model_from_hdf5)


def _dense_default_initializer(p):
    import keras

    def change(layer):
        if type(layer.kernel_initializer).__name__ == "GlorotUniform":  # the default
            layer.kernel_initializer = keras.initializers.get("he_normal")

    p.before(keras.layers.Dense, "build", change)


def _adam_default_epsilon(p):
    import keras

    p.wrap_init(keras.optimizers.Adam, lambda kwargs: kwargs.setdefault("epsilon", 1e-6))


def _adam_default_beta_1(p):
    import keras

    p.wrap_init(keras.optimizers.Adam, lambda kwargs: kwargs.setdefault("beta_1", 0.85))


def _sgd_momentum_ignored(p):
    import keras

    p.wrap_init(keras.optimizers.SGD, lambda kwargs: kwargs.update(momentum=0.0))


def _binary_crossentropy_from_logits_ignored(p):
    import keras

    p.wrap_init(keras.losses.BinaryCrossentropy, lambda kwargs: kwargs.update(from_logits=False))


def _binary_accuracy_threshold(p):
    import keras

    p.wrap_init(keras.metrics.BinaryAccuracy, lambda kwargs: kwargs.setdefault("threshold", 0.7))


def _layer_norm_epsilon_ignored(p):
    import keras

    def change(layer):
        layer.epsilon = 1e-3  # the Keras default, whatever the layer was given (the seeds give 1e-6)

    p.before(keras.layers.LayerNormalization, "build", change)


def _sigmoid_scaled(p):
    from keras.src.backend.tensorflow import nn

    original = nn.sigmoid
    p.set(nn, "sigmoid", lambda x: original(x) * 1.001)  # a slightly wrong scale: 0.1%


def _pooling_padding_same(p):
    from keras.src.layers.pooling.base_pooling import BasePooling

    def change(layer):
        if layer.padding == "valid":  # the default
            layer.padding = "same"

    # Pooling layers have no state and no build step in Keras 3: change what computes shapes and outputs.
    p.before(BasePooling, "compute_output_shape", change)
    p.before(BasePooling, "call", change)


def _time_distributed_inferred_step_short(p):
    from keras.src.layers.rnn.time_distributed import TimeDistributed

    original = TimeDistributed.compute_output_shape

    def compute_output_shape(self, input_shape):  # what a graph infers; the forward pass is untouched
        shape = list(original(self, input_shape))
        return tuple([shape[0], None if shape[1] is None else shape[1] - 1, *shape[2:]])

    p.set(TimeDistributed, "compute_output_shape", compute_output_shape)


def _to_categorical_shifted(p):
    import keras
    import numpy as np

    original = keras.utils.to_categorical

    def to_categorical(*args, **kwargs):
        return np.roll(original(*args, **kwargs), 1, axis=-1)  # every label one class further on

    p.set(keras.utils, "to_categorical", to_categorical)


def _dense_config_drops_activation(p):
    import keras

    original = keras.layers.Dense.get_config

    def get_config(self):
        config = original(self)
        config.pop("activation", None)  # a saved Dense comes back linear
        return config

    p.set(keras.layers.Dense, "get_config", get_config)


def _gradients_scaled(p, factor=1.01):
    from keras.src.optimizers.base_optimizer import BaseOptimizer

    original = BaseOptimizer.apply

    @functools.wraps(original)
    def apply(self, grads, trainable_variables=None):
        return original(self, [k2.scaled_gradient(g, factor) for g in grads], trainable_variables)

    p.set(BaseOptimizer, "apply", apply)


def _initializers_ignore_the_seed(p):
    import keras
    import numpy as np
    import tensorflow as tf

    original = keras.initializers.VarianceScaling.__call__  # Glorot, He, LeCun: every default kernel

    @functools.wraps(original)
    def call(self, shape, dtype=None, **kwargs):
        value = original(self, shape, dtype=dtype, **kwargs)
        unseeded = np.random.default_rng()  # OS entropy: no seeding call reaches it
        return value * tf.constant(unseeded.uniform(0.9, 1.1, size=tuple(shape)), dtype=value.dtype)

    p.set(keras.initializers.VarianceScaling, "__call__", call)


def _fit_ignores_shuffle(p):
    """fit(shuffle=True) feeds the rows in their given order (the array adapter is told not to shuffle)."""
    from keras.src.trainers.data_adapters import array_data_adapter

    p.wrap_init(array_data_adapter.ArrayDataAdapter, lambda kwargs: kwargs.update(shuffle=False))


def _evaluate_averages_batch_means(p):
    """The loss a Mean tracks is averaged over batches, not samples: a batch's weight (its size) is dropped."""
    from keras.src.metrics import reduction_metrics

    k2.batch_weight_dropped_in(p, reduction_metrics.Mean)


def _evaluate_list_reordered(p):
    """evaluate's list form (and train_on_batch's) returns its values last to first."""
    from keras.src.trainers.trainer import Trainer

    p.set(Trainer, "_flatten_metrics_in_order", k2.list_reversed(Trainer._flatten_metrics_in_order))


def _dropout_mask_repeats(p):
    """Dropout in training draws from a fixed seed: the same mask every step, and in every layer of a shape."""
    import keras
    from keras.src import backend

    original = keras.layers.Dropout.call

    @functools.wraps(original)
    def call(self, inputs, training=False):
        if training is True and self.rate > 0:
            return backend.random.dropout(inputs, self.rate, noise_shape=self.noise_shape, seed=1337)
        return original(self, inputs, training=training)

    p.set(keras.layers.Dropout, "call", call)


def _loaded_optimizer_state_lost(p):
    """A loaded .keras checkpoint's optimizer starts afresh (iterations and moments at zero)."""
    from keras.src.optimizers.base_optimizer import BaseOptimizer

    k2.optimizer_state_lost_in(p, BaseOptimizer)


def _loaded_layers_renamed(p):
    """load_model gives every layer a new name (the outputs unchanged): model.get_layer(name) finds nothing."""
    from keras_upgrade_gate.layers.compat import keras

    original = keras.models.load_model

    @functools.wraps(original)
    def load_model(*args, **kwargs):
        model = original(*args, **kwargs)
        for layer in model.layers:
            try:
                layer.name = f"{layer.name}_loaded"
            except AttributeError:  # Keras 2: name is a read-only property over _name
                layer._name = f"{layer.name}_loaded"
        return model

    p.set(keras.models, "load_model", load_model)


def _predict_batches_reordered(p):
    """Model.predict returns its first two batches swapped (the rows themselves computed right)."""
    import numpy as np

    from keras_upgrade_gate.layers.compat import keras

    original = keras.Model.predict

    @functools.wraps(original)
    def predict(self, x, batch_size=None, *args, **kwargs):
        size = batch_size or 32

        def swapped(array):
            array = np.asarray(array)
            return np.concatenate([array[size:2 * size], array[:size], array[2 * size:]]) if len(array) > size else array

        outputs = original(self, x, batch_size, *args, **kwargs)
        if isinstance(outputs, dict):
            return {name: swapped(value) for name, value in outputs.items()}
        return [swapped(o) for o in outputs] if isinstance(outputs, (list, tuple)) else swapped(outputs)

    p.set(keras.Model, "predict", predict)


def _loaded_model(p, change):
    """load_model returns the model with ``change(model)`` applied (both generations: compat's keras)."""
    from keras_upgrade_gate.layers import compat

    original = compat.keras.models.load_model

    @functools.wraps(original)
    def load_model(*args, **kwargs):
        model = original(*args, **kwargs)
        change(model)
        return model

    p.set(compat.keras.models, "load_model", load_model)


def _load_drops_a_weight(p):
    """A loaded model's last weight (the output layer's bias) is left at zero: one weight not read."""
    import numpy as np

    _loaded_model(p, lambda model: model.weights[-1].assign(np.zeros(model.weights[-1].shape, "float32")))


def _loaded_outputs_scaled(p):
    """A loaded model's output layer reads its weights 0.1% too large: its outputs are off by a small factor."""
    import numpy as np

    def scaled(model):
        last = [layer for layer in model.layers if layer.weights][-1]
        for weight in last.weights:
            weight.assign(np.asarray(weight) * np.float32(1.001))

    _loaded_model(p, scaled)


def _optimizer_update_lost(p):
    _gradients_scaled(p, factor=0.0)


def _validation_split_from_start(p):
    from keras import tree
    from keras.src.trainers.data_adapters import array_slicing

    p.set(array_slicing, "train_validation_split", k2.split_from_start(array_slicing.train_validation_split,
                                                                       tree.map_structure))


def _embedding_config_drops_mask_zero(p):
    import keras

    original = keras.layers.Embedding.get_config

    def get_config(self):
        config = original(self)
        config.pop("mask_zero", None)  # a saved Embedding comes back without its mask
        return config

    p.set(keras.layers.Embedding, "get_config", get_config)


def _dropout_not_rescaled(p):
    import keras

    original = keras.layers.Dropout.call

    @functools.wraps(original)
    def call(self, inputs, training=False):
        outputs = original(self, inputs, training=training)
        return outputs * (1 - self.rate) if training and self.rate > 0 else outputs  # kept units not scaled up

    p.set(keras.layers.Dropout, "call", call)


def _rmsprop_default_epsilon(p):
    import keras

    p.wrap_init(keras.optimizers.RMSprop, lambda kwargs: kwargs.setdefault("epsilon", 1e-6))


def _lstm_forget_bias_default(p):
    import keras

    def change(cell):
        cell.unit_forget_bias = False  # the default True: a forget gate that starts half closed

    p.before(keras.layers.LSTMCell, "build", change)


def _optimizer_error(replace: Callable[[str], str]):
    """A patch that lets Keras raise its unknown-argument ValueError, with the message changed by ``replace``."""
    def patch(p):
        from keras.src.optimizers.base_optimizer import BaseOptimizer

        original = BaseOptimizer.__init__

        @functools.wraps(original)
        def __init__(self, *args, **kwargs):
            try:
                original(self, *args, **kwargs)
            except ValueError as error:
                raise ValueError(replace(str(error))) from None

        p.set(BaseOptimizer, "__init__", __init__)

    return patch


# The same error (class and the rejected argument named) in new words: Keras 3.16.0.dev did this to its
# deserialization messages.  The gate must pass and show it as reworded, never as a regression.
_optimizer_error_reworded = _optimizer_error(lambda message: message.replace("Argument(s) not recognized:",
                                                                               "Unknown optimizer argument(s):"))
# The same class and wording about another argument: a different failure the pattern must not accept.
_optimizer_error_other_cause = _optimizer_error(lambda message: message.replace("'lr'", "'learning_rate'"))


INJECTIONS = (
    Injection("optimizer_error_other_cause", "errors", "the optimizer rejects another argument than lr= with the "
              "same class and wording", _optimizer_error_other_cause, OPTIMIZER_ERRORS,
              (("seq.mlp_softmax", "as_written:seq.mlp_softmax"),), keras2="Keras 2 accepts the seeds' lr= (its optimizers keep the alias): there is no rejection to change"),
    Injection("softmax_over_wrong_axis", "activations", "softmax normalises over the batch axis",
              _softmax_over_batch, GOLDEN, (("seq.mlp_softmax", "golden: forward output"),), keras2=k2.softmax_over_batch),
    Injection("dense_bias_dropped", "core layers", "Dense keeps its bias but never adds it",
              _dense_bias_dropped, GOLDEN, (("seq.mlp_binary", "golden: forward output"),), keras2=k2.dense_bias_dropped),
    Injection("dense_bias_dropped_in_float16", "mixed precision", "Dense forgets its bias when it computes in float16 "
              "(mixed_float16): float32 runs are untouched", _dense_bias_dropped_in_float16, PARITY_FLOAT16,
              (("seq.add", "parity cpu vs cpu_mixed_float16"),), keras2=k2.dense_bias_dropped_in_float16),
    Injection("lstm_recurrent_activation", "recurrent layers", "LSTM's default recurrent activation "
              "becomes hard_sigmoid", _lstm_recurrent_activation, GOLDEN,
              (("seq.lstm_classifier", "golden: forward output"),), keras2=k2.lstm_recurrent_activation),
    Injection("same_padding_as_valid", "convolution", "padding='same' behaves as 'valid'",
              _same_padding_as_valid, STRUCTURAL, (("attn.se_cnn", "documented parameter totals"),
                                                   ("attn.se_cnn", "summary structure")), keras2=k2.same_padding_as_valid),
    Injection("merge_axis_ignored", "merge layers", "Concatenate ignores its axis (always -1)",
              _merge_axis_ignored, STRUCTURAL, (("func.inception", "summary structure"),)),
    Injection("dropout_at_inference", "regularization", "Dropout stays active at inference",
              _dropout_at_inference, GOLDEN, (("seq.mlp_softmax", "golden: forward output"),)),
    Injection("batch_norm_epsilon_default", "normalization", "BatchNormalization's default epsilon "
              "1e-3 becomes 1e-2", _batch_norm_epsilon, GOLDEN, (("attn.se_cnn", "golden: forward output"),)),
    Injection("attention_scale_removed", "attention", "MultiHeadAttention drops its 1/sqrt(key_dim) scaling",
              _attention_unscaled, GOLDEN, (("attn.self_attention_seq", "golden: forward output"),), keras2=k2.attention_unscaled),
    Injection("dot_attention_scaled", "attention", "Attention (Luong, use_scale=False) divides its scores by "
              "sqrt(dim)", _dot_attention_scaled, GOLDEN, (("attn.keras_attention", "golden: forward output"),)),
    Injection("embedding_mask_ignored", "masking", "Embedding(mask_zero=True) produces no mask",
              _mask_ignored, MASKS, (("attn.prob_attention_model", "padding"),)),
    Injection("summary_miscounts_parameters", "model summary", "summary() reports one parameter too many",
              _summary_miscounts, STRUCTURAL, (("seq.mlp_binary", "raw summary text"),), keras2=k2.summary_miscounts),
    Injection("node_accessor_wrong_node", "layer nodes", "the node accessor behind .output returns the "
              "last call's node", _node_accessor_wrong, STRUCTURAL, (("func.shared_lstm", "public .input"),), keras2=k2.node_accessor_wrong),
    Injection("adam_default_learning_rate", "optimizers", "Adam's default learning rate 1e-3 becomes 1e-2",
              _adam_default_rate, API_FACTS, (("seq.compile_forms", "default learning rates"),)),
    Injection("to_categorical_dtype", "utilities", "to_categorical returns int64",
              _to_categorical_dtype, API_FACTS, (("util.to_categorical", "fact:to_categorical.dtype"),)),
    Injection("loss_weights_ignored", "training", "compile(loss_weights=) is ignored for multi-output models",
              _loss_weights_ignored, API_FACTS, (("func.multi_io", "total loss = main + 0.2 * aux"),), keras2=k2.loss_weights_ignored),
    Injection("time_distributed_steps_reversed", "wrappers", "TimeDistributed returns the steps in reverse",
              _time_distributed_reversed, API_FACTS,
              (("func.time_distributed_model", "equals the inner model on that step"),), keras2=k2.time_distributed_reversed),
    Injection("embedding_lookup_off_by_one", "embeddings", "Embedding looks up row i+1 for token i",
              _embedding_off_by_one, GOLDEN, (("func.multi_io", "golden: forward output"),), keras2=k2.embedding_off_by_one),
    Injection("relu_gradient_doubled", "activations", "relu's gradient is doubled (its forward pass is not)",
              _relu_gradient_doubled, GOLDEN, (("seq.mlp_binary", "golden: gradients at step 0"),), keras2=k2.relu_gradient_doubled),
    Injection("batch_norm_momentum_default", "normalization", "BatchNormalization's default momentum "
              "0.99 becomes 0.9 (only the moving statistics see it)", _batch_norm_momentum, GOLDEN,
              (("attn.se_cnn", "golden: weights after training"),)),
    Injection("rmsprop_default_rho", "optimizers", "RMSprop's default rho 0.9 becomes 0.8",
              _rmsprop_default_rho, GOLDEN, (("seq.mlp_binary", "golden fit"),)),
    Injection("sgd_nesterov_ignored", "optimizers", "SGD(nesterov=True) runs plain momentum",
              _sgd_nesterov_ignored, GOLDEN, (("seq.mlp_softmax", "golden fit"),)),
    Injection("dense_bias_not_restored", "saving", "loading a .keras file or weights leaves Dense's bias at zero",
              _dense_bias_not_restored, READ_BACK, (("seq.mlp_binary", "reads back its own keras"),
                                                    ("seq.mlp_binary", "reads back its own weights")), keras2=k2.dense_bias_not_restored),
    Injection("dense_default_initializer", "initializers", "Dense's default kernel initializer becomes he_normal",
              _dense_default_initializer, CONFIGS, (("seq.mlp_binary", "layer configs"),)),
    Injection("adam_default_epsilon", "optimizers", "Adam's default epsilon 1e-7 becomes 1e-6",
              _adam_default_epsilon, CONFIGS, (("attn.dense_attention.recipe", "compile configs"),)),
    Injection("conv_kernel_flipped", "convolution", "Conv2D flips its kernel (convolution, not correlation)",
              _conv_kernel_flipped, GOLDEN, (("seq.vgg_like", "golden: forward output"),), keras2=k2.conv_kernel_flipped),
    Injection("adam_default_beta_1", "optimizers", "Adam's default beta_1 0.9 becomes 0.85 (near: the first "
              "moment decays a little faster)", _adam_default_beta_1, GOLDEN_FITS,
              (("attn.se_cnn.recipe", "golden fit: history"),)),
    Injection("sgd_momentum_ignored", "optimizers", "SGD drops the momentum it is given", _sgd_momentum_ignored,
              GOLDEN_FITS, (("seq.mlp_softmax", "golden fit"),)),
    Injection("binary_crossentropy_from_logits_ignored", "losses", "BinaryCrossentropy(from_logits=True) treats "
              "logits as probabilities", _binary_crossentropy_from_logits_ignored, GOLDEN_FITS,
              (("attn.se_cnn.recipe", "golden fit: history"),)),
    Injection("binary_accuracy_threshold", "metrics", "binary accuracy's default threshold 0.5 becomes 0.7",
              _binary_accuracy_threshold, GOLDEN_FITS, (("seq.mlp_binary", "golden fit: history"),), keras2=k2.binary_accuracy_threshold),
    Injection("layer_norm_epsilon_ignored", "normalization", "LayerNormalization ignores its epsilon (1e-6 becomes "
              "the default 1e-3)", _layer_norm_epsilon_ignored, GOLDEN,
              (("attn.self_attention_seq", "golden: forward output"),)),
    Injection("sigmoid_scaled", "activations", "sigmoid is 0.1% too large", _sigmoid_scaled, GOLDEN,
              (("seq.mlp_binary", "golden: forward output"),), keras2=k2.sigmoid_scaled),
    Injection("pooling_padding_same", "pooling", "pooling pads 'same' where it was built 'valid' (the default)",
              _pooling_padding_same, STRUCTURAL, (("attn.se_cnn", "layer configs"),), keras2=k2.pooling_padding_same),
    Injection("time_distributed_inferred_step_short", "wrappers", "TimeDistributed infers one step fewer than it "
              "computes (compute_output_shape only: a model's symbolic shapes and its forward pass disagree)",
              _time_distributed_inferred_step_short, STRUCTURAL, (("func.time_distributed_dense", "output 0 shape"),),
              keras2="Keras 2 infers a graph's shapes by running call on symbolic tensors, not compute_output_shape"),
    Injection("to_categorical_shifted", "data", "to_categorical puts every label one class further on",
              _to_categorical_shifted, GOLDEN_FITS, (("seq.mlp_softmax", "golden fit: history"),)),
    Injection("load_drops_a_weight", "saving", "load_model leaves one weight (the output bias) unread, at zero",
              _load_drops_a_weight, GOLDEN_LOADS, (("seq.mlp_binary", "loads tf215's h5"),)),
    Injection("loaded_outputs_scaled", "saving", "a loaded model's output layer weights read 0.1% too large",
              _loaded_outputs_scaled, GOLDEN_LOADS, (("seq.mlp_binary", "loads tf215's h5"),)),
    Injection("h5_load_hangs", "saving", "loading an HDF5 model never returns", _h5_load_hangs, HANG,
              (("seq.mlp_binary", "Timeout"),), keras2=k2.h5_load_hangs),
    Injection("gradients_scaled", "training", "every gradient reaches the optimizer 1% too large (near: Adam and "
              "RMSprop barely see a scale)", _gradients_scaled, FITS_AND_SGD_ORACLE,
              (("seq.mlp_softmax", "golden fit"), (SUITE, "SGD")), keras2=k2.gradients_scaled),
    Injection("initializers_ignore_the_seed", "determinism", "the variance-scaling initializers (Glorot, He, LeCun) "
              "draw part of each weight from an unseeded generator: one seeding call no longer repeats a run",
              _initializers_ignore_the_seed, DETERMINISM, (("seq.mlp_softmax", "determinism"),)),
    Injection("optimizer_update_lost", "training", "the optimizer receives zero gradients: training leaves every "
              "weight where it started", _optimizer_update_lost, CONVERGENCE,
              (("seq.mlp_softmax", "convergence: loss drop"),), keras2=k2.optimizer_update_lost),
    Injection("validation_split_from_start", "data", "fit(validation_split=) holds out the first rows, not the last",
              _validation_split_from_start, GOLDEN_FITS, (("attn.dense_attention.recipe", "golden fit: history"),),
              keras2=k2.validation_split_from_start),
    Injection("embedding_config_drops_mask_zero", "saving", "Embedding's config loses mask_zero: a saved model "
              "comes back without its mask (Keras 3 keeps the mask as a NotEqual node of the graph: the outputs "
              "read back equal, the configs do not)", _embedding_config_drops_mask_zero, CONFIGS,
              (("attn.prob_attention_model", "layer configs"),)),
    Injection("dropout_not_rescaled", "regularization", "Dropout in training drops units but does not scale the "
              "kept ones by 1/(1 - rate)", _dropout_not_rescaled, ORACLES, ((SUITE, "Dropout(training)"),)),
    Injection("rmsprop_default_epsilon", "optimizers", "RMSprop's default epsilon 1e-7 becomes 1e-6 (near)",
              _rmsprop_default_epsilon, CONFIGS, (("func.dense", "compile configs"),)),
    Injection("lstm_forget_bias_default", "initializers", "LSTM's unit_forget_bias default True becomes False",
              _lstm_forget_bias_default, CONFIGS, (("seq.lstm_classifier", "layer configs"),)),
    Injection("predict_batches_reordered", "inference", "Model.predict returns its first two batches swapped",
              _predict_batches_reordered, PREDICT, (("func.residual", "predict over batches"),
                                                    ("func.multi_io", "predict over batches"))),
    Injection("fit_ignores_shuffle", "training loop", "fit(shuffle=True) feeds the rows in their given order",
              _fit_ignores_shuffle, TRAINING_LOOP, (("seq.fit_binary", "fit(shuffle=True) epoch 1: shuffled"),),
              keras2=k2.fit_ignores_shuffle),
    Injection("evaluate_averages_batch_means", "evaluation", "the loss evaluate reports is the mean of its batches' "
              "means, a partial last batch weighing as much as a full one", _evaluate_averages_batch_means,
              TRAINING_LOOP, (("func.shared_lstm", "on 81 rows: loss"), ("func.multi_io", "on 81 rows: loss")),
              keras2=k2.evaluate_averages_batch_means),
    Injection("evaluate_list_reordered", "evaluation", "evaluate's list form returns its values last to first "
              "(score[0] is no longer the loss)", _evaluate_list_reordered, TRAINING_LOOP,
              (("seq.fit_binary", "[loss, accuracy] in that order"),), keras2=k2.evaluate_list_reordered),
    Injection("dropout_mask_repeats", "regularization", "Dropout in training draws one fixed mask: the same every "
              "step and in every layer of a shape", _dropout_mask_repeats, TRAINING_LOOP,
              (("seq.mlp_softmax", "a fresh mask on the next step"), ("seq.mlp_softmax", "masks of their own")),
              keras2=k2.dropout_mask_repeats),
    Injection("loaded_optimizer_state_lost", "saving", "loading a .keras checkpoint leaves its optimizer's state "
              "unread: training resumes from zero moments and step 0", _loaded_optimizer_state_lost, TRAINING_LOOP,
              (("seq.fit_binary", "a loaded checkpoint trains on"),), keras2=k2.loaded_optimizer_state_lost),
    Injection("loaded_layers_renamed", "saving", "load_model gives every layer a new name; the outputs are "
              "unchanged", _loaded_layers_renamed, READ_BACK, (("seq.mlp_binary", "StructureDiffers"),)),
    Injection("dense_config_drops_activation", "saving", "Dense's config loses its activation: a saved Dense "
              "comes back linear", _dense_config_drops_activation, READ_BACK,
              (("seq.mlp_binary", "reads back its own keras"),)),
)


@dataclasses.dataclass(frozen=True)
class Rewording:
    """A message change that is drift, not a regression: the gate must pass and report the checks
    (snippet, check id) as reworded."""
    name: str
    what: str
    patch: Callable
    select: list
    reworded: tuple  # (snippet id, the expectation row's check id)
    keras2_reason = "Keras 2 accepts the seeds' lr= (its optimizers keep the alias): there is no message to reword"

    def patch_for(self, keras3: bool) -> Callable | None:
        return self.patch if keras3 else None


REWORDINGS = (
    Rewording("optimizer_error_reworded", "the optimizer's unknown-argument error keeps its class and names 'lr', "
              "in new words", _optimizer_error_reworded, OPTIMIZER_ERRORS,
              (("seq.mlp_softmax", "as_written:seq.mlp_softmax"), ("seq.vgg_like", "as_written:seq.vgg_like"))),
)

BY_NAME = {injection.name: injection for injection in (*INJECTIONS, *REWORDINGS)}
