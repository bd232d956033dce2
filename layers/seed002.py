"""Seed 002: squeeze-and-excitation channel attention in a cats-vs-dogs CNN."""
from __future__ import annotations

import os
import tempfile

from keras_upgrade_gate.fixtures.image_folder import IMAGE_FOLDER_VERSION, write_image_folder
from keras_upgrade_gate.layers.building import built_layer, uniform_input
from keras_upgrade_gate.layers.catalog import Entry, Quick, Recipe, register
from keras_upgrade_gate.layers.compat import image_data_generator, keras
from keras_upgrade_gate.layers.custom import SELayer
from keras_upgrade_gate.layers.plots import plot_history

SEED = "002_74cde15d6c4c7e60.txt"
HEIGHT = WIDTH = 128
BATCH_SIZE, TRAIN_NUM, VALID_NUM, EPOCHS = 64, 2000, 1000, 15
SMALL_SIZE = 32


def build_graph(layer, input_shape):
    """The seed's ``build_graph``: the layer called on a symbolic Input, as a functional model."""
    inputs = keras.Input(shape=tuple(input_shape[1:]))
    return keras.Model(inputs, layer(inputs))


def se_cnn(size=HEIGHT, dense_units=512):
    model = keras.Sequential([keras.Input(shape=(size, size, 3))])
    for filters in (16, 32, 64):
        model.add(keras.layers.Conv2D(filters, 3, padding="same", activation="relu"))
        model.add(keras.layers.MaxPooling2D())
        model.add(SELayer(filters))
        model.add(keras.layers.Dropout(0.5))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dropout(0.5))
    model.add(keras.layers.Dense(dense_units, activation="relu"))
    model.add(keras.layers.Dropout(0.5))
    model.add(keras.layers.Dense(1))
    return model


def _image_size(small):
    return (SMALL_SIZE, SMALL_SIZE, 3) if small else (HEIGHT, WIDTH, 3)


def recipe_data(seed=0, scale=1.0, small=False):
    """Generators over a generated image folder, through the real flow_from_directory path."""
    size = SMALL_SIZE if small else HEIGHT
    train_per_class = max(int(TRAIN_NUM // 2 * scale), BATCH_SIZE // 2)
    valid_per_class = max(int(VALID_NUM // 2 * scale), BATCH_SIZE // 2)
    # The folder is cached per (generator version, seed, count, size): bump IMAGE_FOLDER_VERSION
    # whenever fixtures/image_folder.py draws differently.
    root = os.path.join(tempfile.gettempdir(), "keras-gate",
                        f"cats-dogs-v{IMAGE_FOLDER_VERSION}-{seed}-{train_per_class}-{size}")
    train_dir, valid_dir = os.path.join(root, "train"), os.path.join(root, "validation")
    if not os.path.isdir(valid_dir):
        write_image_folder(root, train_per_class, valid_per_class, size=size, seed=seed)

    def flow(directory, shuffle_seed):
        return image_data_generator(rescale=1.0 / 255).flow_from_directory(
            batch_size=BATCH_SIZE, directory=directory, shuffle=True, seed=shuffle_seed,
            target_size=(size, size), class_mode="binary")

    train, valid = flow(train_dir, seed), flow(valid_dir, seed + 1)
    return {
        "x": train, "validation_data": valid,
        "steps_per_epoch": max(train.samples // BATCH_SIZE, 1),
        "validation_steps": max(valid.samples // BATCH_SIZE, 1),
    }


def _as_written_fit_generator():
    """The seed's ``model.fit_generator(...)`` call, on a two-image batch."""
    import numpy as np

    model = se_cnn(SMALL_SIZE, 8)
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
    x = np.zeros((2, SMALL_SIZE, SMALL_SIZE, 3), "float32")
    y = np.zeros((2, 1), "float32")
    return model.fit_generator(iter([(x, y)] * 2), steps_per_epoch=1, epochs=1, verbose=0)


def _as_written_se_layer_save():
    """The seed's SELayer (a subclassed Model without get_config) inside a model saved to .keras."""
    import tensorflow as tf

    class SeedSELayer(keras.Model):
        def __init__(self, filters, reduction=16):
            super().__init__()
            self.filters = filters
            self.reduction = reduction
            self.GAP = keras.layers.GlobalAveragePooling2D()
            self.FC = keras.models.Sequential([
                keras.layers.Dense(units=self.filters // self.reduction, input_shape=(self.filters,)),
                keras.layers.Dropout(0.5),
                keras.layers.BatchNormalization(),
                keras.layers.Activation("relu"),
                keras.layers.Dense(units=filters),
                keras.layers.Dropout(0.5),
                keras.layers.BatchNormalization(),
                keras.layers.Activation("sigmoid"),
            ])
            self.Multiply = keras.layers.Multiply()

        def call(self, inputs, training=None, mask=None):
            x = self.GAP(inputs)
            x = self.FC(x)
            return self.Multiply([x, inputs])

    model = keras.Sequential([keras.Input(shape=(8, 8, 16)), SeedSELayer(16)])
    path = os.path.join(tempfile.mkdtemp(prefix="gate-se-"), "se.keras")
    model.save(path)
    return tf.io.gfile.exists(path)


register(Entry(
    id="attn.se_layer", seed=SEED, kind="layer",
    title="SELayer(filters, reduction=16): GAP -> FC bottleneck with Dropout and BatchNorm -> sigmoid -> Multiply",
    builder=lambda small: built_layer(SELayer(16), (None, 8, 8, 16) if small else (None, 64, 64, 16)),
    sample_input=uniform_input(lambda small: (8, 8, 16) if small else (64, 64, 16)),
    as_written=_as_written_se_layer_save,
    figures=("attn.se_layer.params",),
    changes=(
        "subclasses keras.layers.Layer, not keras.Model, with get_config and registration: the seed's "
        "subclassed Model saves on TF 2.15 but not on Keras 3",
        "the bottleneck Dense takes its input width from build() instead of input_shape=(filters,)",
        "training= is passed on to the Dropout and BatchNormalization inside",
    ),
    small_note="8x8 spatial input instead of 64x64; the same 16 filters",
    flexible=lambda: built_layer(SELayer(16), (None, None, None, 16)),
))

register(Entry(
    id="attn.se_layer.build_graph", seed=SEED, kind="helper", refers_to="attn.se_layer",
    title="build_graph(input_shape): call the layer on a symbolic Input",
    helper=build_graph,
    changes=("a free function that takes the layer and returns the functional Model it builds; "
             "the seed's method built the graph and discarded it",),
))

register(Entry(
    id="attn.se_cnn", seed=SEED, kind="model",
    title="Sequential cats-vs-dogs CNN: 3 x [Conv2D, MaxPooling2D, SELayer, Dropout], Dense(512), Dense(1) logits",
    builder=lambda small: se_cnn(SMALL_SIZE, 32) if small else se_cnn(),
    sample_input=uniform_input(_image_size),
    figures=("attn.se_cnn.params", "attn.se_cnn.layer_params", "attn.se_cnn.output_shapes"),
    changes=("keras.Input replaces input_shape= on the first Conv2D (deprecated in Keras 3); "
             "the canonical SELayer",),
    small_note="32x32 images and Dense(32) instead of 128x128 and Dense(512)",
))

register(Entry(
    id="attn.se_cnn.recipe", seed=SEED, kind="recipe", refers_to="attn.se_cnn",
    title="ImageDataGenerator(rescale=1/255).flow_from_directory, batch 64, 2000/1000 images, 15 epochs",
    recipe=Recipe(
        model_id="attn.se_cnn", data=recipe_data,
        compile=lambda: dict(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True),
                             metrics=[keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)]),
        fit=dict(epochs=EPOCHS),
        notes="a generated image folder (warm discs vs cool bars) replaces the downloaded photos",
        quick=Quick(scale=0.3, small=True),
    ),
    as_written=_as_written_fit_generator,
    figures=("attn.se_cnn.recipe.final_val_accuracy",),
    changes=(
        "model.fit replaces fit_generator, which Keras 3 removed",
        "the images are generated into a temporary folder (no download), read by the same "
        "ImageDataGenerator.flow_from_directory (Keras 3 keeps it in keras.src.legacy)",
        "the shuffles are seeded so runs repeat",
        "accuracy is BinaryAccuracy(threshold=0.0): the model outputs logits, and the seed's "
        "metrics=['accuracy'] thresholds them at 0.5 as if they were probabilities",
    ),
))

register(Entry(
    id="attn.se_cnn.plot", seed=SEED, kind="plot", refers_to="attn.se_cnn.recipe",
    title="accuracy and loss curves, train vs validation",
    helper=plot_history,
    changes=("drawn to a PNG for the HTML report instead of plt.show()",),
))
