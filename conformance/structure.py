"""A model's structure as version-neutral text: one line per layer, names normalized.

Auto-names differ between generations (``input_1`` vs ``input_layer``), so each
layer is named by its class and its rank among the model's layers of that class
(``Dense#2``); a Sequential's implicit input is ``Input``.  Keras 3 also records
the ops that compute masks (``NotEqual``) as graph nodes; they are plumbing, not
layers, and are left out.  One line per layer holds every field a summary shows, so a
snapshot diff names the layer and the field that changed.
"""
from __future__ import annotations

from keras_upgrade_gate.layers import compat


def normalized_names(model) -> dict:
    names, seen = {}, {}
    for layer in model.layers:
        kind = type(layer).__name__
        names[id(layer)] = f"{kind}#{seen.get(kind, 0)}"
        seen[kind] = seen.get(kind, 0) + 1
    return names


def _shape_text(shape) -> str:
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def structure_lines(model) -> list[str]:
    names = normalized_names(model)
    lines = []
    for layer in model.layers:
        nodes = compat.model_node_indices(model, layer)
        shapes = "; ".join(_shape_text(compat.node_output_shape(layer, i)) for i in nodes)
        inbound = []
        for i in nodes:
            sources = []
            for source, index in compat.node_inbound(layer, i):
                if not isinstance(source, compat.keras.layers.Layer):
                    continue
                source_nodes = compat.model_node_indices(model, source)
                default = "Input" if type(source).__name__ == "InputLayer" else f"<outside:{type(source).__name__}>"
                label = names.get(id(source), default)
                if len(source_nodes) > 1:
                    label += f"@{source_nodes.index(index)}" if index in source_nodes else "@?"
                sources.append(label)
            inbound.append(", ".join(sources) or "-")
        trainable = compat.weight_count(layer.trainable_weights)
        non_trainable = compat.weight_count(layer.non_trainable_weights)
        lines.append(f"{names[id(layer)]} {type(layer).__name__} | out {shapes} | params {trainable} trainable, "
                     f"{non_trainable} non-trainable | in {' ; '.join(inbound)}")
    trainable = compat.weight_count(model.trainable_weights)
    non_trainable = compat.weight_count(model.non_trainable_weights)
    lines.append(f"total {trainable + non_trainable} | trainable {trainable} | non-trainable {non_trainable}")
    return lines
