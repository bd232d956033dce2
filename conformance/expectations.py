"""Expected per-version behaviour: the one declarative table of known differences.

Each row says what one check observes on a range of Keras versions, and why.
Checks look their row up with ``expected(check_id)`` and compare strictly: an
outcome that changes fails, and so does an expected difference that stops
happening (the message names the row to update).  Nothing else in the suite
branches on versions.

``outcome`` is either ``"ok"`` (the code ran) or ``"ExceptionClass: regex"``,
where the regex is searched in the first line of the exception's message.
``value`` is the expected value of a fact (compared with ==) when the check
records one.
"""
from __future__ import annotations

import dataclasses
import re

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from layers import compat

KERAS2 = "<3"
KERAS212 = "<2.13"  # Keras 2.12: lr=/decay= still reach the legacy optimizer; the first .keras format
KERAS213_2 = ">=2.13,<3"
KERAS3 = ">=3"
ANY = ">=2"


@dataclasses.dataclass(frozen=True)
class Expected:
    check: str
    keras: str  # a version specifier on the Keras version, e.g. "<3"
    reason: str
    outcome: str = "ok"
    value: object = None

    def applies(self, keras_version: str) -> bool:
        return Version(keras_version) in SpecifierSet(self.keras)

    def describe(self) -> str:
        return f"conformance/expectations.py row {self.check!r} (Keras {self.keras})"


def _row(check, keras, outcome="ok", reason="", value=None):
    return Expected(check=check, keras=keras, outcome=outcome, reason=reason, value=value)


# What Keras 2.12's legacy SGD keeps of SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True).
_LEGACY_SGD = {"class": "SGD", "learning_rate": 0.01, "decay": 1e-06, "momentum": 0.9, "nesterov": True}

TABLE: tuple[Expected, ...] = (
    # --- seed 000 ----------------------------------------------------------------------------
    _row("as_written:rnn.attention_lstm.mnist_recipe", KERAS2, "InvalidArgumentError: Graph execution error",
         "per-image labels (N,) against per-step outputs (N, T, 10): the loss fails inside fit"),
    _row("as_written:rnn.attention_lstm.mnist_recipe", KERAS3, "ValueError: must have rank \\(ndim\\) `target.ndim - 1`",
         "Keras 3 checks the ranks of target and output before training"),
    # --- seed 001 ----------------------------------------------------------------------------
    _row("as_written:attn.self_attention_block", KERAS2, "TypeError: Keyword argument not understood.*units",
         "the seed passes units= on to the base Layer"),
    _row("as_written:attn.self_attention_block", KERAS3, "ValueError: Unrecognized keyword arguments.*units",
         "the seed passes units= on to the base Layer"),
    _row("as_written:attn.self_attention_seq", KERAS2, "TypeError: Keyword argument not understood.*units",
         "the Sequential holds the seed's layer, which fails at construction"),
    _row("as_written:attn.self_attention_seq", KERAS3, "ValueError: Unrecognized keyword arguments.*units",
         "the Sequential holds the seed's layer, which fails at construction"),
    _row("as_written:attn.keras_attention", KERAS2, "ValueError: Exception encountered when calling layer",
         "Keras 2 rejects a rank-2 query of width 32 against a value of width 30"),
    _row("as_written:attn.keras_attention", KERAS3, "ok", value={"attention": {"shape": (None, 30), "dtype": "float32"}, "model": {"outputs": [(None, 1)], "parameters": 6815}}, reason=
         "Keras 3 accepts rank-2 query and value of different widths (output (None, 30)): the drift "
         "this gate exists to show"),
    # --- seed 002 ----------------------------------------------------------------------------
    _row("as_written:attn.se_layer", KERAS2, "ok", value=True, reason=
         "TF 2.15 saves a subclassed Model without get_config to .keras"),
    _row("as_written:attn.se_layer", KERAS3, "NotImplementedError: Object SeedSELayer was created by passing",
         "Keras 3 needs get_config for a layer whose constructor takes arguments"),
    _row("as_written:attn.se_cnn.recipe", KERAS2, "ok", value={"epochs": 1, "metrics": ["accuracy", "loss"]}, reason="fit_generator still exists (deprecated) in Keras 2"),
    _row("as_written:attn.se_cnn.recipe", KERAS3, "AttributeError: has no attribute 'fit_generator'",
         "Keras 3 removed fit_generator"),
    # --- seed 003 ----------------------------------------------------------------------------
    _row("as_written:attn.dense_attention_block", KERAS2, "TypeError: Keyword argument not understood.*bias",
         "bias=None is the Keras 1 spelling of use_bias=False"),
    _row("as_written:attn.dense_attention_block", KERAS3, "ValueError: Unrecognized keyword arguments passed to Dense.*bias",
         "bias=None is the Keras 1 spelling of use_bias=False"),
    _row("as_written:attn.get_activations", KERAS2, "ValueError: Found unexpected instance while processing input tensors",
         "K.learning_phase() is a plain 0 in TF 2, which K.function cannot take as an input"),
    _row("as_written:attn.get_activations", KERAS3, "AttributeError: module 'keras.backend' has no attribute 'function'",
         "Keras 3 removed K.function"),
    _row("as_written:attn.prob_attention", KERAS2, "ValueError: Exception encountered when calling layer",
         "the (batch, T) mask subtracted from (batch, T, 1) scores does not broadcast"),
    _row("as_written:attn.prob_attention", KERAS3, "InvalidArgumentError: Exception encountered when calling SeedProbAttention",
         "the (batch, T) mask subtracted from (batch, T, 1) scores does not broadcast"),
    _row("as_written:attn.prob_attention_model", KERAS2, "ValueError: Exception encountered when calling layer",
         "the model holds the seed's ProbAttention (same failure)"),
    _row("as_written:attn.prob_attention_model", KERAS3, "InvalidArgumentError: Exception encountered when calling SeedProbAttention",
         "the model holds the seed's ProbAttention (same failure)"),
    # --- seed 004 ----------------------------------------------------------------------------
    _row("as_written:seq.from_list", ANY, "TypeError: got multiple values for argument 'units'",
         "Dense(32, units=784) gives units twice"),
    _row("as_written:seq.add", ANY, "ok", value={"outputs": [(None, 32)], "parameters": 25120}, reason="input_shape= on the first layer still works (deprecated in Keras 3)"),
    _row("as_written:seq.input_shape_forms[input_shape]", ANY, "ok", value={"outputs": [(None, 32)], "parameters": 25120}, reason="input_shape= still works"),
    _row("as_written:seq.input_shape_forms[input_dim]", ANY, "ok", value={"outputs": [(None, 32)], "parameters": 25120}, reason="input_dim= on Dense still works"),
    _row("as_written:seq.input_shape_forms[batch_size]", KERAS2, "ok", value={"outputs": [(32, 6, 32)], "parameters": 288}, reason="Keras 2 layers take batch_size="),
    _row("as_written:seq.input_shape_forms[batch_size]", KERAS3, "ValueError: Unrecognized keyword arguments passed to Dense.*batch_size",
         "Keras 3 layers no longer take batch_size=; keras.Input(batch_size=) does"),
    _row("as_written:seq.input_shape_forms[input_dim_and_input_length]", KERAS2, "ok", value={"outputs": [(None, 32)], "parameters": 12416}, reason=
         "Keras 2 recurrent layers take input_dim= and input_length="),
    _row("as_written:seq.input_shape_forms[input_dim_and_input_length]", KERAS3,
         "ValueError: Unrecognized keyword arguments passed to LSTM.*input_length",
         "Keras 3 recurrent layers no longer take input_length="),
    _row("as_written:seq.compile_forms", KERAS2, "ok", value={"epochs": 1, "metrics": ["accuracy", "loss", "seed_mean_pred"]}, reason="keras.backend.mean exists in Keras 2"),
    _row("as_written:seq.compile_forms", KERAS3, "AttributeError: module 'keras.backend' has no attribute 'mean'",
         "Keras 3 moved backend math to keras.ops"),
    _row("as_written:seq.mlp_softmax", KERAS212, "ok", value=_LEGACY_SGD, reason="Keras 2.12's SGD hands lr= and decay= to the legacy optimizer, which honours both"),
    _row("as_written:seq.mlp_softmax", KERAS213_2, "ValueError: decay is deprecated in the new (TF-)?Keras optimizer",
         "TF 2.13+ optimizers reject decay= (tf_keras says \"TF-Keras\"; lr= alone is silently ignored, see fact:optimizer.lr_keyword)"),
    _row("as_written:seq.mlp_softmax", KERAS3, "ValueError: Argument\\(s\\) not recognized: \\{'lr'",
         "Keras 3 rejects lr="),
    _row("as_written:seq.vgg_like", KERAS212, "ok", value=_LEGACY_SGD, reason="Keras 2.12's SGD hands lr= and decay= to the legacy optimizer, which honours both"),
    _row("as_written:seq.vgg_like", KERAS213_2, "ValueError: decay is deprecated in the new (TF-)?Keras optimizer",
         "the same SGD(lr=, decay=) as seq.mlp_softmax"),
    _row("as_written:seq.vgg_like", KERAS3, "ValueError: Argument\\(s\\) not recognized: \\{'lr'",
         "the same SGD(lr=, decay=) as seq.mlp_softmax"),
    _row("as_written:util.to_categorical", KERAS2, "ok", value={"shape": (3, 4), "dtype": "float32"}, reason="Keras 2 takes dtype="),
    _row("as_written:util.to_categorical", KERAS3, "TypeError: got an unexpected keyword argument 'dtype'",
         "Keras 3 dropped the dtype= argument"),
    _row("as_written:func.time_distributed_dense", ANY, "ok", value={"outputs": [(None, 10, 8)], "parameters": 136}, reason="input_shape= on the wrapper still works"),
    _row("as_written:func.vqa", ANY, "ok", value={"outputs": [(None, 100, 512)], "parameters": 5120000}, reason="Embedding(input_length=) is accepted (deprecated in Keras 3)"),
    _row("as_written:func.multi_io[embedding_input_length]", ANY, "ok", value={"outputs": [(None, 100, 512)], "parameters": 5120000}, reason=
         "Embedding(input_length=) is accepted (deprecated in Keras 3)"),
    _row("as_written:func.multi_io[list_loss_weights]", KERAS2, "ok", value={"epochs": 1, "metrics": ["aux_output_loss", "loss", "main_output_loss"]}, reason=
         "one loss for two outputs with a list of two loss_weights"),
    _row("as_written:func.multi_io[list_loss_weights]", KERAS3,
         "ValueError: `loss_weights` must match the number of losses, got 1 losses and 2 weights",
         "Keras 3.15 no longer broadcasts a single loss over the outputs when loss_weights is a list"),
    _row("as_written:func.layer_nodes[output_on_multi_node_layer]", ANY, "ok", value={"shape": (None, 32), "dtype": "float32"}, reason=
         "the seed says .output raises on a multi-node layer; both generations return node 0's output"),
    _row("as_written:func.layer_nodes[get_output_at]", KERAS2, "ok", value=True, reason="Keras 2 has get_output_at"),
    _row("as_written:func.layer_nodes[get_output_at]", KERAS3, "AttributeError: has no attribute 'get_output_at'",
         "Keras 3 removed get_output_at"),
    _row("as_written:func.layer_node_shapes[input_shape_after_one_call]", KERAS2, "ok", value=[None, 32, 32, 3], reason="input_shape is defined"),
    _row("as_written:func.layer_node_shapes[input_shape_after_one_call]", KERAS3,
         "AttributeError: has no attribute 'input_shape'", "Keras 3 removed Layer.input_shape"),
    _row("as_written:func.layer_node_shapes[input_shape_after_two_calls]", KERAS2,
         "AttributeError: has multiple inbound nodes, with different input shapes",
         "as the seed says: ill-defined after calls with different shapes"),
    _row("as_written:func.layer_node_shapes[input_shape_after_two_calls]", KERAS3,
         "AttributeError: has no attribute 'input_shape'", "Keras 3 removed Layer.input_shape"),
    _row("as_written:func.layer_node_shapes[get_input_shape_at]", KERAS2, "ok", value=[[None, 32, 32, 3], [None, 64, 64, 3]], reason="Keras 2 has get_input_shape_at"),
    _row("as_written:func.layer_node_shapes[get_input_shape_at]", KERAS3,
         "AttributeError: has no attribute 'get_input_shape_at'", "Keras 3 removed get_input_shape_at"),
    # --- API facts the seeds rely on ------------------------------------------------------------
    _row("keras_archive:attn.self_attention_block", KERAS212, "ValueError: Unable to synchronously create dataset",
         "Keras 2.12's first .keras writer stores the weights of a layer's sublayers (here the attention's "
         "and the feed-forward's) under colliding HDF5 names; 2.13 fixed it"),
    _row("keras_archive:attn.self_attention_block", ">=2.13", "ok", "the .keras archive round-trips"),
    _row("fact:to_categorical.dtype", KERAS2, value="float32", reason="Keras 2 returns float32"),
    _row("fact:to_categorical.dtype", KERAS3, value="float64",
         reason="Keras 3 returns float64 for NumPy input (compat.to_categorical restores float32)"),
    _row("fact:optimizer.lr_keyword", KERAS212, value=0.5, reason="Keras 2.12's SGD hands lr= and decay= to the legacy optimizer, which honours both"),
    _row("fact:optimizer.lr_keyword", KERAS213_2, value=0.01,
         reason="TF 2.13+ ignores SGD(lr=0.5) silently: the rate stays at the default 0.01"),
    _row("fact:optimizer.lr_keyword", KERAS3, "ValueError: Argument\\(s\\) not recognized: \\{'lr'",
         reason="Keras 3 rejects lr="),
    _row("fact:embedding.input_length", KERAS2, value={"shape": (None, 100, 512), "warns": False},
         reason="Keras 2 takes input_length= silently"),
    _row("fact:embedding.input_length", KERAS3, value={"shape": (None, 100, 512), "warns": True},
         reason="Keras 3 accepts input_length= with a deprecation warning"),
    _row("fact:weights.order", KERAS2, value="trainable first",
         reason="Keras 2's layer.weights lists every trainable weight of its sublayers before the "
                "non-trainable ones"),
    _row("fact:weights.order", KERAS3, value="creation order",
         reason="Keras 3's layer.weights keeps creation order (BatchNorm statistics between other "
                "weights): a get_weights() list from one generation misassigns weights in the other"),
    _row("fact:node_api.get_output_at", KERAS2, value=True, reason="Keras 2 keeps the node accessors"),
    _row("fact:node_api.get_output_at", KERAS3, value=False, reason="Keras 3 removed the node accessors"),
)


# --- saved models (conformance/test_saving.py) -------------------------------------------------
# Measured on TF 2.15 (Keras 2.15) and TF 2.21 (Keras 3.15.1) reading the golden artifacts of
# fixtures/saved/ (tf215: Keras 2.15; tf216: Keras 3.15.1, what pip resolves for TF 2.16).
_FUNCTIONAL = ("attn.dense_attention_model", "attn.keras_attention", "attn.prob_attention_model", "func.inception",
               "func.layer_node_shapes", "func.layer_nodes", "func.multi_io", "func.residual", "func.shared_lstm",
               "func.shared_vision", "rnn.attention_lstm")
_SEQUENTIAL = ("attn.self_attention_seq", "func.time_distributed_dense", "seq.conv1d_classifier", "seq.fit_binary",
               "seq.fit_categorical", "seq.lstm_classifier", "seq.mlp_binary", "seq.mlp_softmax")
_WITH_LSTM = ("attn.keras_attention", "func.layer_nodes", "func.multi_io", "func.shared_lstm", "rnn.attention_lstm",
              "seq.lstm_classifier")
_NEWER_WRITER = "TypeError: Error when deserializing class 'InputLayer' using config=\\{'batch_shape'"
_NO_FORWARD = "Keras 3 writes InputLayer(batch_shape=), which Keras 2 does not take: no forward compatibility"

_ALL_GOLDEN = tuple(sorted(_FUNCTIONAL + _SEQUENTIAL))
# Reader ranges: Keras 2.12 (its first .keras format), 2.13-2.14, 2.15 (which moved the weights of
# .keras and .weights.h5 files to Keras 3's layout) and Keras 3.
_K212, _K213, _K215, _K3 = KERAS212, ">=2.13,<2.15", ">=2.15,<3", KERAS3
_K2_ALL = (_K212, _K213, _K215)
_VARIABLES_ELSEWHERE = "ValueError: Layer '[^']+' expected \\d+ variables, but received 0 variables"
_WEIGHTS_MOVED = ("Keras 2.15 moved the weights inside .keras and .weights.h5 files to Keras 3's layout: Keras "
                  "2.12-2.14 find none of the weights that 2.15 and Keras 3 wrote")

# (check prefix, reader ranges, outcome, reason, entries): one row per entry and range.
_SAVED_MODEL_FAILURES = (
    ("load:tf215:keras", (_K212, _K3),
     "TypeError: Could not deserialize class 'Functional' because its parent module keras.src.engine.functional",
     "Keras 2.15's .keras archive names the module keras.src.engine.functional, which neither Keras 2.12 "
     "(keras.engine) nor Keras 3 has; Sequential models load on Keras 3", _FUNCTIONAL),
    ("load:tf215:keras", (_K212,), _VARIABLES_ELSEWHERE, _WEIGHTS_MOVED,
     tuple(e for e in _SEQUENTIAL if e != "attn.self_attention_seq")),
    ("load:tf215:keras", (_K212,), "ValueError: Unknown layer: 'SelfAttentionLayer'",
     "Keras 2.12 does not find the registered custom layer under the name 2.15 wrote", ("attn.self_attention_seq",)),
    ("load:tf215:keras", (_K213,), _VARIABLES_ELSEWHERE, _WEIGHTS_MOVED, _ALL_GOLDEN),
    ("load:tf215:keras", (_K3,), "TypeError: <class 'keras.src.models.sequential.Sequential'> could not be deserialized",
     "Keras 3 cannot rebuild this Keras 2 Sequential (an Embedding and an LSTM) from its .keras config",
     ("seq.lstm_classifier",)),
    ("load:tf215:h5", (_K3,), "ValueError: Unrecognized keyword arguments passed to LSTM: \\{'time_major'",
     "Keras 2 writes LSTM's time_major into the HDF5 config; Keras 3's LSTM rejects the argument", _WITH_LSTM),
    ("load:tf215:h5", (_K3,), "ValueError: Invalid Functional model configuration",
     "Keras 3 cannot rebuild from Keras 2's HDF5 config a graph that calls a nested model twice (the shared "
     "vision model)", ("func.shared_vision",)),
    ("load:tf215:weights", (_K212, _K213), _VARIABLES_ELSEWHERE, _WEIGHTS_MOVED, _ALL_GOLDEN),
    ("readback:h5", (_K3,), "TypeError: Error when deserializing class 'Attention'",
     "Keras 3's HDF5 writer stores Attention's score_mode as a function, which its own reader cannot rebuild",
     ("attn.keras_attention",)),
    ("readback:h5", (_K3,), "ValueError: Unknown layer: 'NotEqual'",
     "Keras 3's HDF5 writer records Embedding(mask_zero=True)'s mask op as a layer (NotEqual) its own reader "
     "does not know", ("attn.prob_attention_model",)),
    ("load:tf216:h5", (_K3,), "TypeError: Error when deserializing class 'Attention'",
     "Keras 3's HDF5 writer stores Attention's score_mode as a function, which its reader cannot rebuild",
     ("attn.keras_attention",)),
    ("load:tf216:h5", (_K3,), "ValueError: Unknown layer: 'NotEqual'",
     "Keras 3's HDF5 writer records Embedding(mask_zero=True)'s mask op as a layer (NotEqual) its reader does "
     "not know", ("attn.prob_attention_model",)),
    ("load:tf216:keras", _K2_ALL,
     "TypeError: Could not deserialize class 'Functional' because its parent module (tf_)?keras.src.models.functional",
     "Keras 3's .keras archive names keras.src.models.functional, which Keras 2 does not have: no forward "
     "compatibility", _FUNCTIONAL),
    ("load:tf216:keras", _K2_ALL, _NEWER_WRITER, _NO_FORWARD, _SEQUENTIAL),
    ("load:tf216:h5", _K2_ALL, _NEWER_WRITER, _NO_FORWARD, _ALL_GOLDEN),
    ("load:tf216:weights", (_K212, _K213), _VARIABLES_ELSEWHERE, _WEIGHTS_MOVED, _ALL_GOLDEN),
    ("load:tf216:weights", (_K215,), "ValueError: Layer 'value' expected 2 variables, but received 0 variables",
     "Keras 3 stores the weights of SelfAttentionLayer's sublayers by attribute path; Keras 2.15's loader looks "
     "for them by layer name", ("attn.self_attention_seq",)),
    ("save:h5", _K2_ALL, "ValueError: Unable to synchronously create dataset \\(name already exists\\)",
     "Keras 2's HDF5 writer stores the weights of SelfAttentionLayer's sublayers under colliding names",
     ("attn.self_attention_seq",)),
    ("save:keras", (_K212,), "ValueError: Unable to synchronously create dataset \\(name already exists\\)",
     "Keras 2.12's first .keras writer stores the weights of SelfAttentionLayer's sublayers under colliding "
     "names (see keras_archive:attn.self_attention_block)", ("attn.self_attention_seq",)),
)


def _saved_model_rows() -> tuple[Expected, ...]:
    """The failures above, one row per entry and range, and "ok" rows for the ranges that load."""
    rows, failing = [], {}
    for prefix, ranges, outcome, reason, entry_ids in _SAVED_MODEL_FAILURES:
        for entry_id in entry_ids:
            for keras in ranges:
                rows.append(_row(f"{prefix}:{entry_id}", keras, outcome, reason))
                failing.setdefault(f"{prefix}:{entry_id}", set()).add(keras)
    for check, ranges in failing.items():
        works = {"save": "writes", "readback": "reads back what it wrote and gives the same outputs"}.get(
            check.split(":")[0], "loads and gives the writer's outputs")
        rows += [_row(check, keras, "ok", works) for keras in (*_K2_ALL, _K3) if keras not in ranges]
    return tuple(rows)


TABLE = TABLE + _saved_model_rows()


APPLIED: list[Expected] = []
"""Rows looked up for the running Keras, in order; the report plugin reads and clears it per test."""


# Mixed bfloat16 on Keras 2.12: LSTM raises TypeError when called under the policy (measured on
# TF 2.12.1, every model holding an LSTM); fixed in 2.13.
_LSTM_MODELS = ("attn.keras_attention", "func.layer_nodes", "func.multi_io", "func.shared_lstm", "func.video_qa",
                "func.vqa", "rnn.attention_lstm", "seq.lstm_classifier")
TABLE = TABLE + tuple(
    row for entry_id in _LSTM_MODELS
    for row in (_row(f"parity:{entry_id}:cpu_mixed_bfloat16", KERAS212,
                     "TypeError: Exception encountered when calling layer",
                     "Keras 2.12's LSTM cannot run under the mixed_bfloat16 policy"),
                _row(f"parity:{entry_id}:cpu_mixed_bfloat16", ">=2.13", "ok", "LSTM runs under mixed_bfloat16")))


def expected(check: str, keras_version: str | None = None) -> Expected | None:
    """The table's row for ``check`` on this (or the given) Keras version."""
    running = keras_version is None
    keras_version = keras_version or compat.KERAS_VERSION
    rows = [row for row in TABLE if row.check == check and row.applies(keras_version)]
    if len(rows) > 1:
        raise LookupError(f"overlapping rows for {check!r} on Keras {keras_version}: {rows}")
    if rows and running:
        APPLIED.append(rows[0])
    return rows[0] if rows else None


def varies(check: str) -> bool:
    """Whether the table records different behaviour for ``check`` on different versions."""
    return len({(row.outcome, repr(row.value)) for row in TABLE if row.check == check}) > 1


def outcome_of(fn) -> tuple[str, object]:
    """Run ``fn``; returns ("ok", its value) or ("ExceptionClass: first line of message", None)."""
    try:
        return "ok", fn()
    except Exception as error:  # the outcome of any failure is the fact being recorded
        lines = str(error).strip().splitlines()
        # Object addresses ("<function dot at 0x7f...>") differ from process to process: dropped,
        # so a recorded outcome is the same in every run (the selftest's stability check).
        first = re.sub(r" at 0x[0-9a-fA-F]+", "", lines[0]) if lines else ""
        return f"{type(error).__name__}: {first}", None


def outcome_matches(expected_outcome: str, observed: str) -> bool:
    if expected_outcome == "ok" or observed == "ok":
        return expected_outcome == observed
    want_class, _, pattern = expected_outcome.partition(": ")
    got_class, _, first_line = observed.partition(": ")
    return want_class == got_class and re.search(pattern, first_line) is not None


def check_ids() -> set[str]:
    return {row.check for row in TABLE}
