"""Standalone reproduction scripts for failing checks: ``reports/<env>/repro/<check>.py``.

A failing check that knows how to be reproduced records a recipe (conformance/repro.py); this module
turns it into a script of plain TensorFlow/Keras and NumPy (no import of the gate): the model built
inline, the inputs the gate drew embedded, the comparison that failed with the gate's tolerance.
Exit status 0 means the check passes on the Keras that runs it; an AssertionError that it fails there.
A team attaches it to an upstream bug report.  Rendering is text only: no TensorFlow here.
"""
from __future__ import annotations

import pathlib
import textwrap

from keras_upgrade_gate.reporting import results

RECIPE_KEY = "repro"  # the recorded value a failing check leaves its recipe under

_HEADER = '''\
"""Reproduction of a check of the Keras upgrade gate that failed.

Snippet: {entry}
Check:   {check}
Failed on {versions}: {message}

Plain TensorFlow/Keras and NumPy, no import of the gate.  Run it with the Keras to test:
exit status 0 means the check passes there; an AssertionError that it fails as it did in the gate.
"""
import base64
import io
import os

import numpy as np
import tensorflow as tf

if os.environ.get("TF_USE_LEGACY_KERAS") == "1":
    import tf_keras as keras
else:
    import keras


def decode(encoded):
    """Arrays the gate embedded: base64 of a compressed .npz."""
    with np.load(io.BytesIO(base64.b64decode(encoded["npz"]))) as stored:
        named = {{key: stored[key] for key in stored.files}}
    if encoded["structure"] == "dict":
        return named
    values = [named[f"a{{i}}"] for i in range(len(named))]
    return values if encoded["structure"] == "list" else values[0]
'''

# The gate's NumPy weights for a model built from the code above: shared by the golden, saving and parity templates.
_WEIGHT_HELPERS = '''\
WEIGHT_SEED = {weight_seed}
WEIGHT_NAMES = {weight_names!r}
STOCHASTIC_LAYERS = {stochastic_layers!r}


def all_layers(layer):
    for inner in getattr(layer, "layers", []) + ([layer.layer] if hasattr(layer, "layer") else []):
        yield inner
        yield from all_layers(inner)


def silence_stochastic_layers(model):
    """Dropout masks are Keras's RNG, not a contract: the gate trains with their rates at 0."""
    for layer in all_layers(model):
        if type(layer).__name__ in STOCHASTIC_LAYERS:
            layer.rate = 0.0


def short_name(weight):
    return weight.name.split("/")[-1].split(":")[0]


def canonical_variables(model):
    return list(model.trainable_weights) + list(model.non_trainable_weights)


def with_gate_weights(model):
    """The model's variables, each assigned the weight the gate draws by NumPy for it."""
    variables = canonical_variables(model)
    assert [short_name(v) for v in variables] == WEIGHT_NAMES, "the rebuilt model's weights differ from the gate's"
    rng = np.random.RandomState(WEIGHT_SEED)
    for variable in variables:
        variable.assign(draw_weight(rng, short_name(variable), tuple(int(d) for d in variable.shape)))
    return variables
'''

# The model with the gate's NumPy weights.
_GATE_WEIGHTS = _WEIGHT_HELPERS + '''\

model = build_model()
variables = with_gate_weights(model)
'''

# The gate's golden run (conformance/golden.py trajectory), up to the quantity that failed.
_GOLDEN_TRAJECTORY = _GATE_WEIGHTS + '''\
INPUTS = {inputs!r}
EXPECTED = {expected!r}
ATOL = {atol!r}  # the gate's tolerance for this tensor (its scale x the measured tolerance)
QUANTITY, INDEX = {quantity!r}, {index!r}
STEPS, LOSS_DROP, TRAINING = {steps!r}, {loss_drop!r}, {training!r}


def as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


x = decode(INPUTS)
outputs = as_list(model(x, training=False))
observed = {{"outputs": [np.asarray(o) for o in outputs]}}
if QUANTITY != "outputs":  # a few steps of plain SGD on a mean squared error, as the gate runs them
    silence_stochastic_layers(model)
    targets_rng = np.random.RandomState(11)
    targets = [targets_rng.standard_normal(tuple(np.asarray(o).shape)).astype("float32") for o in outputs]
    losses, optimizer = [], None
    for step in range(STEPS):
        with tf.GradientTape() as tape:
            predictions = as_list(model(x, training=TRAINING))
            loss = tf.add_n([tf.reduce_mean(tf.square(p - t)) for p, t in zip(predictions, targets)])
        gradients = [tf.zeros_like(v) if g is None else g
                     for g, v in zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables)]
        if step == 0:
            observed["gradients"] = [np.asarray(tf.convert_to_tensor(g)) for g in gradients]
            squared_norm = sum(float(np.sum(np.square(g, dtype="float64"))) for g in observed["gradients"])
            optimizer = keras.optimizers.SGD(learning_rate=LOSS_DROP * float(loss) / squared_norm)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        losses.append(float(loss))
    observed["losses"] = [np.array(losses)]
    observed["weights"] = [np.asarray(v) for v in variables]
got, expected = observed[QUANTITY][INDEX], decode(EXPECTED)
print(f"{{QUANTITY}} #{{INDEX}}: largest difference {{np.max(np.abs(got - expected)):.3g}} (tolerance {{ATOL:.3g}})")
np.testing.assert_allclose(got, expected, rtol=0, atol=ATOL,
                           err_msg=f"{{QUANTITY}} #{{INDEX}} differs from the gate's baseline on Keras {{keras.__version__}}")
print(f"passes on TensorFlow {{tf.__version__}}, Keras {{keras.__version__}}")
'''

# The gate's golden fit (conformance/golden_fit.py): the recipe's compile and fit on the rows it fed.
_GOLDEN_FIT = _GATE_WEIGHTS + '''\
X, Y = {x!r}, {y!r}  # the rows the gate fed, in its order (shuffle=False)
FIT = {fit}
EXPECTED = {expected!r}
ATOL = {atol!r}  # the gate's tolerance for this value
QUANTITY, KEY = {quantity!r}, {key!r}

silence_stochastic_layers(model)
model.compile(**{compile})
history = model.fit(x=decode(X), y=decode(Y), verbose=0, **FIT).history
if QUANTITY == "history":
    got = float(history[KEY][-1])
else:
    got = np.asarray(variables[int(KEY.split("_")[1])])
expected = decode(EXPECTED)
print(f"{{KEY}}: largest difference {{np.max(np.abs(got - expected)):.3g}} (tolerance {{ATOL:.3g}})")
np.testing.assert_allclose(got, expected, rtol=0, atol=ATOL,
                           err_msg=f"{{KEY}} after the fit differs from the gate's baseline on Keras {{keras.__version__}}")
print(f"passes on TensorFlow {{tf.__version__}}, Keras {{keras.__version__}}")
'''

# A model's symbolic output shapes (what its graph infers) against a forward pass (conformance/test_shapes.py).
_SYMBOLIC_SHAPES = '''\
INPUTS = {inputs!r}


def as_list(value):
    if isinstance(value, dict):
        return list(value.values())
    return list(value) if isinstance(value, (list, tuple)) else [value]


model = build_model()
symbolic = [tuple(t.shape) for t in as_list(model.outputs)]
eager = [tuple(np.asarray(t).shape) for t in as_list(model(decode(INPUTS), training=False))]
print(f"symbolic {{symbolic}}, forward pass {{eager}}")
assert len(symbolic) == len(eager), f"{{len(symbolic)}} symbolic outputs, {{len(eager)}} computed"
for index, (inferred, computed) in enumerate(zip(symbolic, eager)):
    agrees = len(inferred) == len(computed) and all(d is None or d == c for d, c in zip(inferred, computed))
    assert agrees, f"output {{index}}: the graph infers {{inferred}}, the forward pass gives {{computed}} on Keras {{keras.__version__}}"
print(f"passes on TensorFlow {{tf.__version__}}, Keras {{keras.__version__}}")
'''

# A text against the baseline the gate stored: a diff printed, the assertion that fails.
_AGAINST_THE_BASELINE = '''\
difference = "\\n".join(difflib.unified_diff(EXPECTED.splitlines(), text.splitlines(), "baseline", "this Keras",
                                            lineterm=""))
print(difference or text)
assert text == EXPECTED, f"{what} differs from the gate's baseline on Keras {{keras.__version__}}"
print(f"passes on TensorFlow {{tf.__version__}}, Keras {{keras.__version__}}")
'''

# A model's layer configs, normalized as the gate does (conformance/configs.py), against the stored baseline.
_LAYER_CONFIGS = '''\
import difflib

EXPECTED = {expected!r}

text = "\\n".join(layer_lines(build_model()))
''' + _AGAINST_THE_BASELINE.replace("{what}", "a layer's config")

# A model's summary() text at the gate's fixed width against the stored baseline (conformance/test_summary_text.py).
_SUMMARY_TEXT = '''\
import difflib

EXPECTED = {expected!r}
WIDTH = {width!r}

os.environ["COLUMNS"] = str(WIDTH)  # Keras 3 sizes its table to the terminal whatever line_length says
lines = []
build_model().summary(line_length=WIDTH, print_fn=lambda line, *args, **kwargs: lines.append(line))
text = "\\n".join(lines)
''' + _AGAINST_THE_BASELINE.replace("{what}", "summary()")

# A recipe's seeded training run against its convergence floors (conformance/test_convergence.py).
_CONVERGENCE = '''\
X, Y = {x!r}, {y!r}  # the rows the gate trained on
VALIDATION = {validation!r}  # its validation_data, where the recipe passes one
FIT = {fit}
INITIAL_WEIGHTS = {initial_weights!r}  # the gate's seeded initial weights
MONITOR = {monitor!r}
MIN_LOSS_DROP, MIN_METRIC = {min_loss_drop!r}, {min_metric!r}  # {source}

keras.utils.set_random_seed(0)
tf.config.experimental.enable_op_determinism()
model = build_model()
model.set_weights(decode(INITIAL_WEIGHTS))
model.compile(**{compile})
x, y = decode(X), decode(Y)
fit = dict(FIT)
if VALIDATION is not None:
    fit["validation_data"] = tuple(decode(VALIDATION))
initial = model.evaluate(x, y, verbose=0, batch_size=256)
initial_loss = float(initial[0] if isinstance(initial, (list, tuple)) else initial)
history = model.fit(x, y, verbose=0, **fit).history
loss_drop = 1.0 - float(history["loss"][-1]) / initial_loss
metric = float(history[f"val_{{MONITOR}}"][-1])
print(f"loss drop {{loss_drop:.3f}} (floor {{MIN_LOSS_DROP}}), val_{{MONITOR}} {{metric:.3f}} (floor {{MIN_METRIC}})")
assert loss_drop >= MIN_LOSS_DROP, f"training reduced the loss by {{loss_drop:.3f}} only on Keras {{keras.__version__}}"
assert metric >= MIN_METRIC, f"val_{{MONITOR}} {{metric:.3f}} is below the floor on Keras {{keras.__version__}}"
print(f"passes on TensorFlow {{tf.__version__}}, Keras {{keras.__version__}}")
'''

# A recipe's first epoch, twice from one seeding call, bit for bit (conformance/test_determinism.py).
_DETERMINISM = '''\
X, Y = {x!r}, {y!r}  # the rows the gate trains the first epoch on
FIT = {fit}

tf.config.experimental.enable_op_determinism()


def first_epoch():
    keras.utils.set_random_seed(0)  # the one seeding call: Python, NumPy and TensorFlow
    model = build_model()
    model.compile(**{compile})
    history = model.fit(decode(X), decode(Y), verbose=0, **FIT).history
    return float(history["loss"][0]), [np.array(w) for w in model.get_weights()]


(loss_a, weights_a), (loss_b, weights_b) = first_epoch(), first_epoch()
print(f"first-epoch loss {{loss_a!r}} and {{loss_b!r}}")
assert loss_a == loss_b, f"two runs seeded 0 give first-epoch losses {{loss_a!r}} and {{loss_b!r}} on Keras {{keras.__version__}}"
for index, (a, b) in enumerate(zip(weights_a, weights_b)):
    assert np.array_equal(a, b), (f"weight {{index}} differs by up to {{float(np.abs(a - b).max()):.3g}} between two "
                                  f"runs seeded 0 on Keras {{keras.__version__}}")
print(f"passes on TensorFlow {{tf.__version__}}, Keras {{keras.__version__}}")
'''

# Loading an artifact as the gate loads it (layers/compat.load_as) and comparing its outputs: the saving templates.
_LOADING = '''\
import tempfile

FORMAT, FILE_NAME = {format!r}, {file_name!r}
INPUTS = {inputs!r}
ATOL = {atol!r}  # the same weights and input: only float round-off may differ
IS_KERAS3 = int(keras.__version__.split(".")[0]) >= 3


def as_list(value):
    if isinstance(value, dict):
        return list(value.values())
    return list(value) if isinstance(value, (list, tuple)) else [value]


def read_savedmodel(path, reference):
    \"\"\"TensorFlow's own loader and the serving signature, its inputs and outputs named as the model's.\"\"\"
    serve = tf.saved_model.load(path).signatures["serving_default"]
    keys = list(serve.structured_input_signature[1])
    input_names = [t.name.split(":")[0] for t in reference.inputs]
    ordered = ([k for name in input_names for k in keys if k == name] if set(keys) <= set(input_names)
               else sorted(keys))
    names = list(getattr(reference, "output_names", []) or [])

    def call(inputs):
        result = serve(**{{k: tf.convert_to_tensor(v) for k, v in zip(ordered, as_list(inputs))}})
        return [result[k] for k in ([n for n in names if n in result] if set(result) <= set(names) else sorted(result))]
    return call


def load(path):
    \"\"\"A callable inputs -> outputs from the artifact: whole models without custom_objects, weights into the
    model rebuilt from code.\"\"\"
    if FORMAT in ("keras", "h5"):
        loaded = keras.models.load_model(path, compile=False)
        return lambda inputs: as_list(loaded(inputs, training=False))
    rebuilt = build_model()
    if FORMAT == "weights":
        rebuilt.load_weights(path)
        return lambda inputs: as_list(rebuilt(inputs, training=False))
    return read_savedmodel(path, rebuilt)


def compare(got, expected, what):
    got = [np.asarray(o, dtype="float32") for o in got]
    assert [a.shape for a in got] == [b.shape for b in expected], (
        f"{{what}} gives output shapes {{[a.shape for a in got]}}, written {{[b.shape for b in expected]}} on Keras {{keras.__version__}}")
    error = max(float(np.max(np.abs(a - b), initial=0.0)) for a, b in zip(got, expected))
    print(f"{{what}}: largest output difference {{error:.3g}} (tolerance {{ATOL:g}})")
    assert error <= ATOL, f"{{what}} computes other outputs ({{error:.3g}} off) on Keras {{keras.__version__}}"
    print(f"passes on TensorFlow {{tf.__version__}}, Keras {{keras.__version__}}")
'''

# A model written in one format and read back in the same Keras (conformance/test_saving.py, read-back).
_READ_BACK = _GATE_WEIGHTS + _LOADING + '''\

x = decode(INPUTS)
written = [np.asarray(o, dtype="float32") for o in as_list(model(x, training=False))]
path = os.path.join(tempfile.mkdtemp(), FILE_NAME)
if FORMAT in ("keras", "h5"):
    model.save(path)
elif FORMAT == "weights":
    model.save_weights(path)
elif IS_KERAS3:
    try:
        model.export(path, verbose=False)
    except TypeError:  # verbose= arrived in Keras 3.1
        model.export(path)
else:
    model.save(path, save_format="tf")
compare(load(path)(x), written, f"the {{FORMAT}} read back")
'''

# A golden artifact another version wrote, embedded, loaded here (conformance/test_saving.py, golden loads).
_GOLDEN_LOAD = _LOADING + '''\
import zipfile

WRITER = {writer!r}  # the environment that wrote it: {writer_versions}
ARTIFACT = {artifact!r}  # base64 of a zip of the artifact as the gate stores it
WRITTEN_OUTPUTS = {written_outputs!r}  # what the writer computed on INPUTS

folder = tempfile.mkdtemp()
zipfile.ZipFile(io.BytesIO(base64.b64decode(ARTIFACT))).extractall(folder)
compare(load(os.path.join(folder, FILE_NAME))(decode(INPUTS)), decode(WRITTEN_OUTPUTS),
        f"{{WRITER}}'s {{FORMAT}} loaded here")
'''

# An execution path against the float32 CPU reference (conformance/parity.py run_path, test_parity.py).
_PARITY = _WEIGHT_HELPERS + '''\
INPUTS = {inputs!r}
PATH = {path!r}  # the failing path: device, XLA compilation, dtype policy
TOLERANCES = {tolerances!r}  # per quantity: (atol, rtol), the gate's
TRAIN_STEPS, LEARNING_RATE = {train_steps!r}, {learning_rate!r}


def as_list(value):
    if isinstance(value, dict):
        return list(value.values())
    return list(value) if isinstance(value, (list, tuple)) else [value]


def run(device="CPU", xla=False, policy="float32"):
    \"\"\"Outputs, gradients of a mean squared error and the weights after a few plain SGD steps.\"\"\"
    keras.mixed_precision.set_global_policy(policy)
    try:
        with tf.device(f"/{{device}}:0"):
            model = build_model()
            with_gate_weights(model)
            x = decode(INPUTS)
            targets_rng = np.random.RandomState(11)
            targets = [targets_rng.standard_normal(tuple(np.asarray(o).shape)).astype("float32")
                       for o in as_list(model(x, training=False))]
            trainable = list(model.trainable_weights)

            def loss_and_grads(inputs):
                with tf.GradientTape() as tape:
                    predictions = [tf.cast(p, tf.float32) for p in as_list(model(inputs, training=False))]
                    loss = tf.add_n([tf.reduce_mean(tf.square(p - t)) for p, t in zip(predictions, targets)])
                gradients = tape.gradient(loss, trainable)
                return predictions, loss, [tf.zeros_like(v) if g is None else g for g, v in zip(gradients, trainable)]

            step = tf.function(loss_and_grads, jit_compile=True) if xla else loss_and_grads
            predictions, _, gradients = step(x)
            result = {{"outputs": [np.asarray(p) for p in predictions],
                      "gradients": [np.asarray(tf.convert_to_tensor(g), dtype="float32") for g in gradients]}}
            for _ in range(TRAIN_STEPS):
                _, _, gradients = step(x)
                for variable, gradient in zip(trainable, gradients):
                    variable.assign_sub(LEARNING_RATE * tf.cast(tf.convert_to_tensor(gradient), variable.dtype))
            result["weights"] = [np.asarray(v, dtype="float32") for v in trainable]
    finally:
        keras.mixed_precision.set_global_policy("float32")
    return result


reference, target = run(), run(PATH["device"], PATH["xla"], PATH["policy"])
for quantity, (atol, rtol) in TOLERANCES.items():
    for index, (a, b) in enumerate(zip(reference[quantity], target[quantity])):
        print(f"{{quantity}} {{index}}: largest difference {{float(np.max(np.abs(b - a), initial=0.0)):.3g}}")
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, err_msg=(
            f"{{PATH['name']}}: {{quantity}} {{index}} differs from the float32 CPU reference on Keras {{keras.__version__}}"))
print(f"passes on TensorFlow {{tf.__version__}}, Keras {{keras.__version__}}")
'''

# A shared layer's calls through the public node API against the model's own tensors (conformance/test_nodes.py).
_PUBLIC_NODES = '''\
LAYER = {layer!r}
INPUTS_OF_CALLS = {inputs_of_calls!r}  # the model input each call of the layer receives
OUTPUTS_OF_CALLS = {outputs_of_calls!r}  # the model output each call returns (None: its calls feed other layers)
NODES = {nodes!r}  # the layer's node index of each call in the model

model = build_model()
layer = model.get_layer(LAYER)
on = f"on Keras {{keras.__version__}}"
if isinstance(layer, keras.Model):  # a nested model's first node is its own construction
    assert layer.input is layer.inputs[0], f"{{LAYER}}: .input of a nested model is not its own Input {{on}}"
else:
    assert layer.input is model.inputs[INPUTS_OF_CALLS[0]], (
        f"{{LAYER}}: .input is not the first call's input (model input {{INPUTS_OF_CALLS[0]}}) {{on}}")
    if OUTPUTS_OF_CALLS is not None:
        assert layer.output is model.outputs[OUTPUTS_OF_CALLS[0]], (
            f"{{LAYER}}: .output is not the first call's output (model output {{OUTPUTS_OF_CALLS[0]}}) {{on}}")
if hasattr(layer, "get_output_at"):  # Keras 2's public per-call accessors
    for call, node in enumerate(NODES):
        assert layer.get_input_at(node) is model.inputs[INPUTS_OF_CALLS[call]], (
            f"{{LAYER}}: get_input_at({{node}}) is not model input {{INPUTS_OF_CALLS[call]}} {{on}}")
        if OUTPUTS_OF_CALLS is not None:
            assert layer.get_output_at(node) is model.outputs[OUTPUTS_OF_CALLS[call]], (
                f"{{LAYER}}: get_output_at({{node}}) is not model output {{OUTPUTS_OF_CALLS[call]}} {{on}}")
print(f"passes on TensorFlow {{tf.__version__}}, Keras {{keras.__version__}}")
'''

# A team's own saved file, loaded from its path as the gate loads it (conformance/test_saved_files.py).
_SAVED_FILE = '''\
import importlib
import sys
import tempfile
import zipfile

PATH = {path!r}  # the team's file, where the gate read it
FORMAT = {format!r}
EMBEDDED = {embedded!r}  # base64 of a zip of the file when it is small; None: the script reads PATH
CUSTOM_OBJECTS = {custom_objects!r}  # import paths, from the team's checkout (run the script there)
INPUTS = {inputs!r}
RECORDED = {recorded!r}  # what the file computed where its record was written: {recorded_by}
TOLERANCE = {tolerance!r}  # the largest error over its scale that passes: the file's own measurement
SCALE_FLOOR = {scale_floor!r}  # an output's scale is at least this share of the largest output's
ROUNDING_SPACINGS = {rounding_spacings!r}  # a difference within this many float32 spacings is rounding


def imported(path):
    module, _, name = path.rpartition(":") if ":" in path else path.rpartition(".")
    return name, getattr(importlib.import_module(module), name)


def as_list(value):
    if isinstance(value, dict):
        return [value[k] for k in sorted(value)]
    return list(value) if isinstance(value, (list, tuple)) else [value]


sys.path.insert(0, os.getcwd())
path = PATH
if EMBEDDED:
    folder = tempfile.mkdtemp()
    zipfile.ZipFile(io.BytesIO(base64.b64decode(EMBEDDED))).extractall(folder)
    path = os.path.join(folder, {file_name!r})
x = decode(INPUTS)
if FORMAT == "savedmodel":
    serve = tf.saved_model.load(path).signatures["serving_default"]
    keys = sorted(serve.structured_input_signature[1])
    got = as_list(serve(**{{k: tf.convert_to_tensor(v) for k, v in zip(keys, as_list(x))}}))
else:
    objects = dict(imported(p) for p in CUSTOM_OBJECTS) or None
    model = keras.models.load_model(path, compile=False, custom_objects=objects)
    got = as_list(model(x, training=False))
got, recorded = [np.asarray(o, dtype="float64") for o in got], decode(RECORDED)
assert [a.shape for a in got] == [b.shape for b in recorded], (
    f"output shapes {{[a.shape for a in got]}}, recorded {{[b.shape for b in recorded]}}")
largest = max(float(np.abs(b).max(initial=0.0)) for b in recorded)
rounding = [ROUNDING_SPACINGS * np.spacing(np.abs(b).astype("float32")).astype("float64") for b in recorded]
errors = [float(np.maximum(np.abs(a - b) - r, 0.0).max(initial=0.0))
          / max(float(np.abs(b).max(initial=0.0)), SCALE_FLOOR * largest, 1e-30) for a, b, r in zip(got, recorded, rounding)]
print(f"{{PATH}} on Keras {{keras.__version__}}: largest output error over its scale {{max(errors):.3g}} "
      f"(tolerance {{TOLERANCE:g}})")
assert max(errors) <= TOLERANCE, f"{{PATH}} computes other outputs on Keras {{keras.__version__}}"
print(f"passes on TensorFlow {{tf.__version__}}, Keras {{keras.__version__}}")
'''

_TEMPLATES = {"golden_trajectory": _GOLDEN_TRAJECTORY, "golden_fit": _GOLDEN_FIT, "symbolic_shapes": _SYMBOLIC_SHAPES,
              "summary_text": _SUMMARY_TEXT, "public_nodes": _PUBLIC_NODES, "convergence": _CONVERGENCE,
              "determinism": _DETERMINISM, "read_back": _READ_BACK, "golden_load": _GOLDEN_LOAD,
              "parity": _PARITY, "layer_configs": _LAYER_CONFIGS, "saved_file": _SAVED_FILE}


def render(recipe: dict) -> str:
    """The script's text for one recipe (conformance/repro.py)."""
    if recipe.get("template") not in _TEMPLATES:
        raise ValueError(f"no reproduction template {recipe.get('template')!r}")
    fields = {**recipe, "message": textwrap.shorten(recipe.get("message", ""), 300)}
    parts = [_HEADER.format(**fields)]
    if recipe.get("custom_layers"):
        parts.append("# The custom layers: the gate's own (its layers/custom.py), a team's imported from its modules\n"
                     + recipe["custom_layers"])
    parts += [recipe.get("helpers", ""), recipe.get("model", ""), _TEMPLATES[recipe["template"]].format(**fields)]
    return "\n\n".join(part.strip("\n") for part in parts if part) + "\n"


def write_scripts(report_dir, tests) -> int:
    """Write the script of every test that recorded a recipe; keep only its path in the test's record.
    Returns how many were written."""
    written = 0
    for test in tests:
        recipe = test["values"].pop(RECIPE_KEY, None)
        if not recipe:
            continue
        if "unwritable" in recipe:
            test["repro"] = {"unwritable": recipe["unwritable"]}
            continue
        path = pathlib.Path(report_dir) / "repro" / f"{results.repro_name(test['nodeid'])}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(recipe))
        test["repro"] = {"script": str(path.relative_to(report_dir))}
        written += 1
    return written
