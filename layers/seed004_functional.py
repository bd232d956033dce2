"""Seed 004, part 2: the functional API guide (multi-io, shared layers, nodes, inception, VQA)."""
from __future__ import annotations

import dataclasses

import numpy as np

from keras_upgrade_gate.fixtures import digits
from keras_upgrade_gate.fixtures.generators import one_hot_chars, planted_features, planted_tokens
from keras_upgrade_gate.layers.building import uniform_input
from keras_upgrade_gate.layers.catalog import Entry, Quick, Recipe, SharedLayer, register
from keras_upgrade_gate.layers.compat import keras, to_categorical

SEED = "004_158197f8a9253614.txt"
L = keras.layers


def dense_model(input_dim=784, name=None):
    inputs = keras.Input(shape=(input_dim,))
    x = L.Dense(64, activation="relu")(inputs)
    x = L.Dense(64, activation="relu")(x)
    predictions = L.Dense(10, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=predictions, name=name)


def model_as_layer():
    """A built model called on a new Input: the outer model holds the inner one, weights and all."""
    inner = dense_model(name="dense_model")
    x = keras.Input(shape=(784,))
    return keras.Model(x, inner(x))


def time_distributed_model(steps=20):
    inner = dense_model()
    input_sequences = keras.Input(shape=(steps, 784))
    return keras.Model(input_sequences, L.TimeDistributed(inner)(input_sequences))


def time_distributed_dense():
    return keras.Sequential([keras.Input(shape=(10, 16)), L.TimeDistributed(L.Dense(8))])


@dataclasses.dataclass(frozen=True)
class MultiIOSize:
    length: int = 100
    vocab: int = 10000
    embedding: int = 512
    lstm: int = 32
    hidden: int = 64


MULTI_IO_SMALL = MultiIOSize(length=12, vocab=200, embedding=16, lstm=8, hidden=16)


def multi_io(size: MultiIOSize = MultiIOSize()):
    main_input = keras.Input(shape=(size.length,), dtype="int32", name="main_input")
    x = L.Embedding(output_dim=size.embedding, input_dim=size.vocab)(main_input)
    lstm_out = L.LSTM(size.lstm)(x)
    auxiliary_output = L.Dense(1, activation="sigmoid", name="aux_output")(lstm_out)
    auxiliary_input = keras.Input(shape=(5,), name="aux_input")
    x = L.concatenate([lstm_out, auxiliary_input])
    for _ in range(3):
        x = L.Dense(size.hidden, activation="relu")(x)
    main_output = L.Dense(1, activation="sigmoid", name="main_output")(x)
    return keras.Model(inputs=[main_input, auxiliary_input], outputs=[main_output, auxiliary_output])


def shared_lstm(length=140, alphabet=256, units=64):
    tweet_a = keras.Input(shape=(length, alphabet))
    tweet_b = keras.Input(shape=(length, alphabet))
    shared = L.LSTM(units, name="shared_lstm")
    merged = L.concatenate([shared(tweet_a), shared(tweet_b)], axis=-1)
    predictions = L.Dense(1, activation="sigmoid")(merged)
    return keras.Model(inputs=[tweet_a, tweet_b], outputs=predictions)


def layer_nodes(length=140, alphabet=256, units=32):
    """One LSTM called on two inputs: its node 0 and node 1 are the model's two outputs."""
    a = keras.Input(shape=(length, alphabet))
    b = keras.Input(shape=(length, alphabet))
    lstm = L.LSTM(units, name="lstm")
    return keras.Model([a, b], [lstm(a), lstm(b)])


def layer_node_shapes():
    """One Conv2D called on (32, 32, 3) and on (64, 64, 3)."""
    a = keras.Input(shape=(32, 32, 3))
    b = keras.Input(shape=(64, 64, 3))
    conv = L.Conv2D(16, (3, 3), padding="same", name="conv")
    return keras.Model([a, b], [conv(a), conv(b)])


def inception(size=256, filters=64, axis=1):
    """axis=1 is the seed's (it joins along the height under channels-last); -1 is the intent."""
    input_img = keras.Input(shape=(size, size, 3))
    tower_1 = L.Conv2D(filters, (1, 1), padding="same", activation="relu")(input_img)
    tower_1 = L.Conv2D(filters, (3, 3), padding="same", activation="relu")(tower_1)
    tower_2 = L.Conv2D(filters, (1, 1), padding="same", activation="relu")(input_img)
    tower_2 = L.Conv2D(filters, (5, 5), padding="same", activation="relu")(tower_2)
    tower_3 = L.MaxPooling2D((3, 3), strides=(1, 1), padding="same")(input_img)
    tower_3 = L.Conv2D(filters, (1, 1), padding="same", activation="relu")(tower_3)
    output = L.concatenate([tower_1, tower_2, tower_3], axis=axis)
    return keras.Model(input_img, output)


def residual(size=256):
    x = keras.Input(shape=(size, size, 3))
    y = L.Conv2D(3, (3, 3), padding="same")(x)
    return keras.Model(x, L.add([x, y]))


def shared_vision(size=27, filters=64):
    digit_input = keras.Input(shape=(size, size, 1))
    x = L.Conv2D(filters, (3, 3))(digit_input)
    x = L.Conv2D(filters, (3, 3))(x)
    x = L.MaxPooling2D((2, 2))(x)
    vision_model = keras.Model(digit_input, L.Flatten()(x), name="vision_model")
    digit_a = keras.Input(shape=(size, size, 1))
    digit_b = keras.Input(shape=(size, size, 1))
    concatenated = L.concatenate([vision_model(digit_a), vision_model(digit_b)])
    out = L.Dense(1, activation="sigmoid")(concatenated)
    return keras.Model([digit_a, digit_b], out)


@dataclasses.dataclass(frozen=True)
class VQASize:
    image: int = 224
    filters: int = 64  # doubles per block: 64, 128, 256
    length: int = 100
    vocab: int = 10000
    embedding: int = 256
    lstm: int = 256
    answers: int = 1000
    frames: int = 100


VQA_SMALL = VQASize(image=32, filters=4, length=12, vocab=100, embedding=8, lstm=8, answers=10, frames=3)


def vqa_parts(size: VQASize = VQASize()):
    """The vision model, the question encoder's tensors and the VQA model, as the seed builds them."""
    f = size.filters
    vision_model = keras.Sequential([
        keras.Input(shape=(size.image, size.image, 3)),
        L.Conv2D(f, (3, 3), activation="relu", padding="same"), L.Conv2D(f, (3, 3), activation="relu"),
        L.MaxPooling2D((2, 2)),
        L.Conv2D(2 * f, (3, 3), activation="relu", padding="same"), L.Conv2D(2 * f, (3, 3), activation="relu"),
        L.MaxPooling2D((2, 2)),
        L.Conv2D(4 * f, (3, 3), activation="relu", padding="same"), L.Conv2D(4 * f, (3, 3), activation="relu"),
        L.Conv2D(4 * f, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)),
        L.Flatten(),
    ], name="vision_model")
    image_input = keras.Input(shape=(size.image, size.image, 3))
    encoded_image = vision_model(image_input)
    question_input = keras.Input(shape=(size.length,), dtype="int32")
    embedded_question = L.Embedding(input_dim=size.vocab, output_dim=size.embedding)(question_input)
    encoded_question = L.LSTM(size.lstm)(embedded_question)
    merged = L.concatenate([encoded_question, encoded_image])
    output = L.Dense(size.answers, activation="softmax")(merged)
    vqa_model = keras.Model(inputs=[image_input, question_input], outputs=output)
    return vision_model, question_input, encoded_question, vqa_model


def video_qa(size: VQASize = VQASize()):
    vision_model, question_input, encoded_question, _ = vqa_parts(size)
    video_input = keras.Input(shape=(size.frames, size.image, size.image, 3))
    encoded_frame_sequence = L.TimeDistributed(vision_model)(video_input)
    encoded_video = L.LSTM(size.lstm)(encoded_frame_sequence)
    question_encoder = keras.Model(inputs=question_input, outputs=encoded_question, name="question_encoder")
    video_question_input = keras.Input(shape=(size.length,), dtype="int32")
    encoded_video_question = question_encoder(video_question_input)
    merged = L.concatenate([encoded_video, encoded_video_question])
    output = L.Dense(size.answers, activation="softmax")(merged)
    return keras.Model(inputs=[video_input, video_question_input], outputs=output)


# --- sample inputs ----------------------------------------------------------------------------

def _multi_io_input(small, batch, rng):
    size = MULTI_IO_SMALL if small else MultiIOSize()
    return {"main_input": rng.integers(1, size.vocab, (batch, size.length)).astype("int32"),
            "aux_input": rng.random((batch, 5)).astype("float32")}


def _pair(shape_of):
    def make(small, batch, rng):
        shape = shape_of(small)
        return [rng.random((batch, *shape)).astype("float32") for _ in range(2)]
    return make


def _vqa_input(video):
    def make(small, batch, rng):
        size = VQA_SMALL if small else VQASize()
        frames = (size.frames,) if video else ()
        pixels = rng.random((batch, *frames, size.image, size.image, 3)).astype("float32")
        return [pixels, rng.integers(1, size.vocab, (batch, size.length)).astype("int32")]
    return make


# --- recipe data: learnable versions of the seed's undefined arrays -----------------------------

def _dense_data(seed=0, scale=1.0, small=False):
    x, y = planted_features(max(int(1000 * scale), 100), 784, 10, seed=seed)
    return {"x": x, "y": to_categorical(y, 10)}


def _multi_io_data(seed=0, scale=1.0, small=False):
    size = MULTI_IO_SMALL if small else MultiIOSize()
    n = max(int(1000 * scale), 100)
    headlines, labels = planted_tokens(n, size.length, size.vocab, seed=seed)
    extra = np.random.RandomState(seed + 1).random_sample((n, 5)).astype("float32")
    labels = labels.astype("float32")
    return {"x": {"main_input": headlines, "aux_input": extra},
            "y": {"main_output": labels, "aux_output": labels}}


def _two_users(seed=0, scale=1.0, small=False):
    """Pairs of one-hot tweets; each 'user' writes from one half of the alphabet.

    Label 1 when both tweets come from user 1.  (The seed's question, "same user?", is an
    equality, which its head, one sigmoid unit on the concatenated encodings, cannot express;
    "both from user 1" is an AND it can.)  Each tweet is user 1's with probability 1/sqrt(2),
    so the classes are balanced.
    """
    length, alphabet = (20, 32) if small else (140, 256)
    n = max(int(1000 * scale), 100)
    rng = np.random.RandomState(seed)
    users = (rng.random_sample((n, 2)) < 2 ** -0.5).astype("int64")
    tweets = []
    for column in range(2):
        _, codes = one_hot_chars(n, length, alphabet // 2, seed=seed + 1 + column)
        codes = codes + users[:, column:column + 1] * (alphabet // 2)
        tweets.append(np.eye(alphabet, dtype="float32")[codes])
    both = (users[:, 0] & users[:, 1]).astype("float32").reshape(-1, 1)
    return {"x": tweets, "y": both}


def _digit_pairs(seed=0, scale=1.0, small=False):
    """Pairs of real handwritten zeros and ones on a 27x27 canvas; label 1 when both are ones.

    (As for the tweets: the seed's "same digit?" is an equality its single sigmoid unit cannot
    express; "both are ones" is an AND.)  Each digit is a one with probability 1/sqrt(2).
    """
    (images, labels), _ = digits.load_data(seed=seed)
    images = digits.pad_to(images, 27)[..., np.newaxis].astype("float32") / 255.0
    zeros, ones = np.flatnonzero(labels == 0), np.flatnonzero(labels == 1)
    n = max(int(1000 * scale), 100)
    rng = np.random.RandomState(seed)
    is_one = rng.random_sample((n, 2)) < 2 ** -0.5
    picks = [np.where(is_one[:, c], rng.choice(ones, n), rng.choice(zeros, n)) for c in range(2)]
    both = (is_one[:, 0] & is_one[:, 1]).astype("float32").reshape(-1, 1)
    return {"x": [images[picks[0]], images[picks[1]]], "y": both}


def _binary(optimizer="rmsprop"):
    return lambda: dict(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])


def _multi_io_compile():
    return dict(optimizer="rmsprop",
                loss={"main_output": "binary_crossentropy", "aux_output": "binary_crossentropy"},
                loss_weights={"main_output": 1.0, "aux_output": 0.2},
                metrics={"main_output": "accuracy"})


# --- as written -------------------------------------------------------------------------------

def _as_written_embedding_input_length():
    main_input = keras.Input(shape=(100,), dtype="int32", name="main_input")
    x = L.Embedding(output_dim=512, input_dim=10000, input_length=100)(main_input)
    return keras.Model(main_input, x)


def _as_written_multi_io_list_weights():
    """compile(loss='binary_crossentropy', loss_weights=[1., 0.2]) and fit with lists."""
    model = multi_io(MULTI_IO_SMALL)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", loss_weights=[1.0, 0.2])
    data = _multi_io_data(small=True, scale=0.1)
    x, y = data["x"], data["y"]
    return model.fit([x["main_input"], x["aux_input"]], [y["main_output"], y["aux_output"]],
                     epochs=1, batch_size=32, verbose=0)


def _two_calls(layer_factory, a_shape, b_shape):
    a, b = keras.Input(shape=a_shape), keras.Input(shape=b_shape)
    layer = layer_factory()
    return layer, layer(a), layer(b)


def _as_written_output_on_shared_lstm():
    lstm, _, _ = _two_calls(lambda: L.LSTM(32), (140, 256), (140, 256))
    return lstm.output


def _as_written_get_output_at():
    lstm, encoded_a, encoded_b = _two_calls(lambda: L.LSTM(32), (140, 256), (140, 256))
    return lstm.get_output_at(0) is encoded_a and lstm.get_output_at(1) is encoded_b


def _as_written_input_shape_one_call():
    a = keras.Input(shape=(32, 32, 3))
    conv = L.Conv2D(16, (3, 3), padding="same")
    conv(a)
    return conv.input_shape


def _as_written_input_shape_two_calls():
    conv, _, _ = _two_calls(lambda: L.Conv2D(16, (3, 3), padding="same"), (32, 32, 3), (64, 64, 3))
    return conv.input_shape


def _as_written_get_input_shape_at():
    conv, _, _ = _two_calls(lambda: L.Conv2D(16, (3, 3), padding="same"), (32, 32, 3), (64, 64, 3))
    return [tuple(conv.get_input_shape_at(0)), tuple(conv.get_input_shape_at(1))]


def _as_written_time_distributed_dense():
    model = keras.Sequential()
    model.add(L.TimeDistributed(L.Dense(8), input_shape=(10, 16)))
    return model


INPUT_LENGTH_CHANGE = ("Embedding without input_length=: the Input's shape fixes the length (Keras 3 "
                       "deprecates the argument)")

register(Entry(
    id="func.dense", seed=SEED, kind="model",
    title="Input(784) -> Dense 64 relu -> Dense 64 relu -> Dense 10 softmax",
    builder=lambda small: dense_model(), sample_input=uniform_input((784,)),
    recipe=Recipe(model_id="func.dense", data=_dense_data,
                  compile=lambda: dict(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"]),
                  fit=dict(epochs=10, batch_size=32),
                  notes="the seed's data and labels are undefined: planted 10-class labels on 784 features"),
    changes=("none",), small_note="already small",
))

register(Entry(
    id="func.model_as_layer", seed=SEED, kind="model",
    title="a built model called on a new Input reuses its weights",
    builder=lambda small: model_as_layer(), sample_input=uniform_input((784,)),
    changes=("none",), small_note="already small",
    shared=(SharedLayer("dense_model", inputs=(0,), outputs=(0,), input_shapes=((None, 784),),
                        output_shapes=((None, 10),)),),
))

register(Entry(
    id="func.time_distributed_model", seed=SEED, kind="model",
    title="TimeDistributed(model) over Input(20, 784) -> (None, 20, 10)",
    builder=lambda small: time_distributed_model(), sample_input=uniform_input((20, 784)),
    changes=("none",), small_note="already small",
))

register(Entry(
    id="func.time_distributed_dense", seed=SEED, kind="model",
    title="TimeDistributed(Dense(8), input_shape=(10, 16)): (32, 10, 16) -> (32, 10, 8)",
    builder=lambda small: time_distributed_dense(), sample_input=uniform_input((10, 16)),
    as_written=_as_written_time_distributed_dense,
    changes=("keras.Input(shape=(10, 16)) replaces input_shape= on the wrapper",), small_note="already small",
))

register(Entry(
    id="func.multi_io", seed=SEED, kind="model",
    title="headline + aux input, aux_output after the LSTM, main_output after 3 x Dense(64); loss_weights 1, 0.2",
    builder=lambda small: multi_io(MULTI_IO_SMALL if small else MultiIOSize()),
    sample_input=_multi_io_input,
    recipe=Recipe(model_id="func.multi_io", data=_multi_io_data, small=True, compile=_multi_io_compile,
                  fit=dict(epochs=50, batch_size=32), quick=Quick(epochs=10, small=True),
                  monitor="main_output_accuracy",
                  notes="headlines with a planted marker token; both outputs learn the same label"),
    as_written={"embedding_input_length": _as_written_embedding_input_length,
                "list_loss_weights": _as_written_multi_io_list_weights},
    changes=(INPUT_LENGTH_CHANGE, "compiled and fitted by name with dicts (the seed's second form)"),
    small_note="length 12, vocabulary 200, Embedding(16), LSTM(8), Dense(16)",
))

register(Entry(
    id="func.shared_lstm", seed=SEED, kind="model",
    title="tweet_a, tweet_b (140, 256) -> one shared LSTM(64) -> concatenate -> Dense(1, sigmoid)",
    builder=lambda small: shared_lstm(20, 32, 8) if small else shared_lstm(),
    sample_input=_pair(lambda small: (20, 32) if small else (140, 256)),
    recipe=Recipe(model_id="func.shared_lstm", data=_two_users, small=True, compile=_binary(),
                  fit=dict(epochs=10, batch_size=32),
                  notes="each 'user' writes from one half of the alphabet; label: both tweets by user 1"),
    changes=("the recipe's task is 'both tweets by user 1': the seed's 'same user?' is an equality that "
             "one sigmoid unit on the concatenated encodings cannot express",),
    small_note="(20, 32) one-hot tweets and LSTM(8)",
    shared=(SharedLayer("shared_lstm", inputs=(0, 1), input_shapes=((None, 140, 256),) * 2,
                        output_shapes=((None, 64),) * 2),),
))

register(Entry(
    id="func.layer_nodes", seed=SEED, kind="model",
    title="one LSTM(32) called on a and on b: node 0 and node 1",
    builder=lambda small: layer_nodes(10, 16, 4) if small else layer_nodes(),
    sample_input=_pair(lambda small: (10, 16) if small else (140, 256)),
    as_written={"output_on_multi_node_layer": _as_written_output_on_shared_lstm,
                "get_output_at": _as_written_get_output_at},
    changes=("the seed's lstm.output / get_output_at(i) become layers.compat.node_output(layer, i), "
             "which both generations answer (Keras 3 removed get_output_at)",),
    small_note="(10, 16) inputs and LSTM(4)",
    shared=(SharedLayer("lstm", inputs=(0, 1), outputs=(0, 1), input_shapes=((None, 140, 256),) * 2,
                        output_shapes=((None, 32),) * 2),),
))

register(Entry(
    id="func.layer_node_shapes", seed=SEED, kind="model",
    title="one Conv2D on (32, 32, 3) then (64, 64, 3): input shape per node",
    builder=lambda small: layer_node_shapes(),
    sample_input=lambda small, batch, rng: [rng.random((batch, 32, 32, 3)).astype("float32"),
                                            rng.random((batch, 64, 64, 3)).astype("float32")],
    as_written={"input_shape_after_one_call": _as_written_input_shape_one_call,
                "input_shape_after_two_calls": _as_written_input_shape_two_calls,
                "get_input_shape_at": _as_written_get_input_shape_at},
    changes=("get_input_shape_at(i) becomes layers.compat.node_input_shape(layer, i): Keras 3 has "
             "neither input_shape nor get_input_shape_at",),
    small_note="already small",
    shared=(SharedLayer("conv", inputs=(0, 1), outputs=(0, 1),
                        input_shapes=((None, 32, 32, 3), (None, 64, 64, 3)),
                        output_shapes=((None, 32, 32, 16), (None, 64, 64, 16))),),
))

register(Entry(
    id="func.inception", seed=SEED, kind="model",
    title="inception module: 1x1->3x3, 1x1->5x5, maxpool->1x1 towers, concatenate(axis=1)",
    builder=lambda small: inception(16, 8) if small else inception(),
    sample_input=uniform_input(lambda small: (16, 16, 3) if small else (256, 256, 3)),
    changes=("kept faithful: concatenate(axis=1) joins along the height under channels-last, giving "
             "(None, 768, 256, 64); the channels-last intent is axis=-1, (None, 256, 256, 192), "
             "available as inception(axis=-1)",),
    small_note="16x16 input and 8 filters per tower",
    flexible=lambda: inception(None, 8),
))

register(Entry(
    id="func.residual", seed=SEED, kind="model",
    title="Conv2D(3, 3x3, same) on a 256x256x3 input, add([x, y])",
    builder=lambda small: residual(16) if small else residual(),
    sample_input=uniform_input(lambda small: (16, 16, 3) if small else (256, 256, 3)),
    changes=("none",), small_note="16x16 input",
    flexible=lambda: residual(None),
))

register(Entry(
    id="func.shared_vision", seed=SEED, kind="model",
    title="vision model on (27, 27, 1) applied to two digits; concatenate; Dense(1, sigmoid)",
    builder=lambda small: shared_vision(27, 8) if small else shared_vision(),
    sample_input=_pair(lambda small: (27, 27, 1)),
    recipe=Recipe(model_id="func.shared_vision", data=_digit_pairs, small=True, compile=_binary("adam"),
                  fit=dict(epochs=10, batch_size=32),
                  notes="pairs of real handwritten 0s and 1s (scikit-learn's, upscaled to 27x27); label: both are 1"),
    changes=("the seed compiles nothing: adam and binary cross-entropy for the recipe",
             "the recipe's task is 'both digits are 1' on zeros and ones: the seed's 'same digit?' is an "
             "equality that one sigmoid unit on the concatenated encodings cannot express"),
    small_note="8 filters instead of 64",
    shared=(SharedLayer("vision_model", inputs=(0, 1), input_shapes=((None, 27, 27, 1),) * 2,
                        output_shapes=((None, 7744),) * 2),),
))

register(Entry(
    id="func.vqa", seed=SEED, kind="model",
    title="VQA: VGG-style vision Sequential on 224x224x3 + Embedding/LSTM(256) question -> Dense(1000, softmax)",
    builder=lambda small: vqa_parts(VQA_SMALL if small else VQASize())[3],
    sample_input=_vqa_input(video=False),
    as_written=_as_written_embedding_input_length,
    changes=(INPUT_LENGTH_CHANGE, "keras.Input replaces input_shape= on the vision model's first Conv2D"),
    small_note="32x32 images, 4/8/16 filters, question length 12, vocabulary 100, LSTM(8), 10 answers",
))

register(Entry(
    id="func.video_qa", seed=SEED, kind="model",
    title="video QA: TimeDistributed(vision_model) -> LSTM(256); the question encoder reused; Dense(1000)",
    builder=lambda small: video_qa(VQA_SMALL if small else VQASize()),
    sample_input=_vqa_input(video=True),
    changes=(INPUT_LENGTH_CHANGE, "built together with func.vqa's vision model and question encoder, "
             "whose weights it shares"),
    small_note="3 frames of 32x32 and the small VQA configuration",
    shared=(SharedLayer("question_encoder", inputs=(1,), input_shapes=((None, 100),),
                        output_shapes=((None, 256),)),),
))
