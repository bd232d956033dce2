"""Custom layers are real Keras layers: config round trip and .keras save/load, identical outputs."""
from __future__ import annotations

import numpy as np
import pytest

from keras_upgrade_gate.conformance import expect
from keras_upgrade_gate.conformance.expectations import outcome_of
from keras_upgrade_gate.layers import catalog, compat

pytestmark = pytest.mark.catalog

LAYER_ENTRIES = catalog.entries("layer")
TOLERANCE = 1e-6  # the bound; a faithful round trip gives identical weights, so any error is real


def _model_around(layer, sample):
    inputs = compat.keras.Input(shape=sample.shape[1:])
    return compat.keras.Model(inputs, layer(inputs))


@pytest.mark.parametrize("entry", LAYER_ENTRIES, ids=lambda e: e.id)
def test_config_round_trip_gives_identical_outputs(entry):
    layer = catalog.build(entry.id, small=True)
    sample = catalog.sample_input(entry.id, small=True, batch_size=3)
    clone = type(layer).from_config(layer.get_config())
    clone(sample)  # build the clone on the same shape
    clone.set_weights(layer.get_weights())
    expect.equal(entry.id, "config round trip (config)", layer.get_config(), clone.get_config())
    expect.close(entry.id, "config round trip", np.asarray(layer(sample, training=False)),
                 np.asarray(clone(sample, training=False)), atol=TOLERANCE, what="output")


@pytest.mark.parametrize("entry", LAYER_ENTRIES, ids=lambda e: e.id)
def test_keras_archive_round_trip_without_custom_objects(entry, tmp_path, record_property):
    layer = catalog.build(entry.id, small=True)
    sample = catalog.sample_input(entry.id, small=True, batch_size=3)
    model = _model_around(layer, sample)
    path = str(tmp_path / "model.keras")
    observed, _ = outcome_of(lambda: compat.save_keras_archive(model, path))
    expect.outcome(entry.id, f"keras_archive:{entry.id}", ".keras round trip (save)", observed, record_property)
    if observed != "ok":
        return
    loaded = compat.load_keras_archive(path)  # no custom_objects: the registration must suffice
    expect.equal(entry.id, ".keras round trip (layer class)", type(layer).__name__, type(loaded.layers[-1]).__name__)
    expect.close(entry.id, ".keras round trip", np.asarray(model(sample, training=False)),
                 np.asarray(loaded(sample, training=False)), atol=TOLERANCE, what="output")


@pytest.mark.parametrize("batch,steps", [(1, 1), (1, 7), (4, 5), (5, 12)])
def test_prob_attention_gives_masked_steps_zero_weight(batch, steps):
    from keras_upgrade_gate.layers.custom import ProbAttention

    rng = np.random.default_rng(batch * 100 + steps)
    inputs = rng.standard_normal((batch, steps, 6)).astype("float32") * 50.0  # large logits
    mask = rng.random((batch, steps)) < 0.5
    mask[:, 0] = True
    if batch > 1:
        mask[-1] = False  # an all-padding row
    layer = ProbAttention()
    layer.build((None, steps, 6))
    layer.set_weights([rng.standard_normal((6, 1)).astype("float32")])
    weights = np.asarray(layer.attention_weights(inputs, mask))[..., 0]
    expect.equal("attn.prob_attention", "masked steps' weight", 0.0, float(np.abs(weights[~mask]).max(initial=0.0)))
    live = mask.any(axis=1)
    expect.close("attn.prob_attention", "weights of a live row sum to one", np.ones(live.sum()),
                 weights[live].sum(axis=1), atol=1e-5, what="row sums")
    output = np.asarray(layer(inputs, mask=mask))
    if not live.all():
        expect.equal("attn.prob_attention", "all-padding row output", 0.0, float(np.abs(output[~live]).max()))

