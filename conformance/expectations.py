"""Expected per-version behaviour: the one declarative table of known differences.

Each row says what one check observes on a range of Keras versions, and why.
Checks look their row up with ``expected(check_id)`` and compare strictly: an
outcome that changes fails, and so does an expected difference that stops
happening (the message names the row to update).  Nothing else in the suite
branches on versions.

``outcome`` is either ``"ok"`` (the code ran) or ``"ExceptionClass: regex"``,
where the regex is searched in the whole message: Keras wraps the cause in lines such as
"Exception encountered when calling layer" or "Graph execution error", so a pattern names the
cause further down, never the wrapper (tests/file-only: every pattern is proved specific against
the messages of the other rows, fixtures/measurements/error-outcomes.json).
``cause`` names, for an error row, the identifiers the message must carry whatever its wording
(class, argument, module, shape): the same exception with the same cause in new words is judged
"reworded", drift the report shows, not a regression (see ``judge``).
``value`` is the expected value of a fact (compared with ==) when the check records one.
"""
from __future__ import annotations

import dataclasses
import re

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from keras_upgrade_gate.conformance import coverage
from keras_upgrade_gate.layers import catalog, compat

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
    cause: tuple[str, ...] = ()
    source: str = "conformance/expectations.py"  # where the row is written (a team's expected.toml)

    def applies(self, keras_version: str) -> bool:
        return Version(keras_version) in SpecifierSet(self.keras)

    def describe(self) -> str:
        return f"{self.source} row {self.check!r} (Keras {self.keras})"


def _row(check, keras, outcome="ok", reason="", value=None, cause=()):
    return Expected(check=check, keras=keras, outcome=outcome, reason=reason, value=value, cause=tuple(cause))


_LR_REJECTED = "ValueError: Argument\\(s\\) not recognized: \\{'lr'"
_LR_REJECTED_CAUSE = ("'lr'",)
_DECAY_REJECTED = "ValueError: decay is deprecated in the new (TF-)?Keras optimizer"
_DECAY_REJECTED_CAUSE = ("decay", "legacy")
# What Keras 2.12's legacy SGD keeps of SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True).
_LEGACY_SGD = {"class": "SGD", "learning_rate": 0.01, "decay": 1e-06, "momentum": 0.9, "nesterov": True}

# seed 003's ProbAttention subtracts the (batch, T) mask from the (batch, T, 1) scores.  Keras 2 builds the
# graph with an unknown batch, where that broadcasts to (batch, T, T) weights, which then do not multiply
# the (batch, T, 8) inputs; Keras 3 runs it eagerly on a batch of 2, where the subtraction itself fails.
_PROB_ATTENTION_K2 = ("ValueError: Dimensions must be equal, but are 8 and 12 for .*Mul.* with input shapes: "
                      "\\[\\?,12,8\\], \\[\\?,12,12\\]")
_PROB_ATTENTION_K2_WHY = ("the (batch, T) mask subtracted from (batch, T, 1) scores broadcasts to (batch, T, T) "
                          "weights, which do not multiply the (batch, T, 8) inputs")
_PROB_ATTENTION_K2_CAUSE = ("SeedProbAttention", "[?,12,8], [?,12,12]")
_PROB_ATTENTION_K3 = "InvalidArgumentError: Incompatible shapes: \\[2,12,1\\] vs. \\[2,12\\] \\[Op:Sub\\]"
_PROB_ATTENTION_K3_WHY = "the (batch, T) mask subtracted from (batch, T, 1) scores does not broadcast"
_PROB_ATTENTION_K3_CAUSE = ("SeedProbAttention", "[2,12,1]", "[2,12]")

# Keras 3.3-3.9 name the module of a missing backend attribute keras.api.backend, 3.0-3.2 and 3.10+
# keras.backend (measured on every minor): the rows say which, so the upgrade diff shows the change.
_API_BACKEND = ">=3.3,<3.10"
# Keras 3.0-3.3's Functional and Sequential do not infer an output shape (3.4 does: measured on every minor).
_NO_OUTPUT_SHAPE = "NotImplementedError: .*Layer {} should implement `def compute_output_shape\\(self, input_shape\\)`"


def _backend_attribute_rows(check: str, attribute: str, reason: str) -> tuple[Expected, ...]:
    return tuple(
        _row(check, keras, f"AttributeError: module '{module}' has no attribute '{attribute}'", reason + why,
             cause=(module, f"'{attribute}'"))
        for keras, module, why in (
            (">=3,<3.3", "keras.backend", ""),
            (_API_BACKEND, "keras.api.backend", " (Keras 3.3-3.9 name the module keras.api.backend)"),
            (">=3.10", "keras.backend", "")))


TABLE: tuple[Expected, ...] = (
    # --- seed 000 ----------------------------------------------------------------------------
    _row("as_written:rnn.attention_lstm.mnist_recipe", KERAS2,
         "InvalidArgumentError: Incompatible shapes: (\\[256\\] vs\\. \\[32\\]|\\[32\\] vs\\. \\[32,8\\])",
         "per-image labels (N,) against per-step outputs (N, T, 10): the loss fails inside fit, reported by "
         "whichever op TensorFlow runs first: the loss's gradient (256 = 32 images x 8 steps against 32 labels) "
         "or the accuracy's Equal (32 labels against 32 x 8 predictions); both seen on TF 2.15",
         cause=("Incompatible shapes", "[32]")),
    _row("as_written:rnn.attention_lstm.mnist_recipe", KERAS3, "ValueError: must have rank \\(ndim\\) `target.ndim - 1`",
         "Keras 3 checks the ranks of target and output before training",
         cause=("target.shape=(None,)", "output.shape=(None, 8, 10)")),
    # --- seed 001 ----------------------------------------------------------------------------
    _row("as_written:attn.self_attention_block", KERAS2, "TypeError: Keyword argument not understood.*'units'",
         "the seed passes units= on to the base Layer", cause=("Keyword argument", "'units'")),
    _row("as_written:attn.self_attention_block", KERAS3,
         "ValueError: Unrecognized keyword arguments passed to SeedSelfAttentionLayer: \\{'units'",
         "the seed passes units= on to the base Layer", cause=("SeedSelfAttentionLayer", "'units'")),
    _row("as_written:attn.self_attention_seq", KERAS2, "TypeError: Keyword argument not understood.*'units'",
         "the Sequential holds the seed's layer, which fails at construction", cause=("Keyword argument", "'units'")),
    _row("as_written:attn.self_attention_seq", KERAS3,
         "ValueError: Unrecognized keyword arguments passed to SeedSelfAttentionLayer: \\{'units'",
         "the Sequential holds the seed's layer, which fails at construction",
         cause=("SeedSelfAttentionLayer", "'units'")),
    _row("as_written:attn.keras_attention", KERAS2,
         "ValueError: Dimensions must be equal, but are 32 and 30 for '\\{\\{node attention/MatMul\\}\\}",
         "Keras 2 rejects a rank-2 query of width 32 against a value of width 30",
         cause=("attention/MatMul", "[?,32], [?,30]")),
    _row("as_written:attn.keras_attention", ">=3,<3.1", "ok", value={"attention": {"shape": (None, 32), "dtype": "float32"}, "model": {"outputs": [(None, 1)], "parameters": 6817}}, reason=
         "Keras 3.0 accepts rank-2 query and value of different widths and gives the query's width (None, 32); 3.1 the value's"),
    _row("as_written:attn.keras_attention", ">=3.1", "ok", value={"attention": {"shape": (None, 30), "dtype": "float32"}, "model": {"outputs": [(None, 1)], "parameters": 6815}}, reason=
         "Keras 3 accepts rank-2 query and value of different widths (output (None, 30)): the drift "
         "this gate exists to show"),
    # --- seed 002 ----------------------------------------------------------------------------
    _row("as_written:attn.se_layer", KERAS2, "ok", value=True, reason=
         "TF 2.15 saves a subclassed Model without get_config to .keras"),
    _row("as_written:attn.se_layer", ">=3,<3.12", "ok", value=True, reason=
         "Keras 3.0-3.11 save a layer without get_config to .keras (with a warning)"),
    _row("as_written:attn.se_layer", ">=3.12",
         "NotImplementedError: Object SeedSELayer was created by passing\\s+non-serializable argument values",
         "since Keras 3.12 a layer whose constructor takes arguments needs get_config to be saved",
         cause=("SeedSELayer", "get_config()")),
    _row("as_written:attn.se_cnn.recipe", KERAS2, "ok", value={"epochs": 1, "metrics": ["accuracy", "loss"]}, reason="fit_generator still exists (deprecated) in Keras 2"),
    _row("as_written:attn.se_cnn.recipe", KERAS3, "AttributeError: 'Sequential' object has no attribute 'fit_generator'",
         "Keras 3 removed fit_generator", cause=("Sequential", "'fit_generator'")),
    # --- seed 003 ----------------------------------------------------------------------------
    _row("as_written:attn.dense_attention_block", KERAS2, "TypeError: Keyword argument not understood.*'bias'",
         "bias=None is the Keras 1 spelling of use_bias=False", cause=("Keyword argument", "'bias'")),
    _row("as_written:attn.dense_attention_block", KERAS3,
         "ValueError: Unrecognized keyword arguments passed to Dense: \\{'bias': None\\}",
         "bias=None is the Keras 1 spelling of use_bias=False", cause=("Dense", "'bias'")),
    _row("as_written:attn.get_activations", KERAS2,
         "ValueError: Found unexpected instance while processing input tensors for keras functional model.*Got: 0",
         "K.learning_phase() is a plain 0 in TF 2, which K.function cannot take as an input",
         cause=("KerasTensor", "Got: 0")),
    *_backend_attribute_rows("as_written:attn.get_activations", "function", "Keras 3 removed K.function"),
    _row("as_written:attn.prob_attention", KERAS2, _PROB_ATTENTION_K2, _PROB_ATTENTION_K2_WHY, cause=_PROB_ATTENTION_K2_CAUSE),
    _row("as_written:attn.prob_attention", KERAS3, _PROB_ATTENTION_K3, _PROB_ATTENTION_K3_WHY, cause=_PROB_ATTENTION_K3_CAUSE),
    _row("as_written:attn.prob_attention_model", KERAS2, _PROB_ATTENTION_K2,
         "the model holds the seed's ProbAttention (same failure)", cause=_PROB_ATTENTION_K2_CAUSE),
    _row("as_written:attn.prob_attention_model", KERAS3, _PROB_ATTENTION_K3,
         "the model holds the seed's ProbAttention (same failure)", cause=_PROB_ATTENTION_K3_CAUSE),
    # --- seed 004 ----------------------------------------------------------------------------
    _row("as_written:seq.from_list", ANY, "TypeError: Dense.__init__\\(\\) got multiple values for argument 'units'",
         "Dense(32, units=784) gives units twice", cause=("Dense.__init__()", "'units'")),
    _row("as_written:seq.add", ANY, "ok", value={"outputs": [(None, 32)], "parameters": 25120}, reason="input_shape= on the first layer still works (deprecated in Keras 3)"),
    _row("as_written:seq.input_shape_forms[input_shape]", ANY, "ok", value={"outputs": [(None, 32)], "parameters": 25120}, reason="input_shape= still works"),
    _row("as_written:seq.input_shape_forms[input_dim]", ANY, "ok", value={"outputs": [(None, 32)], "parameters": 25120}, reason="input_dim= on Dense still works"),
    _row("as_written:seq.input_shape_forms[batch_size]", KERAS2, "ok", value={"outputs": [(32, 6, 32)], "parameters": 288}, reason="Keras 2 layers take batch_size="),
    _row("as_written:seq.input_shape_forms[batch_size]", KERAS3,
         "ValueError: Unrecognized keyword arguments passed to Dense: \\{'batch_size'",
         "Keras 3 layers no longer take batch_size=; keras.Input(batch_size=) does", cause=("Dense", "'batch_size'")),
    _row("as_written:seq.input_shape_forms[input_dim_and_input_length]", KERAS2, "ok", value={"outputs": [(None, 32)], "parameters": 12416}, reason=
         "Keras 2 recurrent layers take input_dim= and input_length="),
    _row("as_written:seq.input_shape_forms[input_dim_and_input_length]", KERAS3,
         "ValueError: Unrecognized keyword arguments passed to LSTM: \\{'input_length'",
         "Keras 3 recurrent layers no longer take input_length=", cause=("LSTM", "'input_length'")),
    _row("as_written:seq.compile_forms", KERAS2, "ok", value={"epochs": 1, "metrics": ["accuracy", "loss", "seed_mean_pred"]}, reason="keras.backend.mean exists in Keras 2"),
    *_backend_attribute_rows("as_written:seq.compile_forms", "mean", "Keras 3 moved backend math to keras.ops"),
    _row("as_written:seq.mlp_softmax", KERAS212, "ok", value=_LEGACY_SGD, reason="Keras 2.12's SGD hands lr= and decay= to the legacy optimizer, which honours both"),
    _row("as_written:seq.mlp_softmax", KERAS213_2, _DECAY_REJECTED,
         "TF 2.13+ optimizers reject decay= (tf_keras says \"TF-Keras\"; lr= alone is silently ignored, see "
         "fact:optimizer.lr_keyword)", cause=_DECAY_REJECTED_CAUSE),
    _row("as_written:seq.mlp_softmax", KERAS3, _LR_REJECTED, "Keras 3 rejects lr=", cause=_LR_REJECTED_CAUSE),
    _row("as_written:seq.vgg_like", KERAS212, "ok", value=_LEGACY_SGD, reason="Keras 2.12's SGD hands lr= and decay= to the legacy optimizer, which honours both"),
    _row("as_written:seq.vgg_like", KERAS213_2, _DECAY_REJECTED, "the same SGD(lr=, decay=) as seq.mlp_softmax",
         cause=_DECAY_REJECTED_CAUSE),
    _row("as_written:seq.vgg_like", KERAS3, _LR_REJECTED, "the same SGD(lr=, decay=) as seq.mlp_softmax",
         cause=_LR_REJECTED_CAUSE),
    _row("as_written:util.to_categorical", KERAS2, "ok", value={"shape": (3, 4), "dtype": "float32"}, reason="Keras 2 takes dtype="),
    _row("as_written:util.to_categorical", KERAS3, "TypeError: to_categorical\\(\\) got an unexpected keyword argument 'dtype'",
         "Keras 3 dropped the dtype= argument", cause=("to_categorical()", "'dtype'")),
    _row("as_written:func.time_distributed_dense", ANY, "ok", value={"outputs": [(None, 10, 8)], "parameters": 136}, reason="input_shape= on the wrapper still works"),
    _row("as_written:func.vqa", ">=3,<3.2", "ValueError: Unrecognized keyword arguments passed to Embedding: \\{'input_length': 100\\}", "Keras 3.0-3.1 reject Embedding(input_length=) (3.2 accepts it again, deprecated)", cause=("Embedding", "'input_length'")),
    _row("as_written:func.multi_io[embedding_input_length]", ">=3,<3.2", "ValueError: Unrecognized keyword arguments passed to Embedding: \\{'input_length': 100\\}", "Keras 3.0-3.1 reject Embedding(input_length=) (3.2 accepts it again, deprecated)", cause=("Embedding", "'input_length'")),
    *(_row(check, keras, "ok", value={"outputs": [(None, 100, 512)], "parameters": 5120000},
           reason="Embedding(input_length=) is accepted (deprecated in Keras 3.2+)")
      for check in ("as_written:func.vqa", "as_written:func.multi_io[embedding_input_length]")
      for keras in (KERAS2, ">=3.2")),
    _row("as_written:func.multi_io[list_loss_weights]", KERAS2, "ok", value={"epochs": 1, "metrics": ["aux_output_loss", "loss", "main_output_loss"]}, reason=
         "one loss for two outputs with a list of two loss_weights"),
    _row("as_written:func.multi_io[list_loss_weights]", ">=3,<3.5", "ok", value={"epochs": 1, "metrics": ["loss"]},
         reason="Keras 3.0-3.4 train on one summed loss and log no per-output losses"),
    _row("as_written:func.multi_io[list_loss_weights]", ">=3.5,<3.7", "ok",
         value={"epochs": 1, "metrics": ["aux_output_loss", "loss", "main_output_loss"]},
         reason="Keras 3.5-3.6 broadcast the single loss over both outputs and log each, as Keras 2 does"),
    _row("as_written:func.multi_io[list_loss_weights]", ">=3.7",
         "ValueError: `loss_weights` must match the number of losses, got 1 losses and 2 weights",
         "since Keras 3.7 a single loss is no longer broadcast over the outputs when loss_weights is a list",
         cause=("loss_weights", "1 losses", "2 weights")),
    _row("as_written:func.layer_nodes[output_on_multi_node_layer]", ANY, "ok", value={"shape": (None, 32), "dtype": "float32"}, reason=
         "the seed says .output raises on a multi-node layer; both generations return node 0's output"),
    _row("as_written:func.layer_nodes[get_output_at]", KERAS2, "ok", value=True, reason="Keras 2 has get_output_at"),
    _row("as_written:func.layer_nodes[get_output_at]", KERAS3, "AttributeError: 'LSTM' object has no attribute 'get_output_at'",
         "Keras 3 removed get_output_at", cause=("LSTM", "'get_output_at'")),
    _row("as_written:func.layer_node_shapes[input_shape_after_one_call]", KERAS2, "ok", value=[None, 32, 32, 3], reason="input_shape is defined"),
    _row("as_written:func.layer_node_shapes[input_shape_after_one_call]", KERAS3,
         "AttributeError: 'Conv2D' object has no attribute 'input_shape'", "Keras 3 removed Layer.input_shape",
         cause=("Conv2D", "'input_shape'")),
    _row("as_written:func.layer_node_shapes[input_shape_after_two_calls]", KERAS2,
         "AttributeError: The layer \"conv2d\" has multiple inbound nodes, with different input shapes",
         "as the seed says: ill-defined after calls with different shapes", cause=("conv2d", "get_input_shape_at")),
    _row("as_written:func.layer_node_shapes[input_shape_after_two_calls]", KERAS3,
         "AttributeError: 'Conv2D' object has no attribute 'input_shape'", "Keras 3 removed Layer.input_shape",
         cause=("Conv2D", "'input_shape'")),
    _row("as_written:func.layer_node_shapes[get_input_shape_at]", KERAS2, "ok", value=[[None, 32, 32, 3], [None, 64, 64, 3]], reason="Keras 2 has get_input_shape_at"),
    _row("as_written:func.layer_node_shapes[get_input_shape_at]", KERAS3,
         "AttributeError: 'Conv2D' object has no attribute 'get_input_shape_at'", "Keras 3 removed get_input_shape_at",
         cause=("Conv2D", "'get_input_shape_at'")),
    # --- API facts the seeds rely on ------------------------------------------------------------
    _row("keras_archive:attn.self_attention_block", KERAS212,
         "ValueError: Unable to synchronously create dataset \\(name already exists\\)", cause=("name already exists",),
         reason=
         "Keras 2.12's first .keras writer stores the weights of a layer's sublayers (here the attention's "
         "and the feed-forward's) under colliding HDF5 names; 2.13 fixed it"),
    _row("keras_archive:attn.self_attention_block", ">=2.13", "ok", "the .keras archive round-trips"),
    _row("fact:to_categorical.dtype", KERAS2, value="float32", reason="Keras 2 returns float32"),
    _row("fact:to_categorical.dtype", KERAS3, value="float64",
         reason="Keras 3 returns float64 for NumPy input (compat.to_categorical restores float32)"),
    _row("fact:fit.reshuffles_each_epoch", KERAS2, value="a new order each epoch",
         reason="Keras 2's data handler shuffles one dataset repeated over the epochs: each epoch draws anew"),
    _row("fact:fit.reshuffles_each_epoch", KERAS3, value="the same order every epoch",
         reason="Keras 3's array adapter builds its permutation in a dataset that every epoch iterates afresh: "
                "under a global seed (keras.utils.set_random_seed) each epoch draws the same permutation "
                "(measured on 3.0-3.15)"),
    # SGD(learning_rate=0.01, decay=0.1): the rate of its tenth step (Keras 1's lr / (1 + decay * 9) where honoured).
    _row("fact:optimizer.decay_keyword", KERAS212, value=round(0.01 / 1.9, 6),
         reason="Keras 2.12's SGD hands decay= to the legacy optimizer, which honours it"),
    _row("fact:optimizer.decay_keyword", KERAS213_2, _DECAY_REJECTED, reason="TF 2.13+ optimizers reject decay=",
         cause=_DECAY_REJECTED_CAUSE),
    _row("fact:optimizer.decay_keyword", KERAS3, value=0.01,
         reason="Keras 3 accepts decay= with a warning and ignores it: the rate stays 0.01 (measured on 3.0-3.15)"),
    _row("fact:optimizer.lr_keyword", KERAS212, value=0.5, reason="Keras 2.12's SGD hands lr= and decay= to the legacy optimizer, which honours both"),
    _row("fact:optimizer.lr_keyword", KERAS213_2, value=0.01,
         reason="TF 2.13+ ignores SGD(lr=0.5) silently: the rate stays at the default 0.01"),
    _row("fact:optimizer.lr_keyword", KERAS3, _LR_REJECTED, reason="Keras 3 rejects lr=", cause=_LR_REJECTED_CAUSE),
    _row("fact:embedding.input_length", KERAS2, value={"shape": (None, 100, 512), "warns": False},
         reason="Keras 2 takes input_length= silently"),
    _row("fact:embedding.input_length", ">=3,<3.2", "ValueError: Unrecognized keyword arguments passed to Embedding: \\{'input_length': 100\\}", reason="Keras 3.0-3.1 reject input_length=", cause=("Embedding", "'input_length'")),
    _row("fact:embedding.input_length", ">=3.2", value={"shape": (None, 100, 512), "warns": True},
         reason="Keras 3 accepts input_length= with a deprecation warning"),
    _row("fact:weights.order", KERAS2, value="trainable first",
         reason="Keras 2's layer.weights lists every trainable weight of its sublayers before the "
                "non-trainable ones"),
    _row("fact:weights.order", KERAS3, value="creation order",
         reason="Keras 3's layer.weights keeps creation order (BatchNorm statistics between other "
                "weights): a get_weights() list from one generation misassigns weights in the other"),
    _row("oracle:BatchNormalization.moving_variance", KERAS2, value="unbiased", reason=
         "Keras 2's BatchNormalization (TensorFlow's fused kernel, its default for 4-D inputs) moves the moving "
         "variance towards the unbiased batch variance, n/(n-1) times the one it normalizes with (found by the "
         "NumPy reference: 145x float32's bound off the biased form on TF 2.15)"),
    _row("oracle:BatchNormalization.moving_variance", KERAS3, value="biased", reason=
         "Keras 3 moves the moving variance towards the biased batch variance it normalizes with"),
    _row("oracle:binary_crossentropy.epsilon", KERAS2, value="inside the log", reason=
         "Keras 2's TensorFlow backend clips the probabilities and then takes log(p + 1e-7) and "
         "log(1 - p + 1e-7) (found by the NumPy reference: 2.5e-7 relative off the clipped-only form, "
         "about 4x float32's bound, on TF 2.15)"),
    _row("oracle:binary_crossentropy.epsilon", KERAS3, value="clipped only", reason=
         "Keras 3 clips the probabilities to [1e-7, 1 - 1e-7] and takes log(p), log(1 - p)"),
    _row("oracle:binary_accuracy.reduction", "<3.4", value="mean over the last axis", reason=
         "Keras 2's and Keras 3.0-3.3's keras.metrics.binary_accuracy return each example's fraction of hits "
         "(measured on every Keras 3 minor of the matrix)"),
    _row("oracle:binary_accuracy.reduction", ">=3.4", value="per element", reason=
         "Keras 3.4+'s keras.metrics.binary_accuracy returns every element's hit (0 or 1) and leaves the mean to "
         "the BinaryAccuracy object (found by the NumPy reference: shape (batch, classes), Keras 2's (batch,)); "
         "the metric objects agree"),
    _row("fact:history.per_output_losses", KERAS2, value="recorded", reason=
         "a multi-output model's History holds each output's loss (<output>_loss) beside the total"),
    _row("fact:history.per_output_losses", ">=3,<3.5", value="not recorded", reason=
         "Keras 3.0-3.4's History holds the total loss and the metrics, not each output's loss (measured on "
         "every Keras 3 minor of the matrix: func.multi_io's golden fit records loss and main_output_accuracy)"),
    _row("fact:history.per_output_losses", ">=3.5", value="recorded", reason=
         "Keras 3.5 records each output's loss again"),
    _row("oracle:EinsumDense.bias_broadcast", "<3.10", value="broadcast", reason=
         "Keras 2 and Keras 3 before 3.10 add an EinsumDense bias by broadcasting over its own axes "
         "(x += bias: tf.add)"),
    _row("oracle:EinsumDense.bias_broadcast", ">=3.10", value="axis 1", reason=
         "a Keras bug, found by the NumPy reference (MultiHeadAttention 0.34 off on TF 2.21 / Keras 3.15.1): "
         "since 3.10 EinsumDense adds its bias with ops.add, whose TensorFlow backend (since 3.7) turns an add "
         "whose second operand squeezes to one axis into tf.nn.bias_add, NCHW when that length matches axis 1 "
         "and not the last; an EinsumDense bias of shape (heads, 1) (MultiHeadAttention with key_dim=1) then "
         "goes along the time axis when the sequence has num_heads steps. Measured on every Keras minor of the "
         "matrix: 3.0-3.9 broadcast, 3.10-3.15 not (EinsumDense.call's x += self.bias became ops.add in 3.10). "
         "The seeds' key_dim is 64, so no catalogue model meets it"),
    _row("fact:load_model.files_beside_the_archive", "<3.4", value="kept", reason=
         "loading a .keras archive reads its weights inside the archive"),
    _row("fact:load_model.files_beside_the_archive", "==3.4.*", value="deleted", reason=
         "a Keras 3.4 bug (data loss), found by the Keras axis: load_model extracts the archive's "
         "model.weights.h5 into the archive's own folder, overwriting a file of that name, and deletes it "
         "after loading (keras/src/saving/saving_lib.py, 3.4.0-3.4.1); 3.5 reads it from the archive again"),
    _row("fact:load_model.files_beside_the_archive", ">=3.5", value="kept", reason=
         "Keras 3.5 no longer extracts the weights beside the archive"),
    # --- what a Keras 3 minor cannot build or compile (conformance/unbuildable.py) ------------------
    *(row for entry_id, inner in (("func.time_distributed_model", "Functional"), ("func.video_qa", "Sequential"))
      for row in (
          _row(f"build:{entry_id}", ">=3,<3.4", _NO_OUTPUT_SHAPE.format(inner),
               f"Keras 3.0-3.3's {inner} has no compute_output_shape, which TimeDistributed asks of the model it "
               "wraps: TimeDistributed over a model cannot be built (3.4 infers it)",
               cause=("TimeDistributed.call()", inner, "compute_output_shape")),
          _row(f"build:{entry_id}", KERAS2, "ok", "builds"),
          _row(f"build:{entry_id}", ">=3.4", "ok", "builds"))),
    _row("run:func.multi_io", ">=3.4,<3.7",
         "ValueError: Input 0 of layer \"dense\" is incompatible with the layer: expected axis -1 of input shape to "
         "have value 13, but received input with shape \\(3, 20\\)",
         "the seeds' dict of inputs reaches the wrong inputs (the Keras 3.4-3.6 bug of fact:functional.dict_inputs)",
         cause=("Functional.call()", "(3, 20)")),
    _row("run:func.multi_io", KERAS2, "ok", "runs"),
    _row("run:func.multi_io", ">=3,<3.4", "ok", "runs"),
    _row("run:func.multi_io", ">=3.7", "ok", "runs"),
    _row("compile:attn.se_cnn.recipe", ">=3,<3.5",
         "ValueError: Invalid value for argument `threshold`. Expected a value in interval \\(0, 1\\)",
         "Keras 3.0-3.4's BinaryAccuracy takes no threshold outside (0, 1); the recipe's logits need 0.0 (3.5 "
         "accepts any threshold)", cause=("threshold", "threshold=0.0")),
    _row("compile:attn.se_cnn.recipe", KERAS2, "ok", "compiles"),
    _row("compile:attn.se_cnn.recipe", ">=3.5", "ok", "compiles"),
    _row("fact:functional.dict_inputs", "<3.4", value="by name", reason="a dict of inputs goes to the inputs of those names"),
    _row("fact:functional.dict_inputs", ">=3.4,<3.7", value="by sorted key", reason=
         "a Keras 3.4-3.6 bug, found by the Keras axis: a functional model called with a dict of inputs takes "
         "them in the dict's sorted key order, not by input name; inputs of one shape are silently swapped "
         "(the seeds' multi-input model fails there only because its two inputs differ in shape)"),
    _row("fact:functional.dict_inputs", ">=3.7", value="by name", reason="Keras 3.7 maps a dict of inputs by name again"),
    _row("fact:attention.rank2_eager", KERAS2, value="mixes samples", reason=
         "rank-2 query and value make (batch, batch) scores: sample 0's output moves when sample 1 changes"),
    _row("fact:attention.rank2_eager", ">=3,<3.15",
         "InvalidArgumentError: transpose expects a vector of size 2. But input\\(1\\) is a vector of size 3",
         "Keras 3.0-3.14 transpose the key as rank 3 and cannot run rank-2 Attention on arrays (the symbolic "
         "build of as_written:attn.keras_attention still works)", cause=("Attention.call()", "Transpose")),
    _row("fact:attention.rank2_eager", ">=3.15", value="mixes samples", reason=
         "Keras 3.15 runs rank-2 Attention again, with Keras 2's (batch, batch) scores"),
    _row("fact:multi_io.evaluate_losses", KERAS2, value="per-output losses", reason=
         "evaluate reports each output's loss beside the weighted total"),
    _row("fact:multi_io.evaluate_losses", ">=3,<3.4", value="the total loss only", reason=
         "Keras 3.0-3.3 report only the weighted total and the metrics, no per-output losses"),
    _row("fact:multi_io.evaluate_losses", ">=3.4,<3.7",
         "ValueError: Input 0 of layer \"dense\" is incompatible with the layer: expected axis -1 of input shape to "
         "have value 13, but received input with shape \\(100, 20\\)",
         "the seeds' dict of inputs reaches the wrong inputs (the Keras 3.4-3.6 bug of fact:functional.dict_inputs): "
         "the 20-token headlines arrive where the 5 extra features belong", cause=("Functional.call()", "(100, 20)")),
    _row("fact:multi_io.evaluate_losses", ">=3.7", value="per-output losses", reason=
         "Keras 3.7 reports each output's loss again"),
    _row("fact:node_api.get_output_at", KERAS2, value=True, reason="Keras 2 keeps the node accessors"),
    _row("fact:node_api.get_output_at", KERAS3, value=False, reason="Keras 3 removed the node accessors"),
)


# --- saved models (conformance/test_saving.py) -------------------------------------------------
# Measured on TF 2.15 (Keras 2.15) and TF 2.21 (Keras 3.15.1) reading the golden artifacts of
# fixtures/saved/ (tf215: Keras 2.15; tf216-keras30: Keras 3.0.5 on TF 2.16, the oldest Keras 3).
# The golden models by trait, derived from the catalogue's models (conformance/coverage.py), never listed:
# a model added to the catalogue (or to the golden set) gets the rows of its kind.
_ALL_GOLDEN = tuple(coverage.golden_models())
_FUNCTIONAL = tuple(e for e in _ALL_GOLDEN if coverage.container(e) == "Functional")
_SEQUENTIAL = tuple(e for e in _ALL_GOLDEN if coverage.container(e) == "Sequential")
_WITH_LSTM = coverage.holding("LSTM", among=_ALL_GOLDEN)
HANG = "Hang"  # the outcome of a load that does not return (conformance/saving.py read_artifact_apart)
_WITH_EMBEDDING = coverage.holding("Embedding", among=_ALL_GOLDEN)
_EMBEDDING_INPUT_LENGTH = ("TypeError: Error when deserializing class 'Embedding'.*Unrecognized keyword arguments passed "
                           "to Embedding: \\{'input_length'")
_ORTHOGONAL = "ValueError: Could not interpret initializer identifier: .*'class_name': 'Orthogonal'"
_ORTHOGONAL_REASON = ("Keras 3.0-3.3 cannot read the Orthogonal initializer Keras 2 writes for LSTM's recurrent "
                      "kernel from the HDF5 config")
_INCEPTION_SHAPE = "OutputsDiffer: .*output shapes \\[\\(2, 16, 16, 24\\)\\], written \\[\\(2, 48, 16, 8\\)\\]"
CONFIG_DIFFERS = "the code written from the model's config builds another model"  # test_model_code's observation
_SHARED_CALL_WRITTEN_AS_FIRST = ("its get_config writes every call of a shared layer that feeds another layer as the "
                                 "layer's first call (inbound node index 0 twice; found by the model-as-code check)")
_NEWER_WRITER = ("TypeError: Error when deserializing class 'InputLayer' using config=\\{'batch_shape'.*"
                 "Unrecognized keyword arguments: \\['batch_shape'")
_SCORE_MODE_AS_FUNCTION = ("TypeError: Error when deserializing class 'Attention'.*Invalid value for argument "
                           "score_mode.*Received: score_mode=<function dot>")
_SCORE_MODE_CAUSE = ("'Attention'", "score_mode")
_NEWER_WRITER_CAUSE = ("'InputLayer'", "'batch_shape'")
_NO_FORWARD = "Keras 3 writes InputLayer(batch_shape=), which Keras 2 does not take: no forward compatibility"



def _written(writer: str, fmt: str) -> frozenset[str]:
    """The golden entries a writer wrote in ``fmt`` (its committed written.json files say): a format it could
    not write leaves readers nothing to load (Keras 3.0's HDF5 writer fails on three of them)."""
    import json

    from keras_upgrade_gate.conformance import baselines

    folder = baselines.SAVED / writer
    return frozenset(path.parent.name for path in folder.glob("*/written.json")
                     if json.loads(path.read_text()).get(fmt) == "ok")
def _builds_on(entry_id: str, keras_version: str) -> bool:
    """No build: row says this Keras cannot build the entry (its other checks skip there: unbuildable.py)."""
    return all(row.outcome == "ok" for row in TABLE if row.check == f"build:{entry_id}" and row.applies(keras_version))


# Sequential golden models holding one of the gate's registered custom layers, and its class name.
_CUSTOM_LAYER_OF = {e: layer for e in _SEQUENTIAL for layer in coverage.custom_layers(e)}
# Reader ranges: Keras 2.12 (its first .keras format), 2.13-2.14, 2.15 (which moved the weights of
# .keras and .weights.h5 files to Keras 3's layout) and Keras 3.
_K212, _K213, _K215, _K3 = KERAS212, ">=2.13,<2.15", ">=2.15,<3", KERAS3
_K2_ALL = (_K212, _K213, _K215)
_VARIABLES_ELSEWHERE = "ValueError: Layer '[^']+' expected \\d+ variables, but received 0 variables during loading"
_NO_VARIABLES = ("received 0 variables", "Expected: [")
_WEIGHTS_MOVED = ("Keras 2.15 moved the weights inside .keras and .weights.h5 files to Keras 3's layout: Keras "
                  "2.12-2.14 find none of the weights that 2.15 and Keras 3 wrote")

# (check prefix, reader ranges, outcome, cause, reason, entries): one row per entry and range.
_SAVED_MODEL_FAILURES = (
    ("load:tf215:keras", (_K212, _K3),
     "TypeError: Could not deserialize class 'Functional' because its parent module keras.src.engine.functional",
     ("Functional", "keras.src.engine.functional"),
     "Keras 2.15's .keras archive names the module keras.src.engine.functional, which neither Keras 2.12 "
     "(keras.engine) nor Keras 3 has; Sequential models load on Keras 3", _FUNCTIONAL),
    ("load:tf215:keras", (_K212,), _VARIABLES_ELSEWHERE, _NO_VARIABLES, _WEIGHTS_MOVED,
     tuple(e for e in _SEQUENTIAL if e not in _CUSTOM_LAYER_OF)),
    *(("load:tf215:keras", (_K212,), f"ValueError: Unknown layer: '{layer}'", (f"'{layer}'",),
       "Keras 2.12 does not find the registered custom layer under the name 2.15 wrote", (entry_id,))
      for entry_id, layer in _CUSTOM_LAYER_OF.items()),
    ("load:tf215:keras", (_K213,), _VARIABLES_ELSEWHERE, _NO_VARIABLES, _WEIGHTS_MOVED, _ALL_GOLDEN),
    ("load:tf215:keras", (_K3,), "TypeError: <class 'keras.src.models.sequential.Sequential'> could not be deserialized",
     ("keras.src.models.sequential.Sequential", "from_config()"),
     "Keras 3 cannot rebuild this Keras 2 Sequential (an Embedding and an LSTM) from its .keras config",
     ("seq.lstm_classifier",)),
    ("load:tf215:h5", (">=3.4",), "ValueError: Unrecognized keyword arguments passed to LSTM: \\{'time_major'",
     ("LSTM", "'time_major'"),
     "Keras 2 writes LSTM's time_major into the HDF5 config; Keras 3's LSTM rejects the argument", _WITH_LSTM),
    # Before 3.4 the same files fail earlier in the config (measured on every minor, TF 2.16-2.17):
    ("load:tf215:h5", (">=3,<3.2",), _EMBEDDING_INPUT_LENGTH,
     ("Unrecognized keyword arguments passed to Embedding", "'input_length'"),
     "Keras 2 writes Embedding's input_length into the HDF5 config; Keras 3.0-3.1 reject the argument",
     _WITH_EMBEDDING),
    ("load:tf215:h5", (">=3.2,<3.4",), _ORTHOGONAL, ("initializer", "'Orthogonal'"), _ORTHOGONAL_REASON,
     tuple(e for e in _WITH_LSTM if e in _WITH_EMBEDDING)),
    ("load:tf215:h5", (">=3,<3.4",), _ORTHOGONAL, ("initializer", "'Orthogonal'"), _ORTHOGONAL_REASON,
     tuple(e for e in _WITH_LSTM if e not in _WITH_EMBEDDING)),
    ("load:tf215:h5", (">=3.12,<3.13", ">=3.14"),
     "ValueError: Invalid Functional model configuration.*failed to be resolved.*\\['vision_model', 1, 0",
     ("Functional", "'vision_model', 1, 0"),
     "Keras 3 cannot rebuild from Keras 2's HDF5 config a graph that calls a nested model twice (the shared "
     "vision model)", ("func.shared_vision",)),
    ("load:tf215:h5", (">=3,<3.12", ">=3.13,<3.14"), f"{HANG}: the load did not return", ("did not return",),
     "Keras 3.0-3.11 and 3.13 loop forever rebuilding the graph that calls a nested model twice from Keras 2's "
     "HDF5 config (3.12 and 3.14+ refuse it at once); the check loads it in a process of its own, ended after "
     "a minute", ("func.shared_vision",)),
    *((prefix, (">=3,<3.9",), _INCEPTION_SHAPE, ("output shapes", "(2, 16, 16, 24)"),
       "Keras 3.0-3.8 rebuild the inception module's HDF5 with its concatenation on the wrong axis: outputs of "
       "shape (2, 16, 16, 24) instead of (2, 48, 16, 8), silently (3.9 reads it right)", ("func.inception",))
      for prefix in ("load:tf215:h5", "load:tf216-keras30:h5", "readback:h5")),
    ("readback:savedmodel", (">=3,<3.11",), "InvalidArgumentError: .*Only one input size may be -1, not both 0 and 1",
     ("Reshape", "-1"),
     "Keras 3.0-3.10's export writes a serving function whose Flatten after SelfAttentionLayer reshapes with two "
     "unknown dimensions; 3.11 infers the custom layer's output shape", ("attn.self_attention_seq",)),
    ("load:tf215:weights", (_K212, _K213), _VARIABLES_ELSEWHERE, _NO_VARIABLES, _WEIGHTS_MOVED, _ALL_GOLDEN),
    ("readback:h5", (">=3.14",), _SCORE_MODE_AS_FUNCTION, _SCORE_MODE_CAUSE,
     "Keras 3's HDF5 writer stores Attention's score_mode as a function, which its own reader cannot rebuild "
     "from 3.14 (3.0-3.13 read it)",
     ("attn.keras_attention",)),
    ("readback:h5", (_K3,), "ValueError: Unknown layer: 'NotEqual'", ("'NotEqual'",),
     "Keras 3's HDF5 writer records Embedding(mask_zero=True)'s mask op as a layer (NotEqual) its own reader "
     "does not know", ("attn.prob_attention_model",)),
    ("load:tf216-keras30:h5", (">=3.14",), _SCORE_MODE_AS_FUNCTION, _SCORE_MODE_CAUSE,
     "Keras 3's HDF5 writer stores Attention's score_mode as a function, which Keras 3.14+ cannot rebuild",
     ("attn.keras_attention",)),
    ("load:tf216-keras30:h5", (_K3,), "ValueError: Unknown layer: 'NotEqual'", ("'NotEqual'",),
     "Keras 3's HDF5 writer records Embedding(mask_zero=True)'s mask op as a layer (NotEqual) its reader does "
     "not know", ("attn.prob_attention_model",)),
    ("load:tf216-keras30:savedmodel", (*_K2_ALL, _K3),
     "InvalidArgumentError: .*Only one input size may be -1, not both 0 and 1", ("Reshape", "-1"),
     "Keras 3.0's export writes a serving function whose Flatten after SelfAttentionLayer reshapes with two "
     "unknown dimensions (its custom layer's output shape is not inferred); no TensorFlow can run it. "
     "Keras 3.0 reads its own back the same way (readback:savedmodel)", ("attn.self_attention_seq",)),
    ("load:tf216-keras30:keras", _K2_ALL,
     "TypeError: Could not deserialize class 'Functional' because its parent module (tf_)?keras.src.models.functional",
     ("Functional", "keras.src.models.functional"),
     "Keras 3's .keras archive names keras.src.models.functional, which Keras 2 does not have: no forward "
     "compatibility", _FUNCTIONAL),
    ("load:tf216-keras30:keras", _K2_ALL, _NEWER_WRITER, _NEWER_WRITER_CAUSE, _NO_FORWARD, _SEQUENTIAL),
    ("load:tf216-keras30:h5", _K2_ALL, _NEWER_WRITER, _NEWER_WRITER_CAUSE, _NO_FORWARD,
     tuple(e for e in _ALL_GOLDEN if e in _written("tf216-keras30", "h5"))),
    ("load:tf216-keras30:weights", (_K212, _K213), _VARIABLES_ELSEWHERE, _NO_VARIABLES, _WEIGHTS_MOVED, _ALL_GOLDEN),
    # The same failure as above (the loader finds no variables where it looks), for another reason.
    ("load:tf216-keras30:weights", (_K215,), _VARIABLES_ELSEWHERE, ("'value'", "received 0 variables"),
     "Keras 3 stores the weights of SelfAttentionLayer's sublayers by attribute path; Keras 2.15's loader looks "
     "for them by layer name", ("attn.self_attention_seq",)),
    ("save:h5", (">=3,<3.3",), "ValueError: Unable to synchronously create dataset \\(name already exists\\)",
     ("name already exists",),
     "Keras 3.0-3.2's HDF5 writer stores the weights of a nested model's or a custom layer's sublayers under "
     "colliding names", tuple(e for e in coverage.nesting_layers() if _builds_on(e, "3.0"))),
    ("readback:keras", (">=3,<3.3",), "IndexError: list index out of range", ("IndexError",),
     "Keras 3.0-3.2 cannot call the .keras read-back of a model used as a layer on a new input", ("func.model_as_layer",)),
    *((prefix, (">=3.2,<3.3",), "OutputsDiffer: largest error 0\\.0088\\d*", ("OutputsDiffer", "largest error 0.0088"),
       f"Keras 3.2 reads back the LSTM shared by two inputs as one input read twice: {_SHARED_CALL_WRITTEN_AS_FIRST}; "
       "outputs 0.0088 off, silently", ("func.shared_lstm",)) for prefix in ("readback:h5", "readback:keras")),
    ("readback:keras", (">=3.2,<3.3",), "OutputsDiffer: largest error 0\\.0635\\d*", ("OutputsDiffer", "largest error 0.0635"),
     f"Keras 3.2 reads back the vision model shared by two inputs as one input read twice: "
     f"{_SHARED_CALL_WRITTEN_AS_FIRST}; outputs 0.064 off, silently", ("func.shared_vision",)),
    *((prefix, (">=3.4,<3.5",), "ValueError: Exception encountered when calling TimeDistributed.call\\(\\).*"
       "Cannot convert '20' to a shape", ("TimeDistributed", "Cannot convert '20' to a shape"),
       "Keras 3.4 cannot call the read-back TimeDistributed over a model (the number of steps as a shape)",
       ("func.time_distributed_model",)) for prefix in ("readback:h5", "readback:keras")),
    ("save:h5", _K2_ALL, "ValueError: Unable to synchronously create dataset \\(name already exists\\)",
     ("name already exists",),
     "Keras 2's HDF5 writer stores the weights of SelfAttentionLayer's sublayers under colliding names",
     ("attn.self_attention_seq",)),
    ("save:keras", (_K212,), "ValueError: Unable to synchronously create dataset \\(name already exists\\)",
     ("name already exists",),
     "Keras 2.12's first .keras writer stores the weights of SelfAttentionLayer's sublayers under colliding "
     "names (see keras_archive:attn.self_attention_block)", ("attn.self_attention_seq",)),
)


def _saved_model_rows() -> tuple[Expected, ...]:
    """The failures above, one row per entry and range, and "ok" rows for the ranges that load."""
    rows, failing = [], {}
    for prefix, ranges, outcome, cause, reason, entry_ids in _SAVED_MODEL_FAILURES:
        for entry_id in entry_ids:
            for keras in ranges:
                rows.append(_row(f"{prefix}:{entry_id}", keras, outcome, reason, cause=cause))
                failing.setdefault(f"{prefix}:{entry_id}", set()).add(keras)
    for check, ranges in failing.items():
        works = {"save": "writes", "readback": "reads back what it wrote and gives the same outputs"}.get(
            check.split(":")[0], "loads and gives the writer's outputs")
        rows += [_row(check, keras, "ok", works) for keras in (*_K2_ALL, *_keras3_gaps(ranges)) if keras not in ranges]
    return tuple(rows)


def _keras3_gaps(ranges) -> list[str]:
    """The parts of Keras 3 that no range of ``ranges`` covers (a failure measured on some minors only):
    the "ok" rows' ranges, so a minor where the failure stops or starts is a difference to report."""
    bounds = sorted({Version("3")} | {Version(v) for r in ranges for v in re.findall(r"[<>]=?\s*([\d.]+)", r)
                                      if Version(v) >= Version("3")})
    covered = [any(low in SpecifierSet(r) for r in ranges) for low in bounds]
    gaps, start = [], None
    for low, is_covered in zip(bounds, covered):
        if not is_covered and start is None:
            start = low
        elif is_covered and start is not None:
            gaps.append(f">={start},<{low}")
            start = None
    if start is not None:
        gaps.append(_K3 if start == Version("3") else f">={start}")
    return gaps


TABLE = TABLE + _saved_model_rows()


APPLIED: list[Expected] = []
"""Rows looked up for the running Keras, in order; the report plugin reads and clears it per test."""


# Mixed bfloat16 on Keras 2.12: LSTM raises TypeError when called under the policy (measured on
# TF 2.12.1, every model holding an LSTM); fixed in 2.13.
_LSTM_MODELS = coverage.holding("LSTM")
TABLE = TABLE + tuple(
    row for entry_id in _LSTM_MODELS
    for row in (_row(f"parity:{entry_id}:cpu_mixed_bfloat16", KERAS212,
                     "TypeError: Value passed to parameter 'input' has DataType bfloat16 not in list of allowed values",
                     "Keras 2.12's LSTM cannot run under the mixed_bfloat16 policy", cause=("LSTM", "bfloat16")),
                _row(f"parity:{entry_id}:cpu_mixed_bfloat16", ">=2.13", "ok", "LSTM runs under mixed_bfloat16")))


# The model written back as code from its config (test_model_code), where Keras 3.2's config is wrong.
TABLE = TABLE + tuple(
    row for entry_id in coverage.feeding_shared_calls()
    for row in (_row(f"model_code:{entry_id}", "==3.2.*", f"ConfigDiffers: {CONFIG_DIFFERS}", f"Keras 3.2: {_SHARED_CALL_WRITTEN_AS_FIRST}, "
                     "so code written from it builds a model whose shared layer reads one input twice",
                     cause=("ConfigDiffers",)),
                _row(f"model_code:{entry_id}", "!=3.2.*", "ok", "the config names each call of the shared layer")))

# A model's compute_output_shape over its free dimensions (test_shapes), by the model's class.
TABLE = TABLE + tuple(
    row for entry in catalog.with_flexible() if coverage.container(entry.id) in ("Functional", "Sequential")
    for row in (_row(f"compute_output_shape:{entry.id}", ">=3,<3.4", _NO_OUTPUT_SHAPE.format(coverage.container(entry.id)),
                     f"Keras 3.0-3.3's {coverage.container(entry.id)} has no compute_output_shape (3.4 infers it "
                     "from the graph)", cause=(coverage.container(entry.id), "compute_output_shape")),
                _row(f"compute_output_shape:{entry.id}", KERAS2, "ok", "infers the output shape"),
                _row(f"compute_output_shape:{entry.id}", ">=3.4", "ok", "infers the output shape")))


ROW_FIELDS = ("check", "keras", "reason", "outcome", "value", "cause")


def team_rows(path) -> tuple[Expected, ...]:
    """A team's own rows, as data: ``[[row]]`` tables of ``check``, ``keras`` (a version specifier) and
    ``reason``, optionally ``outcome`` ("ok" or "ExceptionClass: pattern"), ``value`` and ``cause``.  A row
    that does not parse is an error naming the file and the row, never a row silently dropped."""
    import tomllib

    from packaging.specifiers import InvalidSpecifier

    if path is None or not path.exists():
        return ()
    from keras_upgrade_gate.conformance import baselines

    shown = baselines.shown(path)
    try:
        tables = tomllib.loads(path.read_text()).get("row", [])
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{shown}: not valid TOML ({error})") from None
    rows = []
    for number, table in enumerate(tables, 1):
        unknown, missing = set(table) - set(ROW_FIELDS), {"check", "keras", "reason"} - set(table)
        if unknown or missing:
            raise ValueError(f"{shown}: row {number} has unknown fields {sorted(unknown)} or lacks {sorted(missing)}")
        try:
            SpecifierSet(table["keras"])
        except InvalidSpecifier:
            raise ValueError(f"{shown}: row {number} ({table['check']}): {table['keras']!r} is not a version "
                             "specifier (e.g. \"<3\", \">=3.5,<3.8\")") from None
        rows.append(Expected(check=table["check"], keras=table["keras"], reason=table["reason"],
                             outcome=table.get("outcome", "ok"), value=table.get("value"),
                             cause=tuple(table.get("cause", ())), source=shown))
    return tuple(rows)


def _team_table() -> tuple[Expected, ...]:
    from keras_upgrade_gate.conformance import baselines

    return team_rows(baselines.TEAM_ROWS)


TABLE = TABLE + _team_table()


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


# Keras versions a check's rows are probed at: one a row leaves out behaves plainly (the code runs).
_PROBED_VERSIONS = [f"{major}.{minor}.0" for major, minors in ((2, 30), (3, 40)) for minor in range(minors)] + ["4.0.0"]


def varies(check: str) -> bool:
    """Whether the table records different behaviour for ``check`` on different versions: rows that differ,
    or one behaviour other than the plain one on a range that leaves versions out (a team's single row
    "Keras >=3 cannot read this file": on Keras 2 it reads).  Every seed check's rows differ or cover all."""
    rows = [row for row in TABLE if row.check == check]
    behaviours = {(row.outcome, repr(row.value)) for row in rows}
    if len(behaviours) > 1:
        return True
    plain = behaviours <= {("ok", "None"), ("ok", "True")}
    return not plain and any(not any(row.applies(v) for row in rows) for v in _PROBED_VERSIONS)


_ANSI = re.compile(r"\x1b\[[0-9;]*m|\[[0-9;]*m(?=\{|\s|$)")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_TRACED_FUNCTION = re.compile(r"(__inference_\w+?)_\d+\b")
_TRACEBACK_LINE = re.compile(r"^\s*File \"")
_CONFIG_DUMP = " Full object config: "
MESSAGE_LIMIT = 3000  # characters of a normalized message kept; Keras's causes sit well inside


def normalize(message: str) -> str:
    """An exception message as a stable text: no terminal colours, object addresses, traced-function
    counters or traceback lines (they differ from run to run and machine to machine; the cause does not)."""
    message = _TRACED_FUNCTION.sub(r"\1", _ADDRESS.sub("", _ANSI.sub("", message)))
    kept, in_traceback = [], False
    for line in message.strip().splitlines():
        # TensorFlow's "defined at (most recent call last):" lists the Python stack, indented: the
        # caller's frames (pytest's, xdist's), not the cause, which follows unindented.
        in_traceback = in_traceback and line[:1].isspace()
        if line.strip() and not in_traceback and not _TRACEBACK_LINE.match(line):
            kept.append(line.rstrip())
        in_traceback = in_traceback or line.rstrip().endswith("(most recent call last):")
    # Keras appends the whole config of an object it cannot deserialize: data, not the cause (and it
    # names every layer and argument, so any cause would match inside it).
    return "\n".join(kept).split(_CONFIG_DUMP)[0][:MESSAGE_LIMIT]


def outcome_of(fn) -> tuple[str, object]:
    """Run ``fn``; returns ("ok", its value) or ("ExceptionClass: normalized message", None)."""
    try:
        return "ok", fn()
    except Exception as error:  # the outcome of any failure is the fact being recorded
        return f"{type(error).__name__}: {normalize(str(error))}", None


AS_EXPECTED, REWORDED, DIFFERS = "as expected", "reworded", "differs"


def judge(row: Expected | None, observed: str) -> str:
    """How an observed outcome stands against its row (no row: the code must run).

    as expected: "ok" where "ok" is expected, or the exception class and the pattern both match;
    reworded: the class matches and the message still names every token of the row's cause, but
    not in the pattern's words (a new Keras rewrote the message, the failure is the same);
    differs: anything else, a different failure or a changed outcome.
    """
    wanted = row.outcome if row is not None else "ok"
    if wanted == "ok" or observed == "ok":
        return AS_EXPECTED if wanted == observed else DIFFERS
    want_class, _, pattern = wanted.partition(": ")
    got_class, _, message = observed.partition(": ")
    if want_class != got_class:
        return DIFFERS
    if re.search(pattern, message, flags=re.DOTALL):
        return AS_EXPECTED
    if row.cause and all(token in message for token in row.cause):
        return REWORDED
    return DIFFERS


def check_ids() -> set[str]:
    return {row.check for row in TABLE}


def listing(pattern: str = "") -> list[str]:
    """Every row as one line of data (check, Keras range, outcome, where it is written), the rows derived
    from traits included, so the check id a failure prints can be grepped even where code expands it."""
    return [f"{row.check}\t{row.keras}\t{row.outcome}\t{row.source}" for row in sorted(TABLE, key=lambda r: r.check)
            if re.search(pattern, row.check)]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="print the expected-differences table, one row a line")
    parser.add_argument("pattern", nargs="?", default="", help="only checks matching this regex")
    print("\n".join(listing(parser.parse_args().pattern)))
