"""The one module that knows Keras 2 from Keras 3.

Everything else in the project imports ``keras`` from here and calls these
helpers, so tests and layer code stay version-free.  When a new Keras moves an
API, this file (and the expected-differences table) is the only place to edit.

Which Keras is loaded:
  * ``TF_USE_LEGACY_KERAS=1`` with ``tf_keras`` installed: Keras 2 on a new TF.
  * TF 2.12-2.15: the bundled ``keras`` 2.x package (the same code as tf.keras).
  * TF 2.16+: ``keras`` 3.x.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import os
import platform

import numpy as np

if os.environ.get("TF_USE_LEGACY_KERAS") == "1":  # pragma: no cover - legacy env only
    import tf_keras as keras
else:
    import keras

import tensorflow as tf

KERAS_VERSION: str = keras.__version__
KERAS_MAJOR: int = int(KERAS_VERSION.split(".")[0])
TF_VERSION: str = tf.__version__
IS_KERAS3: bool = KERAS_MAJOR >= 3
GENERATION: str = f"keras{KERAS_MAJOR}"
_KERAS_MINOR = tuple(int(part) for part in KERAS_VERSION.split(".")[:2])
# Keras 2.12 pads summary() columns differently from 2.13-2.15 (same rows, same numbers): raw
# summary text baselines are kept per layout (conformance/__snapshots__/<layout>/).
# GATE_SUMMARY_LAYOUT names another layout: measuring a new Keras's summaries without touching the baselines.
# Keras 3.0-3.3 number auto-names from 1 (the first functional model is "functional_1"; 3.4+: "functional").
_KERAS2_LAYOUT = "keras2.12" if _KERAS_MINOR < (2, 13) else GENERATION  # summaries and configs alike
SUMMARY_LAYOUT: str = os.environ.get("GATE_SUMMARY_LAYOUT") or (
    "keras3.0" if (3, 0) <= _KERAS_MINOR < (3, 4) else _KERAS2_LAYOUT)
# Layer, optimizer and loss configs (conformance/test_configs.py): one baseline per generation, with
# Keras 2.12 apart (its keras.optimizers.SGD is the legacy optimizer; its losses record no fn) and
# tf_keras apart (its InputLayer records optional=, its MultiHeadAttention the shapes it was built for).
# Keras 3's configs gain fields and change defaults between minors: one baseline per layout, named by
# the first minor that writes it (measured on every Keras 3 minor of the matrix; README "What the Keras
# axis found").  A minor newer than the last listed is judged by the last layout: its drift shows.
KERAS3_CONFIG_LAYOUTS = {
    0: "the first Keras 3 layout (optimizers' ema_overwrite_frequency defaults to 100)",
    3: "optimizers' ema_overwrite_frequency default 100 -> None",
    4: "LayerNormalization gains rms_scaling, MultiHeadAttention seed",
    7: "LSTM's recurrent initializer is written Orthogonal (was OrthogonalInitializer)",
    9: "InputLayer gains ragged",
    11: "a Functional's single input is written ['input_layer', 0, 0] (was nested one level deeper)",
    12: "a custom layer's config carries the base Layer's activity_regularizer and autocast",
    13: "InputLayer gains optional, Dense and EinsumDense quantization_config",
    14: "BatchNormalization gains renorm, renorm_clipping and renorm_momentum; MultiHeadAttention use_gate",
    15: "GlorotUniform gains input_axes and output_axes, MultiHeadAttention sliding_window",
}


def _config_layout() -> str:
    if keras.__name__ == "tf_keras":
        return "tf_keras"
    if not IS_KERAS3:
        return _KERAS2_LAYOUT
    return f"keras3.{max(m for m in KERAS3_CONFIG_LAYOUTS if m <= _KERAS_MINOR[1])}"


# GATE_CONFIG_LAYOUT names another layout: measuring a new Keras's configs without touching the baselines.
CONFIG_LAYOUT: str = os.environ.get("GATE_CONFIG_LAYOUT") or _config_layout()

register = keras.utils.register_keras_serializable
"""Decorator that registers a custom layer for deserialization (both generations)."""

SERIALIZATION_PACKAGE = "gate"


def environment() -> dict:
    """What a report needs to say where it ran."""
    return {
        "tensorflow": TF_VERSION,
        "keras": KERAS_VERSION,
        "keras_generation": KERAS_MAJOR,
        "python": platform.python_version(),
        "gpus": [d.name for d in tf.config.list_physical_devices("GPU")],
    }


# --- sessions and seeds ------------------------------------------------------

# Keras 3.0's clear_session takes no free_memory= (added in 3.1, with the gc.collect() it switches off).
_CLEAR_SESSION_FREES_MEMORY = "free_memory" in inspect.signature(keras.backend.clear_session).parameters


_EXPORT_TAKES_VERBOSE = IS_KERAS3 and "verbose" in inspect.signature(keras.Model.export).parameters


def keras_newer_than_this(version: str) -> bool:
    """Whether ``version`` is a newer Keras than the one running (a file it wrote is a forward read here)."""
    from packaging.version import Version

    return Version(version) > Version(KERAS_VERSION)


def reset_session(seed: int | None = None) -> None:
    """Clear the Keras session (stable auto-names) and optionally seed everything."""
    if _CLEAR_SESSION_FREES_MEMORY:
        # Keras 3.1+ runs a full gc.collect() by default: 0.2 s per call, paid before every check.
        keras.backend.clear_session(free_memory=False)
    else:
        keras.backend.clear_session()
    if seed is not None:
        keras.utils.set_random_seed(seed)


def enable_op_determinism() -> None:
    tf.config.experimental.enable_op_determinism()


@contextlib.contextmanager
def op_determinism_suspended():
    """Run a block without op determinism (XLA has no deterministic MaxPool gradient)."""
    from tensorflow.python.framework import config as tf_config  # no public switch back off

    was_on = tf_config.is_op_determinism_enabled()
    if was_on:
        tf_config.disable_op_determinism()
    try:
        yield
    finally:
        if was_on:
            tf_config.enable_op_determinism()


# --- summaries ---------------------------------------------------------------

@contextlib.contextmanager
def _fixed_terminal_width(width: int):
    # Keras 3 renders its summary with rich, which sizes the table to COLUMNS
    # (or the terminal) whatever line_length says.
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved


def summary_text(model, width: int = 120) -> str:
    """``model.summary()`` as text at a fixed width, independent of the terminal."""
    lines: list[str] = []
    with _fixed_terminal_width(width):
        model.summary(line_length=width, print_fn=lambda line, *a, **k: lines.append(line))
    return "\n".join(lines)


# --- layer nodes: the successor of get_output_at / get_input_shape_at --------

def _nodes(layer) -> list:
    return list(layer._inbound_nodes)


def node_count(layer) -> int:
    """How many times the layer has been called on symbolic inputs."""
    return len(_nodes(layer))


def node_output(layer, index: int):
    """The tensor the layer's ``index``-th call returned: Keras 2's get_output_at, or the
    accessor Keras 3 keeps behind ``.output`` (which get_output_at used to call)."""
    if IS_KERAS3:
        return layer._get_node_attribute_at_index(index, "output_tensors", "output")
    return layer.get_output_at(index)


def node_input(layer, index: int):
    """The tensor the layer received on its ``index``-th call (get_input_at and its successor)."""
    if IS_KERAS3:
        return layer._get_node_attribute_at_index(index, "input_tensors", "input")
    return layer.get_input_at(index)


def public_node_tensors(layer) -> list[tuple] | None:
    """(input, output) of every call through the public per-call accessors (Keras 2's get_input_at
    and get_output_at); None on Keras 3, which has no public accessor for a call after the first:
    there only ``layer.input`` and ``layer.output`` (the first call's) are public."""
    if not hasattr(layer, "get_output_at"):
        return None
    return [(layer.get_input_at(i), layer.get_output_at(i)) for i in range(node_count(layer))]


def shape_of(tensor) -> tuple:
    """A plain tuple shape with None for unknown dimensions."""
    shape = tensor.shape
    if hasattr(shape, "as_list"):
        return tuple(shape.as_list())
    return tuple(shape)


def node_output_shape(layer, index: int):
    out = node_output(layer, index)
    return [shape_of(t) for t in out] if isinstance(out, list) else shape_of(out)


def node_input_shape(layer, index: int):
    inp = node_input(layer, index)
    return [shape_of(t) for t in inp] if isinstance(inp, list) else shape_of(inp)


def _node_key(layer, index: int) -> str:
    # How each generation names a node in a model's node set.
    return f"{id(layer) if IS_KERAS3 else layer.name}_ib-{index}"


def _graph(model):
    # A Keras 3 Sequential keeps its graph in a private functional model.
    return getattr(model, "_functional", None) or model


def model_node_indices(model, layer) -> list[int]:
    """Indices of the layer's nodes that belong to ``model`` (a shared layer has nodes elsewhere too)."""
    graph = _graph(model)
    keys = graph._nodes if IS_KERAS3 else graph._network_nodes
    return [i for i in range(node_count(layer)) if _node_key(layer, i) in keys]


def node_inbound(layer, index: int) -> list[tuple]:
    """(inbound layer, that layer's node index) for every tensor feeding the layer's node."""
    node = _nodes(layer)[index]
    found = []
    for parent in node.parent_nodes:
        parent_layer = parent.operation if IS_KERAS3 else parent.layer
        found.append((parent_layer, _nodes(parent_layer).index(parent)))
    return found


def weight_count(weights) -> int:
    return int(sum(np.prod(tuple(int(d) for d in w.shape)) for w in weights))


def native_node_api(layer) -> dict:
    """Which of the Keras 1/2 node accessors this version still offers (a fact to record)."""
    names = ["get_output_at", "get_input_at", "get_input_shape_at", "get_output_shape_at"]
    return {name: hasattr(layer, name) for name in names}



# --- building sublayers -------------------------------------------------------

def build_multi_head_attention(layer, query_shape, value_shape) -> None:
    """Create a MultiHeadAttention's weights before its first call."""
    if IS_KERAS3:
        layer.build(query_shape, value_shape)
    else:
        # Keras 2's MultiHeadAttention creates its projections from a signature and
        # builds them only on the first call; build them now so the weights exist.
        query_shape, value_shape = tf.TensorShape(query_shape), tf.TensorShape(value_shape)
        layer._build_from_signature(query=query_shape, value=value_shape)
        layer._query_dense.build(query_shape)
        layer._key_dense.build(value_shape)
        layer._value_dense.build(value_shape)
        layer._output_dense.build(query_shape[:-1].concatenate([layer._num_heads, layer._value_dim]))
        layer.built = True


# --- recurrent kernels ---------------------------------------------------------

CAN_CHOOSE_RNN_KERNEL = IS_KERAS3  # Keras 3's use_cudnn; Keras 2 picks the kernel itself


def recurrent_layers(model) -> list:
    found = []
    for layer in getattr(model, "layers", [model]):
        if type(layer).__name__ in ("LSTM", "GRU"):
            found.append(layer)
        elif hasattr(layer, "layers") and layer is not model:
            found.extend(recurrent_layers(layer))
        elif hasattr(layer, "layer"):  # wrappers such as TimeDistributed
            found.extend(recurrent_layers(layer.layer))
    return found


_BOOKKEEPING = [0]


@contextlib.contextmanager
def bookkeeping():
    """Keras calls the gate makes for its own knowledge (a probe, an entry's traits), not for the check that
    happens to need it first: the call tracer (conformance/calls.py) leaves them out of that check's calls."""
    _BOOKKEEPING[0] += 1
    try:
        yield
    finally:
        _BOOKKEEPING[0] -= 1


def in_bookkeeping() -> bool:
    return _BOOKKEEPING[0] > 0


@functools.cache
def one_output_written_as_list() -> bool:
    """Whether a model's config writes a single output tensor as a one-element list (Keras 2 always;
    Keras 3.0 too, where from_config then gives a model whose call returns a list). Probed, not
    tabled: a config of such a version cannot tell ``outputs=t`` from ``outputs=[t]``."""
    with bookkeeping():
        inputs = keras.Input((1,))
        written = keras.Model(inputs, keras.layers.Dense(1)(inputs)).get_config()["output_layers"]
    return isinstance(written[0], list)


def all_layers(model) -> list:
    """Every layer inside ``model``, nested models, wrapped and sublayers included (not the model)."""
    return [layer for layer in model._flatten_layers(include_self=False, recursive=True)]


def force_generic_rnn_kernel(model) -> None:
    """Make every LSTM/GRU use the generic kernel instead of cuDNN (Keras 3 only)."""
    if not CAN_CHOOSE_RNN_KERNEL:
        raise NotImplementedError("Keras 2 chooses the recurrent kernel itself")
    for layer in recurrent_layers(model):
        layer.use_cudnn = False


def rnn_kernel(layer) -> str:
    """Which kernel a recurrent layer runs on this machine: 'cudnn' or 'generic'."""
    if not tf.config.list_physical_devices("GPU"):
        return "generic"
    if IS_KERAS3:
        eligible = layer.use_cudnn is not False and getattr(layer, "_cudnn_ok", lambda: True)() \
            if callable(getattr(layer, "_cudnn_ok", None)) else layer.use_cudnn is not False
        return "cudnn" if eligible else "generic"
    return "cudnn" if getattr(layer, "_could_use_gpu_kernel", False) else "generic"


def set_tensor_float_32(enabled: bool) -> None:
    tf.config.experimental.enable_tensor_float_32_execution(enabled)


# --- optimizers --------------------------------------------------------------

# Keras 2.12 keeps the schedules one module down; 2.13+ and Keras 3 export them here.
_SCHEDULES = (keras.optimizers.schedules if hasattr(keras.optimizers.schedules, "InverseTimeDecay")
              else keras.optimizers.schedules.learning_rate_schedule)

def sgd_with_decay(learning_rate: float, decay: float, momentum: float = 0.0,
                   nesterov: bool = False):
    """SGD with Keras 1's ``decay`` expressed as the schedule both generations accept.

    Keras 1 applied ``lr / (1 + decay * iterations)``, which is exactly
    ``InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)``.
    """
    schedule = inverse_time_decay(learning_rate, decay_steps=1, decay_rate=decay)
    return keras.optimizers.SGD(learning_rate=schedule, momentum=momentum, nesterov=nesterov)


def inverse_time_decay(initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase=False):
    return _SCHEDULES.InverseTimeDecay(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
                                       decay_rate=decay_rate, staircase=staircase)


def effective_learning_rate(optimizer) -> float:
    """The learning rate the optimizer would apply at its current step."""
    lr = optimizer.learning_rate
    if isinstance(lr, _SCHEDULES.LearningRateSchedule):
        lr = lr(optimizer.iterations)
    elif callable(lr) and not hasattr(lr, "numpy"):
        lr = lr()
    return float(np.asarray(lr))


def schedule_of(optimizer):
    """The optimizer's learning-rate schedule, or None when its rate is constant."""
    # Both generations keep the schedule in _learning_rate; .learning_rate is its current value.
    # Keras 2.12's keras.optimizers.SGD is the legacy optimizer, which keeps it in _hyper.
    schedule = (optimizer._learning_rate if hasattr(optimizer, "_learning_rate")
                else optimizer._get_hyper("learning_rate"))
    return schedule if isinstance(schedule, _SCHEDULES.LearningRateSchedule) else None


def learning_rate_at(optimizer, step: int) -> float:
    """The rate the optimizer's schedule gives at ``step`` (its constant rate if it has none)."""
    schedule = schedule_of(optimizer)
    return float(np.asarray(schedule(step))) if schedule is not None else effective_learning_rate(optimizer)


# --- utilities whose behaviour drifted -----------------------------------------

def variable(value):
    """A trainable variable an optimizer can update: keras.Variable on Keras 3, tf.Variable on Keras 2."""
    return keras.Variable(value) if IS_KERAS3 else tf.Variable(value)


def to_categorical(y, num_classes: int | None = None) -> np.ndarray:
    """One-hot float32, as Keras 2 returned it (Keras 3 returns float64 for NumPy input)."""
    return np.asarray(keras.utils.to_categorical(y, num_classes=num_classes), dtype="float32")


def data_adapter_classes() -> list[type]:
    """The classes fit, evaluate and predict wrap their data in (the call tracer names which one ran)."""
    import importlib

    module = importlib.import_module("keras.src.trainers.data_adapters" if IS_KERAS3 else f"{keras.__name__}.src.engine.data_adapter")
    return sorted({value for name, value in vars(module).items() if name.endswith("Adapter") and isinstance(value, type)},
                  key=lambda cls: cls.__name__)


def image_iterator_module():
    """Where ImageDataGenerator's iterators live (Keras 3: its legacy module)."""
    import importlib

    return importlib.import_module("keras.src.legacy.preprocessing.image" if IS_KERAS3 else f"{keras.__name__}.preprocessing.image")


def image_data_generator(**kwargs):
    """The directory-loading ImageDataGenerator, which Keras 3 keeps only in its legacy module."""
    if IS_KERAS3:
        from keras.src.legacy.preprocessing.image import ImageDataGenerator
    else:  # imported, not read as an attribute: Keras 2.12 does not load the submodule by itself
        import importlib

        ImageDataGenerator = importlib.import_module(f"{keras.__name__}.preprocessing.image").ImageDataGenerator
    return ImageDataGenerator(**kwargs)


# --- saving ------------------------------------------------------------------

def save_keras_archive(model, path: str) -> None:
    """Write the ``.keras`` archive (the one format both generations share)."""
    model.save(path)


def load_keras_archive(path: str):
    return keras.models.load_model(path)


# --- saved-model formats -----------------------------------------------------

# The formats a team can carry a model in: the .keras archive, legacy HDF5, a TensorFlow SavedModel for
# serving, and weights-only files (rebuilt from code, then loaded); named where a team's SavedFile is.
from keras_upgrade_gate.layers import saved_file as _saved_file  # noqa: E402  (no TensorFlow there)

SAVE_FORMATS = _saved_file.FORMATS

# The weights-only file is not named model.weights.h5: Keras 3.4's load_model overwrites and deletes a
# file of that name beside the archive it loads (fact:load_model.files_beside_the_archive shows the bug).
FILE_NAMES = {"keras": "model.keras", "h5": "model.h5", "savedmodel": "savedmodel", "weights": "weights-only.weights.h5"}


def save_as(model, fmt: str, folder: str) -> str:
    """Write ``model`` in one format under ``folder``; returns the path written."""
    path = os.path.join(folder, FILE_NAMES[fmt])
    if fmt in ("keras", "h5"):
        model.save(path)
    elif fmt == "savedmodel":
        if IS_KERAS3:
            # Keras 3 writes SavedModels only through export(); verbose= arrived in Keras 3.1.
            model.export(path, **({"verbose": False} if _EXPORT_TAKES_VERBOSE else {}))
        else:
            model.save(path, save_format="tf")
    elif fmt == "weights":
        model.save_weights(path)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return path


def load_model_as(fmt: str, path: str, rebuild=None, custom_objects=None):
    """The Keras model in an artifact of a whole-model format (``custom_objects``: {name: class} for the
    classes registration does not reach), or ``rebuild()`` given the weights of a weights-only file."""
    if fmt in ("keras", "h5"):
        return keras.models.load_model(path, compile=False, custom_objects=custom_objects)
    if fmt == "weights":
        model = rebuild()
        model.load_weights(path)
        return model
    raise ValueError(f"a {fmt} artifact does not load as a Keras model")


def load_as(fmt: str, path: str, rebuild=None, custom_objects=None):
    """A callable ``f(inputs) -> list of outputs`` from an artifact.  Whole-model formats load
    without custom_objects unless given (registration must suffice); SavedModels load through TensorFlow's
    own loader and their serving signature; weights load into ``rebuild()``, the model rebuilt
    from code (which also names the SavedModel's inputs and outputs; without it, their sorted keys)."""
    from keras_upgrade_gate.layers.building import as_list

    if fmt in ("keras", "h5", "weights"):
        model = load_model_as(fmt, path, rebuild, custom_objects)
        return lambda inputs: as_list(model(inputs, training=False))
    if fmt == "savedmodel":
        serve = tf.saved_model.load(path).signatures["serving_default"]
        keys = list(serve.structured_input_signature[1])
        reference = rebuild() if rebuild else None
        input_names = [t.name.split(":")[0] for t in reference.inputs] if reference else []

        def call(inputs):
            values = list(inputs.values()) if isinstance(inputs, dict) else (
                list(inputs) if isinstance(inputs, (list, tuple)) else [inputs])
            # Signature keys are the input names when they match, else positional (sorted) order.
            ordered = [k for name in input_names for k in keys if k == name] if set(keys) <= set(input_names) \
                else sorted(keys)
            result = serve(**{k: tf.convert_to_tensor(v) for k, v in zip(ordered, values)})
            names = list(getattr(reference, "output_names", []) or [])
            out_keys = [n for n in names if n in result] if names and set(result) <= set(names) else sorted(result)
            return [result[k] for k in out_keys]

        return call
    raise ValueError(f"unknown format {fmt!r}")

