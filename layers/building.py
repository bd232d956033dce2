"""Small helpers the seed modules share to build entries and their sample inputs."""
from __future__ import annotations


def built_layer(layer, input_shape):
    """A layer built for ``input_shape`` (batch dimension included)."""
    layer.build(input_shape)
    return layer


def uniform_input(shape, dtype="float32"):
    """sample_input for one float input of per-sample ``shape``; shape may depend on small."""
    def make(small, batch, rng):
        per_sample = shape(small) if callable(shape) else shape
        return rng.random((batch, *per_sample)).astype(dtype)
    return make


def token_input(length, vocab):
    """sample_input for one int32 token input; token 0 is padding where a mask applies."""
    def make(small, batch, rng):
        return rng.integers(0, vocab(small), size=(batch, length(small))).astype("int32")
    return make


def as_list(outputs) -> list:
    """A model's outputs as a list, whether it returned one tensor, a list or a dict."""
    if isinstance(outputs, dict):
        return list(outputs.values())
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
