"""Every layer's, optimizer's, loss's and metric's ``get_config()`` as version-neutral text.

A changed default is the most common silent regression, and Keras records every argument a layer,
optimizer, loss or metric takes in its config: a snapshot of them names the field that moved.
Normalized so that one snapshot serves a whole generation: auto-names are replaced by the class and
its rank (``Dense#1``), serialization envelopes (``module``, ``registered_name``) are dropped and a
nested object is written ``Class(field=value, ...)``, a dtype policy by its name, floats to 7
significant digits (a float32 hyperparameter read back as float64 is the same setting).
"""
from __future__ import annotations

from keras_upgrade_gate.layers import compat

DROPPED = {"name", "module", "registered_name", "build_config", "compile_config"}


def normalize(value):
    """A config value as plain, stable text-friendly data."""
    if isinstance(value, dict):
        if "class_name" in value and "config" in value:
            if value["class_name"] in ("DTypePolicy", "Policy") and isinstance(value["config"], dict):
                return value["config"].get("name")
            inner = normalize(value["config"])
            fields = ", ".join(f"{k}={inner[k]}" for k in sorted(inner)) if isinstance(inner, dict) else inner
            return f"{value['class_name']}({fields})"
        return {k: normalize(v) for k, v in value.items() if k not in DROPPED}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    if isinstance(value, float):
        return float(f"{value:.7g}")
    return value


def _line(label: str, config: dict) -> str:
    fields = normalize(config)
    return f"{label}: " + " ".join(f"{k}={fields[k]}" for k in sorted(fields))


def layer_lines(model_or_layer) -> list[str]:
    """One line per layer inside (the object itself first), named by class and rank."""
    seen: dict[str, int] = {}
    lines = []
    for layer in [model_or_layer, *compat.all_layers(model_or_layer)]:
        kind = type(layer).__name__
        rank = seen.get(kind, 0)
        seen[kind] = rank + 1
        # A model's config repeats every layer's, which the lines below give one by one.
        config = {"layers": len(layer.layers)} if isinstance(layer, compat.keras.Model) else layer.get_config()
        lines.append(_line(f"{kind}#{rank}", config))
    return lines


def _described(label: str, value) -> str:
    if isinstance(value, str):
        return f"{label}: {value}"
    if isinstance(value, dict):
        return "\n".join(_described(f"{label}[{key}]", value[key]) for key in sorted(value))
    if isinstance(value, (list, tuple)):
        return "\n".join(_described(f"{label}[{i}]", v) for i, v in enumerate(value))
    if isinstance(value, (int, float)):
        return f"{label}: {normalize(float(value))}"
    return _line(f"{label} {type(value).__name__}", value.get_config())


def compile_lines(model, settings: dict) -> list[str]:
    """The compiled optimizer with every hyperparameter (defaults included), the loss, loss weights
    and metrics exactly as a recipe passes them."""
    model.compile(**settings)
    optimizer = model.optimizer
    lines = [_line(f"optimizer {type(optimizer).__name__}", optimizer.get_config())]
    for key in ("loss", "loss_weights", "metrics"):
        if settings.get(key) is not None:
            lines.append(_described(key, settings[key]))
    return lines
