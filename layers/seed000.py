"""Seed 000: attention over image rows before an LSTM (MNIST rows as a sequence)."""
from __future__ import annotations

import numpy as np

from keras_upgrade_gate.fixtures import digits
from keras_upgrade_gate.layers.building import built_layer, uniform_input
from keras_upgrade_gate.layers.catalog import Entry, Quick, Recipe, register
from keras_upgrade_gate.layers.compat import keras
from keras_upgrade_gate.layers.custom import AttentionLayer

SEED = "000_ca1e91e32f16e248.txt"
MNIST_SHAPE = (28, 28)  # documented: MNIST rows as a 28-step sequence
DIGITS_SHAPE = (8, 8)  # the offline stand-in: scikit-learn's 8x8 digits as 8 rows of 8


def create_model(input_shape=MNIST_SHAPE, lstm_units=256):
    inputs = keras.Input(shape=input_shape)
    attention = AttentionLayer()(inputs)
    lstm = keras.layers.LSTM(lstm_units, return_sequences=True)(attention)
    outputs = keras.layers.Dense(10, activation="softmax")(lstm)
    return keras.Model(inputs=inputs, outputs=outputs)


def _rows(small):
    return DIGITS_SHAPE if small else MNIST_SHAPE


def per_step_labels(labels, steps):
    """The canonical fix: every time step of a sequence carries the image's label."""
    return np.repeat(np.asarray(labels).reshape(-1, 1), steps, axis=1)


def mnist_recipe_data(seed=0, scale=1.0, small=False):
    (x_train, y_train), (x_test, y_test) = digits.load_data(seed=seed)
    x_train, x_test = x_train / 255.0, x_test / 255.0
    keep = max(int(len(x_train) * scale), 64)
    x_train, y_train = x_train[:keep], y_train[:keep]
    steps = x_train.shape[1]
    return {
        "x": x_train.astype("float32"), "y": per_step_labels(y_train, steps),
        "x_test": x_test.astype("float32"), "y_test": per_step_labels(y_test, steps),
    }


def _as_written_recipe():
    """The seed's training code, with its per-image labels, on the offline digits."""
    (x_train, y_train), _ = digits.load_data()
    x_train = x_train / 255.0
    model = create_model(x_train.shape[1:])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train[:64], y_train[:64], epochs=1, batch_size=32, validation_split=0.2, verbose=0)
    return model


register(Entry(
    id="rnn.attention_layer", seed=SEED, kind="layer",
    title="AttentionLayer: softmax over time steps of x.W, output x * weights",
    builder=lambda small: built_layer(AttentionLayer(), (None, *_rows(small))),
    sample_input=uniform_input(_rows),
    changes=(
        "adds get_config/registration so models holding it save and load",
        "honours a mask: masked steps get exactly zero weight (the seed ignored masks)",
        "compute_output_shape returns the input shape as a tuple",
    ),
    small_note="input (8, 8) instead of (28, 28)",
    flexible=lambda: built_layer(AttentionLayer(), (None, None, DIGITS_SHAPE[1])),
))

register(Entry(
    id="rnn.attention_lstm", seed=SEED, kind="model",
    title="create_model: Input -> AttentionLayer -> LSTM(256, return_sequences) -> Dense(10, softmax)",
    builder=lambda small: create_model(DIGITS_SHAPE, lstm_units=16) if small else create_model(),
    sample_input=uniform_input(_rows),
    changes=("none to the graph; output stays per step, (None, T, 10)",),
    small_note="8x8 digits (T=8) and LSTM(16) instead of 28x28 and LSTM(256)",
    flexible=lambda: create_model((None, DIGITS_SHAPE[1]), lstm_units=16),
))

register(Entry(
    id="rnn.attention_lstm.mnist_recipe", seed=SEED, kind="recipe", refers_to="rnn.attention_lstm",
    title="MNIST rows as sequences: adam, sparse CE, 10 epochs, batch 32, validation_split 0.2",
    recipe=Recipe(
        model_id="rnn.attention_lstm", data=mnist_recipe_data,
        compile=lambda: dict(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]),
        fit=dict(epochs=10, batch_size=32, validation_split=0.2),
        builder=lambda small: create_model(DIGITS_SHAPE, lstm_units=64 if small else 256),
        notes="the graph on 8x8 digits: LSTM(256) in the slow tier, LSTM(64) in the default tier",
        quick=Quick(small=True),
    ),
    as_written=_as_written_recipe,
    changes=(
        "labels are repeated over the time steps (y of shape (N, T)): the seed fits per-image "
        "labels (N,) against per-step outputs (N, T, 10), which fails on every version; the "
        "prediction for an image is read at the last step",
        "MNIST cannot be downloaded here: fixtures.digits.load_data returns scikit-learn's real "
        "handwritten 8x8 digits in MNIST's (x_train, y_train), (x_test, y_test) layout, uint8 0-255",
    ),
))

