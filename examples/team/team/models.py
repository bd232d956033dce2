"""The team's models, registered with the gate: the one module the team writes for it.

The gate imports this module (pyproject.toml names it) and runs every kind of check on what it
registers: summaries, shapes, configs, custom-layer round trips, golden runs, saving across versions,
parity, convergence (the recipe), in both tiers; and, for the files the team ships (models/, written by
tf.keras 2.15: models/make_production_files.py), that each still loads, computes what it did and trains on.
"""
from __future__ import annotations

import numpy as np

from keras_upgrade_gate import Entry, Recipe, SavedFile, Training, built_layer, keras, register

FEATURES = 12


@keras.utils.register_keras_serializable(package="team")
class ScaledResidual(keras.layers.Layer):
    """x + scale * Dense(x): a residual block with a learnt scale (the team's custom layer)."""

    def __init__(self, initial_scale=0.5, **kwargs):
        super().__init__(**kwargs)
        self.initial_scale = initial_scale

    def build(self, input_shape):
        units = int(input_shape[-1])
        self.kernel = self.add_weight(name="kernel", shape=(units, units), initializer="glorot_uniform")
        self.scale = self.add_weight(name="scale", shape=(), initializer=keras.initializers.Constant(self.initial_scale))
        super().build(input_shape)

    def call(self, inputs):
        return inputs + self.scale * keras.activations.tanh(keras.ops.matmul(inputs, self.kernel)
                                                            if hasattr(keras, "ops") else inputs @ self.kernel)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "initial_scale": self.initial_scale}


def churn_classifier(hidden=16):
    inputs = keras.Input(shape=(FEATURES,), name="customer")
    x = keras.layers.Dense(hidden, activation="relu")(inputs)
    x = keras.layers.BatchNormalization()(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="churn")(x)
    return keras.Model(inputs, outputs, name="churn_classifier")


def residual_encoder(width=FEATURES):
    return keras.Sequential([
        keras.Input(shape=(width,)),
        ScaledResidual(),
        keras.layers.LayerNormalization(),
        keras.layers.Dense(4, activation="softmax"),
    ], name="residual_encoder")


def churn_data(seed=0, scale=1.0, small=False):
    """Customers with a planted rule: churn when a weighted sum of four features is high."""
    rng = np.random.default_rng(seed)
    count = max(int(600 * scale), 64)
    x = rng.normal(size=(count, FEATURES)).astype("float32")
    y = (x[:, :4] @ np.array([1.0, -0.5, 0.8, 0.6]) > 0).astype("float32")
    split = count * 4 // 5
    return {"x": x[:split], "y": y[:split], "x_test": x[split:], "y_test": y[split:]}


register(Entry(
    id="team.churn_classifier",
    title="Dense(16, relu) -> BatchNormalization -> Dense(1, sigmoid); adam, binary CE",
    builder=churn_classifier, sample_input=(FEATURES,),
    recipe=Recipe(model_id="team.churn_classifier", data=churn_data,
                  compile=lambda: dict(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"]),
                  fit=dict(epochs=30, batch_size=32)),
))

register(Entry(
    id="team.residual_encoder",
    title="ScaledResidual -> LayerNormalization -> Dense(4, softmax)",
    builder=residual_encoder, sample_input=(FEATURES,),
))

register(Entry(
    id="team.scaled_residual", kind="layer",
    title="ScaledResidual alone: x + scale * tanh(x W) (its config and .keras round trips)",
    builder=lambda: built_layer(ScaledResidual(), (None, FEATURES)), sample_input=(FEATURES,),
))


# The files the team ships: the churn classifier trained with tf.keras 2.15, as HDF5 and as a .keras archive.
# `keras-gate baselines` in tf215 recorded beside each what it computes on the inputs and one training step.
def _going_on_training():
    return Training(compile=lambda: dict(optimizer="adam", loss="binary_crossentropy"), batch="models/churn_batch.npz")


for _format, _name in (("h5", "churn.h5"), ("keras", "churn.keras")):
    register(SavedFile(id=f"team.churn_{_format}", path=f"models/{_name}", inputs="models/churn_inputs.npz",
                       training=_going_on_training()))
