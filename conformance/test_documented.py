"""The figures the seeds print (fixtures/documented.py), reproduced by the canonical models."""
from __future__ import annotations

import pytest

from keras_upgrade_gate.conformance import expect
from keras_upgrade_gate.fixtures.documented import figure
from keras_upgrade_gate.layers import catalog, compat
from keras_upgrade_gate.layers.custom import SELayer

pytestmark = pytest.mark.documented


def _counts(model) -> dict:
    trainable = compat.weight_count(model.trainable_weights)
    total = model.count_params()
    return {"total": total, "trainable": trainable, "non_trainable": total - trainable}


def _layer_rows(model):
    """(class name, parameter count, output shape) per layer, as summary() lists them."""
    return [(type(layer).__name__, layer.count_params(), compat.node_output_shape(layer, -1))
            for layer in model.layers]


TOTALS = [(entry.id, key) for entry in catalog.entries("model") for key in entry.figures if key.endswith(".params")]


@pytest.mark.parametrize("entry_id,key", TOTALS, ids=[entry_id for entry_id, _ in TOTALS])
def test_parameter_totals(entry_id, key, built):
    expect.equal(entry_id, "documented parameter totals", figure(key).value, _counts(built(entry_id)))


@pytest.mark.snippet("attn.dense_attention_model")
def test_dense_attention_model_per_layer_parameters(built):
    entry_id = "attn.dense_attention_model"
    rows = [(name, count) for name, count, _ in _layer_rows(built(entry_id)) if count]
    expect.equal(entry_id, "documented per-layer parameters", list(figure(f"{entry_id}.layer_params").value), rows)


@pytest.mark.snippet("attn.se_cnn")
def test_se_cnn_per_layer_parameters(built):
    entry_id = "attn.se_cnn"
    counts = tuple(count for _, count, _ in _layer_rows(built(entry_id)))
    expect.equal(entry_id, "documented per-layer parameters", figure(f"{entry_id}.layer_params").value, counts)


@pytest.mark.snippet("attn.se_cnn")
def test_se_cnn_per_layer_output_shapes(built):
    entry_id = "attn.se_cnn"
    rows = tuple((name, shape) for name, _, shape in _layer_rows(built(entry_id)))
    expected = figure(f"{entry_id}.output_shapes").value
    for index, (want, got) in enumerate(zip(expected, rows)):
        expect.equal(entry_id, f"documented layer {index} (class, output shape)", want, got)
    expect.equal(entry_id, "documented layer count", len(expected), len(rows))


@pytest.mark.snippet("attn.se_layer")
@pytest.mark.parametrize("filters", sorted(figure("attn.se_layer.params").value))
def test_se_layer_parameters(filters):
    layer = SELayer(filters)
    layer.build((None, 16, 16, filters))
    expect.equal("attn.se_layer", f"documented SELayer({filters}) parameters",
                 figure("attn.se_layer.params").value[filters], layer.count_params())


@pytest.mark.snippet("attn.se_cnn")
def test_se_cnn_non_trainable_parameters_are_the_batch_norm_statistics(built):
    """The documented 238 non-trainable parameters are the SE bottlenecks' moving means and variances."""
    model = built("attn.se_cnn")
    names = {w.name.split("/")[-1].split(":")[0] for w in model.non_trainable_weights}
    expect.equal("attn.se_cnn", "non-trainable weights", {"moving_mean", "moving_variance"}, names)
