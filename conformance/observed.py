"""What a reproduction returned, as plain data an expectation row can state and a check can compare.

A model is its output shapes and parameter count, a training history its epochs and metric names,
an optimizer its class and hyperparameters, an array or tensor its shape and dtype; plain values
stay as they are.  Numbers that vary from run to run (losses, weights) are left out on purpose: an
as-written row states what the literal code returns, not how well it trains.
"""
from __future__ import annotations

import numpy as np

from keras_upgrade_gate.layers import compat

OPTIMIZER_FIELDS = ("learning_rate", "decay", "momentum", "nesterov")


def _shape(value) -> tuple:
    return tuple(None if d is None else int(d) for d in compat.shape_of(value))


def describe(value):
    """``value`` as plain data (tuples, lists, dicts, numbers, strings)."""
    keras = compat.keras
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, keras.Model):
        return {"outputs": [_shape(t) for t in (value.outputs or [])], "parameters": value.count_params()}
    if isinstance(value, keras.callbacks.History):
        return {"epochs": len(value.epoch), "metrics": sorted(value.history)}
    if isinstance(value, keras.optimizers.Optimizer) or hasattr(value, "apply_gradients"):
        config = value.get_config()
        found = {"class": type(value).__name__}
        for field in OPTIMIZER_FIELDS:
            if field in config and not isinstance(config[field], dict):
                found[field] = round(float(config[field]), 9) if not isinstance(config[field], bool) else config[field]
        return found
    if isinstance(value, (list, tuple)):
        return [describe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): describe(v) for k, v in value.items()}
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return {"shape": _shape(value), "dtype": str(np.dtype(getattr(value.dtype, "as_numpy_dtype", value.dtype)))}
    return type(value).__name__
