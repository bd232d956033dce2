"""Canonical implementations of every snippet of the seed documents.

    from keras_upgrade_gate import layers
    layers.ids()                      # every catalogue id
    layers.build("attn.se_cnn")       # the model at the seed's documented size, built
    layers.build("func.vqa", small=True)  # the same graph at a size for numeric checks
"""
from keras_upgrade_gate.layers.catalog import (
    Entry,
    Recipe,
    SharedLayer,
    build,
    buildable,
    entries,
    get,
    ids,
    sample_input,
)

__all__ = ["Entry", "Recipe", "SharedLayer", "build", "buildable", "entries", "get", "ids", "sample_input"]
