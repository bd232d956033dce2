"""Layer nodes: the version-neutral successor of get_output_at / get_input_shape_at.

Every shared layer the catalogue declares (``Entry.shared``) is checked through the public API users
call (``.input``, ``.output``, and Keras 2's get_input_at/get_output_at) and through
``layers.compat``'s accessor (which reads the node list where nothing public exists): node count,
which tensor each call received and returned, shapes per node, and that the calls share one set of
variables.  Each version's
native behaviour (get_output_at, .output, .input_shape) is pinned in
test_as_written.py and test_api_facts.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from keras_upgrade_gate.conformance import expect, repro
from keras_upgrade_gate.layers import catalog, compat

pytestmark = pytest.mark.nodes

SHARED = [(entry, shared) for entry in catalog.entries() for shared in entry.shared]
SHARED_IDS = [f"{entry.id}-{shared.name}" for entry, shared in SHARED]


def _layer(model, name):
    return model.get_layer(name)


@pytest.mark.parametrize("entry,shared", SHARED, ids=SHARED_IDS)
def test_node_count_tensors_and_shapes(entry, shared, built):
    model = built(entry.id)
    layer = _layer(model, shared.name)
    nodes = compat.model_node_indices(model, layer)
    expect.equal(entry.id, f"{shared.name}: nodes in the model", len(shared.inputs), len(nodes))
    for call, node in enumerate(nodes):
        expect.true(entry.id, f"{shared.name}: node {call} input", compat.node_input(layer, node) is
                    model.inputs[shared.inputs[call]], f"is not model input {shared.inputs[call]}")
        if shared.outputs is not None:
            expect.true(entry.id, f"{shared.name}: node {call} output", compat.node_output(layer, node) is
                        model.outputs[shared.outputs[call]], f"is not model output {shared.outputs[call]}")
        expect.equal(entry.id, f"{shared.name}: node {call} input shape", shared.input_shapes[call],
                     compat.node_input_shape(layer, node))
        expect.equal(entry.id, f"{shared.name}: node {call} output shape", shared.output_shapes[call],
                     compat.node_output_shape(layer, node))


@pytest.mark.parametrize("entry,shared", SHARED, ids=SHARED_IDS)
def test_the_public_node_api_gives_each_calls_tensors(entry, shared, built, record_property):
    """What users call: ``layer.input`` and ``layer.output`` are the first call's tensors on every
    version, and where a per-call public accessor exists (Keras 2's get_input_at/get_output_at) call i
    gives call i's.  Judged against the model's own inputs and outputs, not against the accessor the
    gate itself uses (compat.node_input/node_output, which read the node list where nothing public
    exists)."""
    model = built(entry.id)
    layer = _layer(model, shared.name)
    # A failure records its reproduction: the model as code, the same public calls, the same tensors expected.
    with repro.on_failure(record_property, lambda: repro.public_nodes(
            entry.id, f"{shared.name}: public node API", model, shared, compat.model_node_indices(model, layer))):
        _check_public_nodes(entry, shared, model, layer)


def _check_public_nodes(entry, shared, model, layer):
    if isinstance(layer, compat.keras.Model):
        # A nested model's first node is its own construction: .input is its own Input.
        expect.true(entry.id, f"{shared.name}: public .input of a nested model is its own Input",
                    layer.input is layer.inputs[0], "is not the nested model's own input")
    else:
        expect.true(entry.id, f"{shared.name}: public .input is the first call's input",
                    layer.input is model.inputs[shared.inputs[0]], f"is not model input {shared.inputs[0]}")
    if shared.outputs is not None and not isinstance(layer, compat.keras.Model):
        expect.true(entry.id, f"{shared.name}: public .output is the first call's output",
                    layer.output is model.outputs[shared.outputs[0]], f"is not model output {shared.outputs[0]}")
    per_call = compat.public_node_tensors(layer)
    for call, node in enumerate(compat.model_node_indices(model, layer) if per_call is not None else []):
        given_input, given_output = per_call[node]
        expect.true(entry.id, f"{shared.name}: public get_input_at({node})", given_input is
                    model.inputs[shared.inputs[call]], f"is not model input {shared.inputs[call]}")
        if shared.outputs is not None:
            expect.true(entry.id, f"{shared.name}: public get_output_at({node})", given_output is
                        model.outputs[shared.outputs[call]], f"is not model output {shared.outputs[call]}")


@pytest.mark.parametrize("entry,shared", SHARED, ids=SHARED_IDS)
def test_calls_share_one_set_of_variables(entry, shared, built):
    model = built(entry.id, small=True)
    layer = _layer(model, shared.name)
    model_weights = {id(w) for w in model.weights}
    expect.true(entry.id, f"{shared.name}: weights are the model's own", all(id(w) in model_weights for w in layer.weights),
                "the model holds copies of the shared layer's weights")
    expect.equal(entry.id, f"{shared.name}: no duplicated variables", len(model.weights), len(model_weights))
    nodes = compat.model_node_indices(model, layer)
    if len(nodes) < 2:
        return
    probe = compat.keras.Model(model.inputs, [compat.node_output(layer, n) for n in nodes])
    sample = catalog.sample_input(entry.id, small=True, batch_size=2)
    if len(set(shared.input_shapes)) == 1:
        # The same input through every call gives the same output only if the calls share weights.
        sample = [sample[shared.inputs[0]]] * len(model.inputs)
    outputs = [np.asarray(o) for o in probe(sample)]
    if len(set(shared.input_shapes)) == 1:
        for call in range(1, len(outputs)):
            expect.close(entry.id, f"{shared.name}: call {call} vs call 0 on the same input", outputs[0],
                         outputs[call], atol=1e-6, what="node output")
    # Changing the layer's weights changes every call's output.
    original = layer.get_weights()
    layer.set_weights([w + 0.5 for w in original])
    try:
        moved = [np.asarray(o) for o in probe(sample)]
    finally:
        layer.set_weights(original)
    for call in range(len(outputs)):
        expect.true(entry.id, f"{shared.name}: call {call} follows the shared weights",
                    not np.allclose(outputs[call], moved[call]), "output unchanged after the weights changed")


@pytest.mark.parametrize("entry", catalog.entries("model"), ids=lambda e: e.id)
def test_every_multi_node_layer_is_declared(entry, built):
    """A layer called more than once in a model must be declared in Entry.shared, so it is checked."""
    model = built(entry.id)
    declared = {shared.name for shared in entry.shared}
    multi = sorted(layer.name for layer in model.layers if len(compat.model_node_indices(model, layer)) > 1)
    undeclared = [name for name in multi if name not in declared]
    expect.true(entry.id, "shared layers declared", not undeclared,
                f"layers with several nodes but no Entry.shared declaration: {undeclared}")
