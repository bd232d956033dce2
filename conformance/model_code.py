"""A built Keras model written back as plain Keras code, for the reproduction scripts (reporting/repro.py).

``source(model)`` returns the text of a ``build_model()`` that rebuilds the model's graph with public
Keras calls only: each layer constructed with the arguments that differ from its class's defaults
(so a newer Keras's extra config fields, all at their defaults, never reach an older Keras), its
name kept (a report names layers), and the calls replayed in dependency order from the model's own
config (both generations' formats).  A nested model becomes a builder of its own; a Keras 3 op node
(``keras.ops.not_equal`` behind a mask) and a Keras 2 TensorFlow op node become the call they record.
Custom layers are referred to by class name: the script carries their source (``custom_layer_source``).
What this cannot write raises ``Unwritable`` with the reason, and the failure gets no script.

A model built inside ``constructor_arguments()`` can instead be written with the arguments its builder
passed to each layer (``source(model, as_written=...)``): a regression that changes what a constructor
stores or what ``get_config`` reports then stays in the Keras under test, where the config-derived
code would copy the changed value into the script and fail on the good Keras too.
"""
from __future__ import annotations

import contextlib
import inspect
import keyword
import re

from keras_upgrade_gate.layers import compat

keras = compat.keras

CUSTOM_MODULE = "keras_upgrade_gate.layers.custom"
_FAMILIES = {"initializer": "initializers", "regularizer": "regularizers", "constraint": "constraints"}
_MODEL_CLASSES = ("Functional", "Sequential", "Model")
# Where a compile argument's class lives (searched in this order).
_OBJECT_FAMILIES = ("optimizers", "optimizers.schedules", "losses", "metrics", "initializers", "regularizers",
                    "constraints")


class Unwritable(Exception):
    """The model holds something this module cannot write as code."""


def source(model, as_written: dict | None = None) -> str:
    """``def build_model(): ...`` for ``model``, preceded by the builders of its nested models; with
    ``as_written`` (from ``constructor_arguments``), each layer it recorded is constructed as its builder
    wrote it, the others from their configs."""
    writer = _Writer(as_written or {})
    writer.model(model, "build_model")
    return "\n\n\n".join(writer.functions)


@contextlib.contextmanager
def constructor_arguments():
    """While open, record every Keras layer's constructor arguments as its caller passed them:
    ``id(layer) -> (args, kwargs)``.  Layer.__new__ receives exactly those (before any __init__ fills
    in defaults); Keras 3 defines it on Layer, Keras 2 inherits one (LayerVersionSelector's)."""
    base = keras.layers.Layer
    own = base.__dict__.get("__new__")
    recorded: dict[int, tuple] = {}

    def __new__(cls, *args, **kwargs):
        if own is not None:
            instance = own(cls, *args, **kwargs)
        else:
            following = super(base, cls).__new__
            instance = following(cls) if following is object.__new__ else following(cls, *args, **kwargs)
        recorded[id(instance)] = (args, dict(kwargs))
        return instance

    base.__new__ = staticmethod(__new__)
    try:
        yield recorded
    finally:
        if own is None:
            del base.__new__
        else:
            base.__new__ = own


def uses_custom_layers(model) -> bool:
    return any(type(layer).__module__ == CUSTOM_MODULE for layer in compat.all_layers(model))


def _is_teams(cls) -> bool:
    """A layer class of a team's own module: neither Keras's nor the gate's (layers/custom.py)."""
    from keras_upgrade_gate.conformance.coverage import KERAS_PACKAGES

    return cls.__module__ != CUSTOM_MODULE and cls.__module__.split(".")[0] not in KERAS_PACKAGES


def team_layer_imports(model) -> str:
    """The imports of a team's own layer classes: the script runs from the team's checkout, which has them."""
    by_module: dict[str, set[str]] = {}
    for layer in compat.all_layers(model):
        if _is_teams(type(layer)):
            by_module.setdefault(type(layer).__module__, set()).add(type(layer).__name__)
    return "".join(f"from {module} import {', '.join(sorted(names))}\n" for module, names in sorted(by_module.items()))


def custom_layer_code(model) -> str:
    """What a script needs before ``build_model`` for the model's custom layers: the gate's own layers'
    source (it cannot import the gate), a team's layers imported from the team's modules."""
    return "\n\n".join(part for part in (custom_layer_source() if uses_custom_layers(model) else "",
                                          team_layer_imports(model)) if part)


def custom_layer_source() -> str:
    """The gate's custom layers (layers/custom.py) as a script can define them without the gate:
    its import of the gate's compat module replaced by the four names it takes from there."""
    from keras_upgrade_gate.layers import custom

    text = inspect.getsource(custom)
    imports = "from keras_upgrade_gate.layers.compat import SERIALIZATION_PACKAGE, build_multi_head_attention, keras, register\n"
    if imports not in text:
        raise Unwritable("layers/custom.py no longer imports what the script replaces")
    shim = "\n".join([
        f"SERIALIZATION_PACKAGE = {compat.SERIALIZATION_PACKAGE!r}",
        "register = keras.utils.register_keras_serializable",
        "IS_KERAS3 = int(keras.__version__.split('.')[0]) >= 3",
        inspect.getsource(compat.build_multi_head_attention),
    ])
    body = text.split(imports, 1)[1]
    return shim + "\n" + body.replace("from __future__ import annotations\n", "")


def _name(text: str) -> str:
    name = re.sub(r"\W", "_", text)
    return name if name.isidentifier() and not keyword.iskeyword(name) else f"_{name}"


def _same(argument: str, value, default) -> bool:
    """Whether a config value is the constructor's default (so the code can leave it out)."""
    if isinstance(value, dict) and "class_name" in value and isinstance(default, str):
        family = next((f for key, f in _FAMILIES.items() if key in argument), None)
        if family is None:
            return False
        expected = getattr(keras, family).get(default)
        return (type(expected).__name__ == value["class_name"]
                and _plain(expected.get_config()) == _plain(value.get("config", {})))
    return _plain(value) == _plain(default)


def _plain(value):
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _family_of(class_name: str, argument: str = "") -> str | None:
    """Which public Keras namespace holds a class of this name (the argument's own family first)."""
    families = [f for key, f in _FAMILIES.items() if key in argument] + list(_OBJECT_FAMILIES)
    return next((f for f in families if hasattr(_namespace(f), class_name)), None)


def _namespace(family: str):
    namespace = keras
    for part in family.split("."):
        namespace = getattr(namespace, part)
    return namespace


def object_code(obj) -> str:
    """A Keras optimizer, schedule, loss or metric object as its constructor call, default arguments left out."""
    family = _family_of(type(obj).__name__)
    if family is None:
        raise Unwritable(f"{type(obj).__module__}.{type(obj).__name__} is not in a public Keras namespace")
    config, written = obj.get_config(), []
    for argument, parameter in inspect.signature(type(obj).__init__).parameters.items():
        if argument == "self" or argument not in config or parameter.kind in (parameter.VAR_POSITIONAL,
                                                                             parameter.VAR_KEYWORD):
            continue
        value = config[argument]
        if parameter.default is not parameter.empty and _same(argument, value, parameter.default):
            continue
        if argument == "dtype" and _literal(argument, value) == "'float32'":
            continue
        written.append(f"{argument}={_literal(argument, value)}")
    return f"keras.{family}.{type(obj).__name__}({', '.join(written)})"


def _literal(argument: str, value) -> str:
    """Python text for a config value: serialized Keras objects as their constructor calls."""
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        if value["class_name"] in ("DTypePolicy", "Policy", "FloatDTypePolicy"):
            return repr(value["config"]["name"])
        family = _family_of(value["class_name"], argument)
        if family is None:
            raise Unwritable(f"argument {argument!r} holds a {value['class_name']} this module cannot write")
        config = ", ".join(f"{k}={_literal(k, v)}" for k, v in value["config"].items())
        return f"keras.{family}.{value['class_name']}({config})"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_literal(argument, v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_literal(k, v)}" for k, v in value.items()) + "}"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return repr(value)
    raise Unwritable(f"argument {argument!r} holds a {type(value).__name__}")


def _class_expression(layer) -> str:
    cls = type(layer)
    if cls.__module__ == CUSTOM_MODULE or _is_teams(cls):
        return cls.__name__
    if getattr(keras.layers, cls.__name__, None) is not None:
        return f"keras.layers.{cls.__name__}"
    raise Unwritable(f"layer {layer.name!r} is a {cls.__module__}.{cls.__name__}, not a public Keras layer")


class _Writer:
    def __init__(self, as_written: dict):
        self.functions: list[str] = []
        self.builders: dict[int, str] = {}  # id(nested model) -> its builder's name
        self.as_written = as_written  # id(layer) -> (args, kwargs) its builder passed

    def model(self, model, function: str) -> str:
        kind = type(model).__name__
        if kind == "Sequential":
            body = self._sequential(model)
        elif kind in ("Functional", "Model"):
            body = self._functional(model)
        else:
            raise Unwritable(f"{model.name!r} is a subclassed {kind}: its graph is Python code, not config")
        self.functions.append(f"def {function}():\n" + "\n".join("    " + line for line in body))
        return function

    def layer(self, layer, lines: list) -> str:
        """Append the lines that make ``layer``; return the expression that refers to it."""
        if type(layer).__name__ in _MODEL_CLASSES:
            if id(layer) not in self.builders:
                function = f"build_{_name(layer.name)}"
                while function in ("build_model", *self.builders.values()):  # Keras 2 names a model "model"
                    function += "_inner"
                self.builders[id(layer)] = self.model(layer, function)
            lines.append(f"{_name(layer.name)} = {self.builders[id(layer)]}()")
            return _name(layer.name)
        arguments = self.arguments(layer, lines)
        lines.append(f"{_name(layer.name)} = {_class_expression(layer)}({', '.join(arguments)})")
        return _name(layer.name)

    def arguments(self, layer, lines: list) -> list[str]:
        if id(layer) in self.as_written:
            try:
                return self._as_written(layer, lines, *self.as_written[id(layer)])
            except Unwritable:
                pass  # an argument only its config can write (an array, a lambda): written from the config
        config = layer.get_config()
        written = []
        for argument, parameter in inspect.signature(type(layer).__init__).parameters.items():
            if argument in ("self", "name", "dtype", "trainable") or argument not in config:
                continue
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            value = config[argument]
            inner = getattr(layer, argument, None)
            if isinstance(inner, keras.layers.Layer):  # a wrapper's layer
                written.append(f"{argument}={self.layer(inner, lines)}")
                continue
            if parameter.default is not parameter.empty and _same(argument, value, parameter.default):
                continue
            written.append(f"{argument}={_literal(argument, value)}")
        dtype = config.get("dtype")
        dtype = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
        if dtype not in (None, "float32"):
            written.append(f"dtype={dtype!r}")
        if config.get("trainable") is False:
            written.append("trainable=False")
        written.append(f"name={layer.name!r}")
        return written

    def _as_written(self, layer, lines: list, args: tuple, kwargs: dict) -> list[str]:
        attempt: list[str] = []  # a wrapped layer's lines, kept only if this layer is writable too
        written = [self._value("", value, attempt) for value in args]
        written += [f"{key}={self._value(key, value, attempt)}" for key, value in kwargs.items() if key != "name"]
        lines += attempt
        return written + [f"name={layer.name!r}"]

    def _value(self, argument: str, value, lines: list) -> str:
        """Python text for an argument as the builder passed it."""
        if isinstance(value, keras.layers.Layer):  # a wrapper's layer, itself written as its builder wrote it
            return self.layer(value, lines)
        if isinstance(value, (str, int, float, bool)) or value is None:
            return repr(value)
        if isinstance(value, (list, tuple)):
            inner = ", ".join(self._value(argument, v, lines) for v in value)
            if isinstance(value, list):
                return f"[{inner}]"
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k!r}: {self._value(k, v, lines)}" for k, v in value.items()) + "}"
        if inspect.isfunction(value) and getattr(keras.activations, value.__name__, None) is value:
            return f"keras.activations.{value.__name__}"
        if hasattr(value, "get_config") and _family_of(type(value).__name__, argument) is not None:
            return object_code(value)  # an initializer, regularizer or constraint object
        raise Unwritable(f"argument {argument!r} holds a {type(value).__name__}")

    def _sequential(self, model) -> list[str]:
        lines = []
        shape = tuple(model.inputs[0].shape)
        dtype = str(getattr(model.inputs[0].dtype, "name", model.inputs[0].dtype))
        parts = [f"shape={shape[1:]!r}"] + ([f"batch_size={shape[0]}"] if shape[0] is not None else [])
        parts += [f"dtype={dtype!r}"] if dtype != "float32" else []
        first = model.get_config()["layers"][0]
        if first["class_name"] == "InputLayer":
            parts.append(f"name={first['config']['name']!r}")
        members = [self.layer(layer, lines) for layer in model.layers]
        lines.append(f"return keras.Sequential([keras.Input({', '.join(parts)}), {', '.join(members)}], "
                     f"name={model.name!r})")
        return lines

    def _functional(self, model) -> list[str]:
        config = model.get_config()
        lines, calls, tensors = [], [], {}
        by_name = {layer.name: layer for layer in model.layers}
        pending = []
        for entry in config["layers"]:
            name = entry.get("name") or entry["config"]["name"]
            layer = by_name.get(name)
            if entry["class_name"] == "InputLayer":
                shape = entry["config"].get("batch_shape") or entry["config"].get("batch_input_shape")
                dtype = entry["config"].get("dtype")
                dtype = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
                parts = [f"shape={tuple(shape[1:])!r}"] + ([f"batch_size={shape[0]}"] if shape[0] is not None else [])
                parts += [f"dtype={dtype!r}"] if dtype not in (None, "float32") else []
                variable = f"t_{_name(name)}_0"
                lines.append(f"{variable} = keras.Input({', '.join(parts)}, name={name!r})")
                tensors[(name, 0)] = variable
                continue
            if entry.get("module", "").startswith("keras.src.ops"):
                function = re.sub(r"(?<!^)(?=[A-Z])", "_", entry["class_name"]).lower()
                callee = f"keras.ops.{function}"
            elif entry["class_name"] == "TFOpLambda":
                callee = f"tf.{entry['config']['function']}"
            else:
                callee = self.layer(layer, lines)
            offset = 1 if not compat.IS_KERAS3 and entry["class_name"] in _MODEL_CLASSES else 0
            for index, node in enumerate(entry["inbound_nodes"]):
                pending.append((name, index + offset, callee, node))
        while pending:
            ready = [p for p in pending if all(ref in tensors for ref in _references(p[3]))]
            if not ready:
                raise Unwritable(f"the graph of {model.name!r} has a call whose inputs never appear")
            for name, index, callee, node in ready:
                pending.remove((name, index, callee, node))
                variable = f"t_{_name(name)}_{index}"
                calls.append(f"{variable} = {callee}({_call_arguments(node, tensors)})")
                tensors[(name, index)] = variable
        structure = {"inputs": config["input_layers"], "outputs": config["output_layers"]}
        if compat.IS_KERAS3 and compat.one_output_written_as_list() and len(structure["outputs"]) == 1:
            # Keras 3.0 writes one output as a one-element list; a nested model built with the list
            # returns a list from its call, which the layer after it cannot take.
            structure["outputs"] = structure["outputs"][0]
        ends = {key: _structure(value, tensors) for key, value in structure.items()}
        lines += calls
        lines.append(f"return keras.Model(inputs={ends['inputs']}, outputs={ends['outputs']}, name={model.name!r})")
        return lines


def _is_reference(value) -> bool:
    return isinstance(value, list) and len(value) >= 3 and isinstance(value[0], str) and isinstance(value[1], int)


def _references(node) -> list:
    """(layer name, node index) of every tensor a serialized call reads."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            if value.get("class_name") == "__keras_tensor__":
                found.append(tuple(value["config"]["keras_history"][:2]))
                return
            for v in value.values():
                walk(v)
        elif _is_reference(value) and compat.IS_KERAS3 is False:
            found.append(tuple(value[:2]))
            for v in value[3:]:
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    walk(node)
    return found


def _tensor(history, tensors) -> str:
    name, node, index = history[:3]
    variable = tensors[(name, node)]
    return variable if index == 0 else f"{variable}[{index}]"


def _expression(value, tensors) -> str:
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        return _tensor(value["config"]["keras_history"], tensors)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_expression(v, tensors)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_expression(v, tensors) for v in value) + "]"
    return repr(value)


def _call_arguments(node, tensors) -> str:
    if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        parts = [_expression(a, tensors) for a in node.get("args", [])]
        parts += [f"{k}={_expression(v, tensors)}" for k, v in node.get("kwargs", {}).items()]
        return ", ".join(parts)
    # Keras 2: [[layer, node, tensor, kwargs], ...]: one entry is one tensor, several a list
    inputs = [_tensor(ref, tensors) for ref in node]
    kwargs = node[0][3] if node and len(node[0]) > 3 else {}
    parts = [inputs[0] if len(inputs) == 1 else "[" + ", ".join(inputs) + "]"]
    parts += [f"{k}={_expression(v, tensors)}" for k, v in kwargs.items()]
    return ", ".join(parts)


def _structure(value, tensors) -> str:
    if _is_reference(value):
        name, node = value[:2]
        if (name, node) not in tensors and (name, node - 1) in tensors:
            # Keras 3 numbers a nested model's output node from its own first node (inputs: from 0)
            value = [name, node - 1, *value[2:]]
        return _tensor(value, tensors)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_structure(v, tensors)}" for k, v in value.items()) + "}"
    return "[" + ", ".join(_structure(v, tensors) for v in value) + "]"
