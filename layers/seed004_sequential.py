"""Seed 004, part 1: the Sequential model guide (construction, shapes, compile, fit, examples)."""
from __future__ import annotations

import tensorflow as tf

from keras_upgrade_gate.fixtures.generators import planted_features, planted_images, planted_sequences, planted_tokens
from keras_upgrade_gate.layers.building import token_input, uniform_input
from keras_upgrade_gate.layers.catalog import Entry, Quick, Recipe, register
from keras_upgrade_gate.layers.compat import keras, sgd_with_decay, to_categorical

SEED = "004_158197f8a9253614.txt"
MAX_FEATURES = 20000  # seq.lstm_classifier: undefined in the seed; a common IMDB vocabulary size
SEQ_LENGTH = 64  # seq.conv1d_classifier: undefined in the seed
SGD_SETTINGS = dict(learning_rate=0.01, decay=1e-6, momentum=0.9, nesterov=True)

Dense, Activation, Dropout = keras.layers.Dense, keras.layers.Activation, keras.layers.Dropout


def from_list():
    return keras.Sequential([keras.Input(shape=(784,)), Dense(32), Activation("relu"),
                             Dense(10), Activation("softmax")])


def by_add():
    model = keras.Sequential()
    model.add(keras.Input(shape=(784,)))
    model.add(Dense(32))
    model.add(Activation("relu"))
    return model


def input_shape_forms():
    """Each way the seed gives the first layer its shape, in the form both generations accept."""
    forms = {
        "input_shape": keras.Sequential([keras.Input(shape=(784,)), Dense(32)]),
        "input_dim": keras.Sequential([keras.Input(shape=(784,)), Dense(32)]),
        "batch_size": keras.Sequential([keras.Input(batch_size=32, shape=(6, 8)), Dense(32)]),
        "input_dim_and_input_length": keras.Sequential([keras.Input(shape=(10, 64)), keras.layers.LSTM(32)]),
    }
    return forms


def mean_pred(y_true, y_pred):
    """The seed's custom metric: the mean prediction."""
    return tf.reduce_mean(y_pred)


def compile_forms():
    return {
        "multiclass": dict(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"]),
        "binary": dict(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"]),
        "regression": dict(optimizer="rmsprop", loss="mse"),
        "custom_metric": dict(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy", mean_pred]),
    }


def two_layer(classes, input_dim=100, hidden=32):
    return keras.Sequential([keras.Input(shape=(input_dim,)), Dense(hidden, activation="relu"),
                             Dense(1 if classes == 2 else classes, activation="sigmoid" if classes == 2 else "softmax")])


def mlp(classes, input_dim=20, hidden=64):
    head = Dense(1, activation="sigmoid") if classes == 2 else Dense(classes, activation="softmax")
    return keras.Sequential([keras.Input(shape=(input_dim,)), Dense(hidden, activation="relu"), Dropout(0.5),
                             Dense(hidden, activation="relu"), Dropout(0.5), head])


def vgg_like(size=100, dense_units=256, classes=10):
    Conv2D, MaxPooling2D = keras.layers.Conv2D, keras.layers.MaxPooling2D
    return keras.Sequential([
        keras.Input(shape=(size, size, 3)),
        Conv2D(32, (3, 3), activation="relu"), Conv2D(32, (3, 3), activation="relu"),
        MaxPooling2D(pool_size=(2, 2)), Dropout(0.25),
        Conv2D(64, (3, 3), activation="relu"), Conv2D(64, (3, 3), activation="relu"),
        MaxPooling2D(pool_size=(2, 2)), Dropout(0.25),
        keras.layers.Flatten(), Dense(dense_units, activation="relu"), Dropout(0.5),
        Dense(classes, activation="softmax"),
    ])


def lstm_classifier(max_features=MAX_FEATURES, embedding=256, units=128):
    return keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(max_features, output_dim=embedding),
        keras.layers.LSTM(units), Dropout(0.5), Dense(1, activation="sigmoid"),
    ])


def conv1d_classifier(seq_length=SEQ_LENGTH, features=100, filters=64):
    Conv1D = keras.layers.Conv1D
    return keras.Sequential([
        keras.Input(shape=(seq_length, features)),
        Conv1D(filters, 3, activation="relu"), Conv1D(filters, 3, activation="relu"),
        keras.layers.MaxPooling1D(3),
        Conv1D(2 * filters, 3, activation="relu"), Conv1D(2 * filters, 3, activation="relu"),
        keras.layers.GlobalAveragePooling1D(), Dropout(0.5), Dense(1, activation="sigmoid"),
    ])


# --- recipe data: seed 004's dummy arrays, with a planted signal so training can converge -----

def _features(n, dim, classes, one_hot):
    def data(seed=0, scale=1.0, small=False):
        x, y = planted_features(max(int(n * scale), 100), dim, classes, seed=seed)
        return {"x": x, "y": to_categorical(y, classes) if one_hot else y.astype("float32")}
    return data


def _images(seed=0, scale=1.0, small=False):
    x, y = planted_images(max(int(100 * scale), 40), 32 if small else 100, 3, 10, seed=seed)
    return {"x": x, "y": to_categorical(y, 10)}


def _tokens(seed=0, scale=1.0, small=False):
    x, y = planted_tokens(max(int(1000 * scale), 100), 20, 100 if small else MAX_FEATURES, seed=seed)
    return {"x": x, "y": y.astype("float32")}


def _sequences(seed=0, scale=1.0, small=False):
    x, y = planted_sequences(max(int(1000 * scale), 100), 32 if small else SEQ_LENGTH, 100, seed=seed)
    return {"x": x, "y": y.astype("float32")}


def _rmsprop(loss):
    return lambda: dict(optimizer="rmsprop", loss=loss, metrics=["accuracy"])


def _sgd(loss):
    return lambda: dict(optimizer=sgd_with_decay(**SGD_SETTINGS), loss=loss, metrics=["accuracy"])


# --- as written -------------------------------------------------------------------------------

def _as_written_from_list():
    return keras.Sequential([Dense(32, units=784), Activation("relu"), Dense(10), Activation("softmax")])


def _as_written_add():
    model = keras.Sequential()
    model.add(Dense(32, input_shape=(784,)))
    model.add(Activation("relu"))
    return model


def _as_written_input_dim():
    model = keras.Sequential()
    model.add(Dense(32, input_dim=784))
    return model


def _as_written_batch_size():
    model = keras.Sequential()
    model.add(Dense(32, batch_size=32, input_shape=(6, 8)))
    return model


def _as_written_input_length():
    model = keras.Sequential()
    model.add(keras.layers.LSTM(32, input_dim=64, input_length=10))
    return model


def _as_written_custom_metric():
    import numpy as np

    K = keras.backend

    def seed_mean_pred(y_true, y_pred):
        return K.mean(y_pred)

    model = two_layer(2)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy", seed_mean_pred])
    return model.fit(np.zeros((4, 100)), np.zeros((4, 1)), epochs=1, verbose=0)


def _as_written_to_categorical():
    import numpy as np

    return keras.utils.to_categorical(np.array([[0], [3], [1]]), num_classes=None, dtype="float32")


def _as_written_sgd():
    return keras.optimizers.SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)


SGD_CHANGE = ("SGD(learning_rate=InverseTimeDecay(0.01, decay_steps=1, decay_rate=1e-6), momentum=0.9, "
              "nesterov=True) replaces SGD(lr=0.01, decay=1e-6, ...): Keras 3 rejects lr= and ignores decay= "
              "(fact:optimizer.lr_keyword, fact:optimizer.decay_keyword), TF 2.13-2.15 reject decay= and ignore "
              "lr= silently; the schedule is Keras 1's lr / (1 + decay * step)")
INPUT_CHANGE = "keras.Input(shape=...) replaces input_dim=/input_shape= on the first layer (deprecated in Keras 3)"

register(Entry(
    id="seq.from_list", seed=SEED, kind="model",
    title="Sequential([Dense(32) on 784 inputs, relu, Dense(10), softmax])",
    builder=lambda small: from_list(), sample_input=uniform_input((784,)),
    as_written=_as_written_from_list,
    changes=("Dense(32, units=784) gives units twice (TypeError on every version); the intent is 32 "
             "units on 784 inputs, given by keras.Input(shape=(784,))",),
    small_note="already small",
))

register(Entry(
    id="seq.add", seed=SEED, kind="model",
    title="Sequential().add(Dense(32, input_shape=(784,))).add(Activation('relu'))",
    builder=lambda small: by_add(), sample_input=uniform_input((784,)),
    as_written=_as_written_add, changes=(INPUT_CHANGE,), small_note="already small",
))

register(Entry(
    id="seq.input_shape_forms", seed=SEED, kind="helper",
    title="input_shape=, input_dim=, batch_size= with input_shape=, input_dim= with input_length=",
    helper=input_shape_forms,
    as_written={"input_dim": _as_written_input_dim, "input_shape": _as_written_add,
                "batch_size": _as_written_batch_size, "input_dim_and_input_length": _as_written_input_length},
    changes=(INPUT_CHANGE + "; keras.Input(batch_size=32, shape=(6, 8)) gives the batch shape (32, 6, 8) "
             "that Keras 3 no longer takes as a layer's batch_size=",
             "the temporal form uses (input_length, input_dim) = (10, 64) on an LSTM(32): the seed names no numbers"),
))

register(Entry(
    id="seq.compile_forms", seed=SEED, kind="helper",
    title="compile for multi-class, binary, mse regression, and a custom metric mean_pred",
    helper=compile_forms, as_written=_as_written_custom_metric,
    changes=("mean_pred uses tf.reduce_mean: keras.backend.mean is gone in Keras 3",),
))

register(Entry(
    id="seq.fit_binary", seed=SEED, kind="model",
    title="Dense(32, relu, input_dim=100) -> Dense(1, sigmoid); rmsprop; 10 epochs, batch 32",
    builder=lambda small: two_layer(2), sample_input=uniform_input((100,)),
    recipe=Recipe(model_id="seq.fit_binary", data=_features(1000, 100, 2, one_hot=False),
                  compile=_rmsprop("binary_crossentropy"), fit=dict(epochs=10, batch_size=32),
                  notes="labels from a planted linear rule on the uniform features"),
    changes=(INPUT_CHANGE, "the random labels get a planted signal so training can be checked"),
    small_note="already small",
))

register(Entry(
    id="seq.fit_categorical", seed=SEED, kind="model",
    title="Dense(32, relu, input_dim=100) -> Dense(10, softmax); one-hot labels; rmsprop",
    builder=lambda small: two_layer(10), sample_input=uniform_input((100,)),
    recipe=Recipe(model_id="seq.fit_categorical", data=_features(1000, 100, 10, one_hot=True),
                  compile=_rmsprop("categorical_crossentropy"), fit=dict(epochs=10, batch_size=32)),
    changes=(INPUT_CHANGE, "the random labels get a planted signal so training can be checked"),
    small_note="already small",
))

register(Entry(
    id="util.to_categorical", seed=SEED, kind="helper",
    title="to_categorical(y, num_classes=None): columns = max(y) + 1 when num_classes is None",
    helper=to_categorical, as_written=_as_written_to_categorical,
    changes=("always float32: Keras 3 returns float64 for NumPy input and has no dtype= argument",),
))

register(Entry(
    id="seq.mlp_softmax", seed=SEED, kind="model",
    title="MLP 64-64 with Dropout .5, Dense(10, softmax); SGD with decay and Nesterov; 20 epochs, batch 128",
    builder=lambda small: mlp(10), sample_input=uniform_input((20,)),
    recipe=Recipe(model_id="seq.mlp_softmax", data=_features(1000, 20, 10, one_hot=True),
                  compile=_sgd("categorical_crossentropy"), fit=dict(epochs=20, batch_size=128)),
    as_written=_as_written_sgd,
    changes=(INPUT_CHANGE, SGD_CHANGE),
    small_note="already small",
))

register(Entry(
    id="seq.mlp_binary", seed=SEED, kind="model",
    title="the same MLP with Dense(1, sigmoid); rmsprop, binary CE",
    builder=lambda small: mlp(2), sample_input=uniform_input((20,)),
    recipe=Recipe(model_id="seq.mlp_binary", data=_features(1000, 20, 2, one_hot=False),
                  compile=_rmsprop("binary_crossentropy"), fit=dict(epochs=20, batch_size=128)),
    changes=(INPUT_CHANGE,), small_note="already small",
))

register(Entry(
    id="seq.vgg_like", seed=SEED, kind="model",
    title="VGG-like: Conv 32,32, pool, Conv 64,64, pool, Dense 256, Dense(10, softmax) on 100x100x3",
    builder=lambda small: vgg_like(32, 32) if small else vgg_like(),
    sample_input=uniform_input(lambda small: (32, 32, 3) if small else (100, 100, 3)),
    recipe=Recipe(model_id="seq.vgg_like", data=_images, small=True,
                  compile=_sgd("categorical_crossentropy"), fit=dict(epochs=10, batch_size=32),
                  quick=Quick(scale=4.0, small=True),
                  notes="400 images instead of the seed's 100: 30 SGD steps do not reliably learn"),
    as_written=_as_written_sgd,
    changes=(INPUT_CHANGE, SGD_CHANGE, "the compile adds metrics=['accuracy'] so the recipe can be judged"),
    small_note="32x32 images and Dense(32) instead of 100x100 and Dense(256)",
))

register(Entry(
    id="seq.lstm_classifier", seed=SEED, kind="model",
    title="Embedding(max_features, 256) -> LSTM(128) -> Dropout -> Dense(1, sigmoid); rmsprop",
    builder=lambda small: lstm_classifier(100, 16, 8) if small else lstm_classifier(),
    sample_input=token_input(lambda small: 20, lambda small: 100 if small else MAX_FEATURES),
    recipe=Recipe(model_id="seq.lstm_classifier", data=_tokens, small=True,
                  compile=_rmsprop("binary_crossentropy"), fit=dict(epochs=10, batch_size=16)),
    changes=(f"max_features is undefined in the seed: {MAX_FEATURES}; an Input of any length (None,) int32",),
    small_note="vocabulary 100, Embedding(16), LSTM(8)",
    flexible=lambda: lstm_classifier(100, 16, 8),
))

register(Entry(
    id="seq.conv1d_classifier", seed=SEED, kind="model",
    title="Conv1D 64,64, MaxPooling1D(3), Conv1D 128,128, GlobalAveragePooling1D, Dropout, Dense(1, sigmoid)",
    builder=lambda small: conv1d_classifier(32, 100, 8) if small else conv1d_classifier(),
    sample_input=uniform_input(lambda small: (32 if small else SEQ_LENGTH, 100)),
    recipe=Recipe(model_id="seq.conv1d_classifier", data=_sequences, small=True,
                  compile=_rmsprop("binary_crossentropy"), fit=dict(epochs=10, batch_size=16)),
    changes=(f"seq_length is undefined in the seed: {SEQ_LENGTH}", INPUT_CHANGE),
    small_note="sequence length 32 and 8/16 filters instead of 64 and 64/128",
))
