"""Seed 003: minimal dense attention (the attention_vec experiment), and ProbAttention."""
from __future__ import annotations

import numpy as np

from keras_upgrade_gate.fixtures.generators import get_data, planted_tokens
from keras_upgrade_gate.layers.building import built_layer, uniform_input
from keras_upgrade_gate.layers.catalog import Entry, Recipe, register
from keras_upgrade_gate.layers.compat import keras, to_categorical
from keras_upgrade_gate.layers.custom import DenseAttention, ProbAttention
from keras_upgrade_gate.layers.plots import plot_attention_vector

SEED = "003_08d8aaaef77c6193.txt"
INPUT_DIM = 4
ATTENTION_COLUMN = 1
NUMPY_SEED = 1337  # the seed's np.random.seed(1337)

# ProbAttention model: the seed leaves these undefined; stated defaults.
MAXLEN, VOCAB_SIZE, EMBEDDING_DIM, N_CLASSES = 50, 1000, 32, 2
SMALL_MAXLEN, SMALL_VOCAB, SMALL_EMBEDDING = 12, 50, 8


def Att(att_dim, inputs, name):
    """The seed's attention block: Dense(att_dim, no bias) -> softmax (named) -> inputs * weights."""
    weights = keras.layers.Dense(att_dim, use_bias=False)(inputs)
    weights = keras.layers.Activation("softmax", name=name)(weights)
    return keras.layers.Multiply()([inputs, weights])


def build_model(input_dim=INPUT_DIM):
    inputs = keras.Input(shape=(input_dim,))
    attended = Att(input_dim, inputs, "attention_vec")
    x = keras.layers.Dense(16)(attended)
    attended = Att(16, x, "attention_vec1")
    output = keras.layers.Dense(1, activation="sigmoid")(attended)
    return keras.Model(inputs=inputs, outputs=output)


def get_activations(model, inputs, layer_name):
    """A named layer's output for ``inputs``: a sub-model from the model's input to that layer."""
    probe = keras.Model(model.inputs, model.get_layer(layer_name).output)
    return np.asarray(probe(inputs, training=False))


def prob_attention_model(maxlen=MAXLEN, vocab_size=VOCAB_SIZE, embedding_dim=EMBEDDING_DIM,
                         n_classes=N_CLASSES, hidden=128):
    inputs = keras.Input(shape=(maxlen,), dtype="int32")
    x = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True)(inputs)
    x = ProbAttention()(x)
    x = keras.layers.Dense(hidden, activation="relu")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


def dense_attention_data(seed=NUMPY_SEED, scale=1.0, small=False):
    x, y = get_data(max(int(10000 * scale), 500), INPUT_DIM, ATTENTION_COLUMN, seed=seed)
    return {"x": x.astype("float32"), "y": y.astype("float32")}


def prob_attention_data(seed=0, scale=1.0, small=False):
    length, vocab = (SMALL_MAXLEN, SMALL_VOCAB) if small else (MAXLEN, VOCAB_SIZE)
    x, y = planted_tokens(max(int(2000 * scale), 200), length, vocab, seed=seed, pad_fraction=0.5)
    return {"x": x, "y": to_categorical(y, N_CLASSES)}


def _as_written_att():
    """The seed's Keras 1 spellings: Dense(..., bias=None) and Model(input=, output=)."""
    inputs = keras.Input(shape=(INPUT_DIM,))
    qk = keras.layers.Dense(INPUT_DIM, bias=None)(inputs)
    qk = keras.layers.Activation("softmax", name="attention_vec")(qk)
    mv = keras.layers.Multiply()([inputs, qk])
    return keras.Model(input=inputs, output=keras.layers.Dense(1, activation="sigmoid")(mv))


def _as_written_get_activations():
    """The seed's get_activations with K.function and K.learning_phase()."""
    K = keras.backend
    model = build_model()
    inputs = np.zeros((1, INPUT_DIM), "float32")
    outputs = [layer.output for layer in model.layers if layer.name == "attention_vec"]
    funcs = [K.function([model.input] + [K.learning_phase()], [out]) for out in outputs]
    return [func([inputs, 1.0])[0] for func in funcs]


def _as_written_prob_attention():
    """The seed's ProbAttention call: the (batch, T) mask subtracted from (batch, T, 1) scores."""
    import tensorflow as tf

    class SeedProbAttention(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(name="kernel", shape=(input_shape[2], 1), initializer="uniform", trainable=True)
            super().build(input_shape)

        def call(self, inputs, mask=None):
            u = tf.matmul(inputs, self.w)
            if mask is not None:
                mask = tf.cast(mask, tf.float32)
                u -= (1.0 - mask) * 1e12
            u = tf.exp(u - tf.reduce_max(u, axis=1, keepdims=True))
            s = tf.reduce_sum(u, axis=1, keepdims=True)
            alpha = u / s
            return tf.reduce_sum(inputs * alpha, axis=1)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], input_shape[2])

    inputs = keras.Input(shape=(SMALL_MAXLEN,))
    x = keras.layers.Embedding(SMALL_VOCAB, SMALL_EMBEDDING, mask_zero=True)(inputs)
    x = keras.layers.Masking()(x)
    x = SeedProbAttention()(x)
    outputs = keras.layers.Dense(N_CLASSES, activation="softmax")(keras.layers.Dense(128, activation="relu")(x))
    model = keras.Model(inputs=inputs, outputs=outputs)
    tokens = np.array([[3, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0]] * 2, "int32")
    return np.asarray(model(tokens))


def _prob_input(small, batch, rng):
    length, vocab = (SMALL_MAXLEN, SMALL_VOCAB) if small else (MAXLEN, VOCAB_SIZE)
    tokens = rng.integers(1, vocab, size=(batch, length)).astype("int32")
    tokens[:, length // 2:] *= rng.integers(0, 2, size=(batch, 1)).astype("int32")  # some rows padded
    return tokens


register(Entry(
    id="attn.get_data", seed=SEED, kind="helper",
    title="get_data(n, input_dim, attention_column=1): x ~ N(0,1), y in {0,1}, x[:, col] = y",
    helper=get_data,
    changes=("draws from its own RandomState(seed) instead of the global NumPy state; "
             "seed=1337 reproduces the seed's draws",),
))

register(Entry(
    id="attn.get_activations", seed=SEED, kind="helper", refers_to="attn.dense_attention_model",
    title="read a named layer's activations for given inputs",
    helper=get_activations, as_written=_as_written_get_activations,
    changes=("a sub-model from the model's inputs to the named layer's output replaces "
             "K.function and K.learning_phase(), which Keras 3 removed; inference mode",),
))

register(Entry(
    id="attn.dense_attention_block", seed=SEED, kind="layer",
    title="Att(att_dim, inputs, name): Dense(att_dim, no bias) -> softmax -> Multiply with the inputs",
    builder=lambda small: built_layer(DenseAttention(), (None, INPUT_DIM if small else 16)),
    sample_input=uniform_input(lambda small: (INPUT_DIM if small else 16,)),
    helper=Att, as_written=_as_written_att,
    changes=(
        "use_bias=False replaces the Keras 1 spelling bias=None, rejected by TF 2.15 and Keras 3",
        "Model(inputs=, outputs=) replaces Model(input=, output=)",
        "also offered as one reusable layer, DenseAttention (kernel of 16 or 256 for widths 4 and 16, "
        "as the documented summary counts); the model keeps the seed's three-layer form so its "
        "named softmax layer can be read",
    ),
    small_note="width 4 (the first block) instead of 16 (the second)",
))

register(Entry(
    id="attn.dense_attention_model", seed=SEED, kind="model",
    title="build_model(): input 4 -> Att(4, 'attention_vec') -> Dense(16) -> Att(16, 'attention_vec1') -> Dense(1)",
    builder=lambda small: build_model(),
    sample_input=uniform_input((INPUT_DIM,)),
    figures=("attn.dense_attention_model.params", "attn.dense_attention_model.layer_params"),
    changes=("Keras 2 spellings of Att and Model (see attn.dense_attention_block)",),
    small_note="already small: 369 parameters",
))

register(Entry(
    id="attn.dense_attention.recipe", seed=SEED, kind="recipe", refers_to="attn.dense_attention_model",
    title="N=10000, seed 1337, adam, binary CE, 20 epochs, batch 128, validation_split 0.2",
    recipe=Recipe(
        model_id="attn.dense_attention_model", data=dense_attention_data,
        compile=lambda: dict(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"]),
        fit=dict(epochs=20, batch_size=128, validation_split=0.2),
    ),
    figures=("attn.dense_attention.recipe.val_accuracy", "attn.dense_attention.recipe.attention_vector"),
    changes=("data drawn with get_data's own RandomState(1337)",),
))

register(Entry(
    id="attn.dense_attention.plot", seed=SEED, kind="plot", refers_to="attn.dense_attention.recipe",
    title="bar chart of the attention vector over the input dimensions",
    helper=plot_attention_vector,
    changes=("matplotlib directly instead of a pandas DataFrame plot; a PNG for the report",),
))

register(Entry(
    id="attn.prob_attention", seed=SEED, kind="layer",
    title="ProbAttention: u = x.w, masked steps excluded, stable softmax over time, sum_t alpha_t x_t",
    builder=lambda small: built_layer(ProbAttention(), (None, *((SMALL_MAXLEN, SMALL_EMBEDDING) if small else (MAXLEN, EMBEDDING_DIM)))),
    sample_input=uniform_input(lambda small: (SMALL_MAXLEN, SMALL_EMBEDDING) if small else (MAXLEN, EMBEDDING_DIM)),
    as_written=_as_written_prob_attention,
    changes=(
        "the (batch, T) mask is expanded to (batch, T, 1) before it touches the scores; the seed "
        "subtracts it unexpanded, which broadcasts to (batch, T, T) or fails",
        "masked steps are multiplied by zero after the exponential, so their weight is exactly 0 "
        "and an all-padding row gives a zero vector instead of a uniform average",
        "the mask is consumed: the (batch, features) output carries none",
        "get_config through the base class; registered for loading",
    ),
    small_note="(12, 8) inputs instead of (50, 32)",
    flexible=lambda: built_layer(ProbAttention(), (None, None, SMALL_EMBEDDING)),
))

register(Entry(
    id="attn.prob_attention_model", seed=SEED, kind="model",
    title="Input(maxlen) -> Embedding(mask_zero) -> ProbAttention -> Dense(128, relu) -> Dense(n_classes, softmax)",
    builder=lambda small: (prob_attention_model(SMALL_MAXLEN, SMALL_VOCAB, SMALL_EMBEDDING, hidden=16) if small
                           else prob_attention_model()),
    sample_input=_prob_input,
    recipe=Recipe(
        model_id="attn.prob_attention_model", data=prob_attention_data, small=True,
        compile=lambda: dict(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"]),
        fit=dict(epochs=5, batch_size=32, validation_split=0.2),
        notes="padded token sequences; label: whether the marker token occurs",
    ),
    as_written=_as_written_prob_attention,
    changes=(
        f"the seed leaves them undefined: maxlen={MAXLEN}, vocab_size={VOCAB_SIZE}, "
        f"embedding_dim={EMBEDDING_DIM}, n_classes={N_CLASSES}",
        "Masking() after Embedding(mask_zero=True) is dropped: Masking recomputes the mask from the "
        "embedded values (never all zero), which discards the padding mask on every version",
    ),
    small_note="maxlen 12, vocab 50, embedding 8, Dense(16)",
    flexible=lambda: prob_attention_model(None, SMALL_VOCAB, SMALL_EMBEDDING, hidden=16),
))
