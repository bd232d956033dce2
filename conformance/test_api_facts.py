"""API facts the seeds rely on, pinned per version (expected values live in expectations.py)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from keras_upgrade_gate.conformance import expect
from keras_upgrade_gate.conformance.expectations import outcome_of
from keras_upgrade_gate.conformance.test_as_written import assert_outcome
from keras_upgrade_gate.layers import catalog, compat
from keras_upgrade_gate.layers.seed001 import rank2_attention_mixes_batch
from keras_upgrade_gate.layers.seed004_functional import MULTI_IO_SMALL, _multi_io_compile, _multi_io_data, multi_io

keras = compat.keras
pytestmark = pytest.mark.as_written


@pytest.mark.snippet("util.to_categorical")
def test_to_categorical_columns_and_dtype(record_property):
    labels = np.array([[0], [3], [1]])
    raw = keras.utils.to_categorical(labels)
    expect.equal("util.to_categorical", "columns = max(y) + 1", (3, 4), raw.shape)
    expect.equal("util.to_categorical", "one-hot rows", [0, 3, 1], raw.argmax(axis=1).tolist())
    assert_outcome("util.to_categorical", "fact:to_categorical.dtype", "ok", str(raw.dtype), record_property)
    canonical = compat.to_categorical(labels)
    expect.equal("util.to_categorical", "canonical dtype", "float32", str(canonical.dtype))
    expect.equal("util.to_categorical", "canonical num_classes", (3, 10), compat.to_categorical(labels, 10).shape)


@pytest.mark.snippet("seq.mlp_softmax")
def test_optimizer_learning_rate_given_as_lr(record_property):
    observed, optimizer = outcome_of(lambda: keras.optimizers.SGD(lr=0.5))
    value = round(compat.effective_learning_rate(optimizer), 6) if optimizer is not None else None
    assert_outcome("seq.mlp_softmax", "fact:optimizer.lr_keyword", observed, value, record_property)


@pytest.mark.snippet("seq.mlp_softmax")
def test_decay_schedule_reproduces_keras1_decay():
    optimizer = compat.sgd_with_decay(learning_rate=0.01, decay=1e-6, momentum=0.9, nesterov=True)
    expect.close("seq.mlp_softmax", "learning rate at step 0", 0.01, compat.effective_learning_rate(optimizer),
                 atol=1e-9)
    for step in (1, 1000, 10 ** 6):  # Keras 1: lr / (1 + decay * iterations)
        expect.close("seq.mlp_softmax", f"learning rate at step {step}", 0.01 / (1 + 1e-6 * step),
                     compat.learning_rate_at(optimizer, step), atol=1e-9, rtol=1e-6)


@pytest.mark.snippet("func.multi_io")
def test_embedding_input_length(record_property):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tokens = keras.Input(shape=(100,), dtype="int32")
        observed, embedded = outcome_of(lambda: keras.layers.Embedding(10000, 512, input_length=100)(tokens))
    warns = any("input_length" in str(w.message) for w in caught)
    value = None if embedded is None else {"shape": compat.shape_of(embedded), "warns": warns}
    assert_outcome("func.multi_io", "fact:embedding.input_length", observed, value, record_property)


@pytest.mark.snippet("func.time_distributed_model")
def test_time_distributed_over_a_model_and_over_a_layer():
    model = catalog.build("func.time_distributed_model")
    expect.equal("func.time_distributed_model", "TimeDistributed(model) shape", (None, 20, 10),
                 compat.shape_of(model.outputs[0]))
    sequential = catalog.build("func.time_distributed_dense")
    batch = np.random.default_rng(0).random((32, 10, 16)).astype("float32")
    expect.equal("func.time_distributed_dense", "TimeDistributed(Dense(8)) on (32, 10, 16)", (32, 10, 8),
                 tuple(np.asarray(sequential(batch)).shape))


@pytest.mark.snippet("func.time_distributed_model")
def test_time_distributed_applies_the_same_function_to_every_step():
    model = catalog.build("func.time_distributed_model")
    inner = model.layers[-1].layer
    steps = np.random.default_rng(1).random((2, 20, 784)).astype("float32")
    together = np.asarray(model(steps))
    for t in (0, 7, 19):
        expect.close("func.time_distributed_model", f"step {t} equals the inner model on that step",
                     np.asarray(inner(steps[:, t])), together[:, t], atol=1e-6)


@pytest.mark.snippet("func.multi_io")
def test_multi_io_loss_weights_and_names(record_property):
    model = multi_io(MULTI_IO_SMALL)
    model.compile(**_multi_io_compile())
    data = _multi_io_data(small=True, scale=0.1)
    expect.equal("func.multi_io", "input names", ["main_input", "aux_input"], [t.name.split(":")[0] for t in model.inputs])
    expect.equal("func.multi_io", "output layer names", ["main_output", "aux_output"], list(model.output_names))
    # One batch: the generations average 'loss' and the per-output losses over batches differently.
    observed, result = outcome_of(lambda: model.evaluate(data["x"], data["y"], batch_size=len(data["y"]["main_output"]),
                                                         verbose=0, return_dict=True))
    reported = None
    if result is not None:
        reported = "per-output losses" if "main_output_loss" in result else "the total loss only"
    assert_outcome("func.multi_io", "fact:multi_io.evaluate_losses", observed, reported, record_property)
    if reported == "per-output losses":
        weighted = result["main_output_loss"] + 0.2 * result["aux_output_loss"]
        expect.close("func.multi_io", "total loss = main + 0.2 * aux", weighted, result["loss"], atol=1e-5, rtol=1e-5)


@pytest.mark.snippet("attn.keras_attention")
def test_rank2_attention_mixes_samples_across_the_batch(record_property):
    """Rank-2 query/value make the scores (batch, batch): one sample's output depends on another's
    (Keras 2, Keras 3.15); Keras 3.0-3.14 build the graph but cannot run it on arrays."""
    observed, change = outcome_of(rank2_attention_mixes_batch)
    mixes = None if change is None else ("mixes samples" if change > 1e-3 else "samples independent")
    assert_outcome("attn.keras_attention", "fact:attention.rank2_eager", observed, mixes, record_property)


@pytest.mark.snippet("func.layer_nodes")
def test_native_node_accessors(record_property):
    layer = keras.layers.Dense(2)
    assert_outcome("func.layer_nodes", "fact:node_api.get_output_at", "ok",
                   compat.native_node_api(layer)["get_output_at"], record_property)


@pytest.mark.snippet("attn.se_layer")
def test_weight_order_of_a_layer_with_sublayers(record_property):
    """SELayer holds Dense and BatchNormalization sublayers: where do the moving statistics go?"""
    layer = catalog.build("attn.se_layer", small=True)
    trainable_first = [id(w) for w in layer.trainable_weights] + [id(w) for w in layer.non_trainable_weights]
    order = "trainable first" if [id(w) for w in layer.weights] == trainable_first else "creation order"
    assert_outcome("attn.se_layer", "fact:weights.order", "ok", order, record_property)


@pytest.mark.snippet("seq.compile_forms")
def test_default_learning_rates_the_seeds_rely_on(record_property):
    """The seeds compile with optimizer names ('sgd', 'rmsprop', 'adam'): every recipe and threshold
    assumes these defaults."""
    rates = {name: round(compat.effective_learning_rate(compat.keras.optimizers.get(name)), 7)
             for name in ("sgd", "rmsprop", "adam")}
    record_property("default_learning_rates", rates)
    expect.equal("seq.compile_forms", "default learning rates of optimizers named by string",
                 {"sgd": 0.01, "rmsprop": 0.001, "adam": 0.001}, rates)


@pytest.mark.snippet("attn.self_attention_block")
def test_loading_a_keras_archive_leaves_the_files_beside_it(tmp_path, record_property):
    """A team keeps a model's .keras archive and its weights-only file side by side: loading the archive
    must not touch the other file (Keras 3.4 extracts its own model.weights.h5 there, then deletes it)."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.save(str(tmp_path / "model.keras"))
    model.save_weights(str(tmp_path / "model.weights.h5"))
    keras.models.load_model(str(tmp_path / "model.keras"))
    kept = "kept" if (tmp_path / "model.weights.h5").exists() else "deleted"
    assert_outcome("attn.self_attention_block", "fact:load_model.files_beside_the_archive", "ok", kept, record_property)


@pytest.mark.snippet("func.multi_io")
def test_a_dict_of_inputs_reaches_the_inputs_of_those_names(record_property):
    """The seeds feed multi-input models dicts keyed by input name; with two inputs of one shape a
    wrong mapping is silent (Keras 3.4-3.6 matches the dict's sorted keys to the inputs' order)."""
    first, second = keras.Input((2,), name="b_first"), keras.Input((2,), name="a_second")
    model = keras.Model([first, second], keras.layers.Subtract()([first, second]))
    ones, zeros = np.ones((1, 2), "float32"), np.zeros((1, 2), "float32")
    by_dict = np.asarray(model({"b_first": ones, "a_second": zeros}))
    by_list = np.asarray(model([ones, zeros]))
    mapping = "by name" if np.array_equal(by_dict, by_list) else "by sorted key"
    assert_outcome("func.multi_io", "fact:functional.dict_inputs", "ok", mapping, record_property)


def _rate_of_tenth_step(optimizer) -> float:
    """The rate SGD applied at its tenth step on a weight whose gradient is always 1 (no momentum)."""
    weight = compat.variable(np.zeros(1, "float32"))
    values = []
    for _ in range(10):
        optimizer.apply_gradients([(compat.keras.ops.ones(1) if compat.IS_KERAS3 else np.ones(1, "float32"), weight)])
        values.append(float(np.asarray(weight)[0]))
    return round(values[-2] - values[-1], 6)  # float32 weights: six decimals tell 0.01 from 0.01 / 1.9


@pytest.mark.snippet("seq.mlp_softmax")
def test_optimizer_decay_keyword(record_property):
    """seq.mlp_softmax's SGD(decay=1e-6): what each version does with decay= alone (SGD_CHANGE cites it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        observed, rate = outcome_of(lambda: _rate_of_tenth_step(keras.optimizers.SGD(learning_rate=0.01, decay=0.1)))
    assert_outcome("seq.mlp_softmax", "fact:optimizer.decay_keyword", observed, rate, record_property)
