"""What a failing check records so that reporting/repro.py can write a standalone script of it.

A check wraps the comparison that may fail in ``on_failure(record_property, recipe)``: when it fails,
``recipe()`` is called (only then: a passing run pays nothing) and its dict travels with the test's
recorded values as ``repro``; the results plugin renders it into ``reports/<env>/repro/<check>.py``
and keeps only the script's path in results.json.  A recipe holds plain data and code text: the model
as Keras code (conformance/model_code.py), arrays as base64 of a compressed .npz, the numbers the
check compared with.  A model that cannot be written as code records why, and gets no script.
"""
from __future__ import annotations

import base64
import contextlib
import inspect
import io

import numpy as np

from keras_upgrade_gate.reporting.repro import RECIPE_KEY


@contextlib.contextmanager
def on_failure(record_property, recipe):
    try:
        yield
    except AssertionError:
        try:
            record_property(RECIPE_KEY, recipe())
        except Exception as error:  # no script is better than a wrong one; the report says why
            record_property(RECIPE_KEY, {"unwritable": f"{type(error).__name__}: {error}"})
        raise


def encode(arrays) -> dict:
    """One array, a list or a dict of them, as text a script decodes with NumPy alone."""
    if isinstance(arrays, dict):
        structure, named = "dict", {str(k): np.asarray(v) for k, v in arrays.items()}
    elif isinstance(arrays, (list, tuple)):
        structure, named = "list", {f"a{i}": np.asarray(v) for i, v in enumerate(arrays)}
    else:
        structure, named = "single", {"a0": np.asarray(arrays)}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **named)
    return {"structure": structure, "npz": base64.b64encode(buffer.getvalue()).decode("ascii")}


def decode(encoded: dict):
    """The inverse of ``encode`` (the scripts carry the same few lines)."""
    with np.load(io.BytesIO(base64.b64decode(encoded["npz"]))) as stored:
        named = {key: stored[key] for key in stored.files}
    if encoded["structure"] == "dict":
        return named
    values = [named[f"a{i}"] for i in range(len(named))]
    return values if encoded["structure"] == "list" else values[0]


def _model_code(model, as_written=None) -> dict:
    from keras_upgrade_gate.conformance import model_code

    return {"model": model_code.source(model, as_written),
            "custom_layers": model_code.custom_layer_code(model)}


def _recipe(template: str, entry_id: str, check: str, message: str, model, as_written=None) -> dict:
    """What every recipe starts with: its template, the check and versions it reproduces, the model as code
    (with ``as_written``: each layer constructed as the builder wrote it, model_code.constructor_arguments)."""
    from keras_upgrade_gate.conformance import expect

    return {"template": template, "entry": entry_id, "check": check, "versions": expect.version_label(),
            "message": message, **_model_code(model, as_written)}


def _gate_weights(model, helpers=()) -> dict:
    """How the script gives the model the gate's NumPy weights (the templates' with_gate_weights)."""
    from keras_upgrade_gate.conformance import golden

    return {"helpers": "\n\n".join([inspect.getsource(golden.draw_weight), *helpers]),
            "weight_seed": golden.WEIGHT_SEED,
            "weight_names": [golden._short_name(w) for w in golden.canonical_variables(model)],
            "stochastic_layers": list(golden.STOCHASTIC_LAYERS)}


def _rows_and_fit(fit: dict) -> tuple[dict, dict]:
    """A recipe run's rows (x, y) and its other fit arguments, which must be plain values a script can write."""
    if "y" not in fit:
        raise ValueError("the recipe trains from a generator pipeline, which a script cannot embed")
    rows = {key: fit.pop(key) for key in ("x", "y")}
    if any(not isinstance(value, (int, float, str, bool)) for value in fit.values()):
        raise ValueError(f"fit arguments this script cannot write: {sorted(fit)}")
    return {"x": encode(rows["x"]), "y": encode(rows["y"])}, fit


def golden_trajectory(entry_id: str, check: str, quantity: str, key: str, expected, atol: float,
                      message: str = "") -> dict:
    """The golden run of ``entry_id`` (conformance/golden.py) up to the quantity that failed."""
    from keras_upgrade_gate.conformance import golden
    from keras_upgrade_gate.layers import catalog

    model, _ = golden.prepared_model(entry_id)
    index = 0 if quantity == "losses" else int(key.split("_")[1])
    return {**_recipe("golden_trajectory", entry_id, check, message, model), **_gate_weights(model),
            "inputs": encode(catalog.sample_input(entry_id, small=True, batch_size=golden.BATCH, seed=7)),
            "training": golden.has_batch_norm(model), "steps": golden.STEPS, "loss_drop": golden.LOSS_DROP,
            "quantity": quantity, "index": index, "expected": encode(np.asarray(expected)), "atol": float(atol)}


def compile_code(arguments: dict) -> tuple[str, list[str]]:
    """A compile call's keyword arguments as Python text, and the sources of the functions they name."""
    from keras_upgrade_gate.conformance import model_code

    functions: list[str] = []

    def code(value) -> str:
        if isinstance(value, (str, int, float, bool)) or value is None:
            return repr(value)
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(code(v) for v in value) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k!r}: {code(v)}" for k, v in value.items()) + "}"
        if inspect.isfunction(value) and value.__qualname__ == value.__name__:  # a module-level function
            functions.append(inspect.getsource(value))
            return value.__name__
        return model_code.object_code(value)

    return "dict(" + ", ".join(f"{k}={code(v)}" for k, v in arguments.items()) + ")", functions


def golden_fit(entry_id: str, check: str, quantity: str, key: str, expected, atol: float, message: str = "") -> dict:
    """One golden fit of ``entry_id``'s recipe (conformance/golden_fit.py): its compile, its fit arguments
    and the very rows the gate fed, compared at the history value or weight that failed."""
    from keras_upgrade_gate.conformance import golden_fit as fits
    from keras_upgrade_gate.layers import catalog

    recipe = catalog.get(entry_id).recipe
    small = recipe.quick_small
    data = recipe.data(seed=0, scale=recipe.quick.scale, small=small)
    arguments = fits.fit_arguments(recipe, data)
    if "y" not in arguments:
        raise ValueError("the recipe trains from a generator pipeline, which a script cannot embed")
    model = recipe.build_model(small)
    compile_text, functions = compile_code(recipe.compile())
    return {**_recipe("golden_fit", entry_id, check, message, model), **_gate_weights(model, functions),
            "compile": compile_text,
            "fit": repr({k: v for k, v in arguments.items() if k not in ("x", "y")}),
            "x": encode(arguments["x"]), "y": encode(arguments["y"]),
            "quantity": quantity, "key": key, "expected": encode(np.asarray(expected)), "atol": float(atol)}


def convergence(entry_id: str, check: str, threshold, message: str = "") -> dict:
    """A recipe's quick training run with seed 0 (test_convergence): the gate's initial weights, its compile,
    the rows and fit arguments it trained with, judged by the same floors."""
    from keras_upgrade_gate.layers import training

    recipe, _, _, model, fit = training.prepare(entry_id, seed=0, quick=True, epochs=None, scale=None)
    initial_weights = [np.array(w) for w in model.get_weights()]  # before any step, as the gate's run began
    validation = fit.pop("validation_data", None)
    if validation is not None and not all(isinstance(part, np.ndarray) for part in validation):
        raise ValueError("validation data other than two arrays, which this script does not embed")
    rows, fit = _rows_and_fit(fit)
    compile_text, functions = compile_code(recipe.compile())
    return {**_recipe("convergence", entry_id, check, message, model), **rows, "fit": repr(fit),
            "helpers": "\n\n".join(functions), "compile": compile_text,
            "validation": None if validation is None else encode(list(validation)),
            "initial_weights": encode(initial_weights), "monitor": recipe.monitor,
            "min_loss_drop": threshold.min_loss_drop, "min_metric": threshold.min_metric, "source": threshold.source}


def determinism(entry_id: str, check: str, message: str = "") -> dict:
    """A recipe's first epoch, twice from one seeding call (test_determinism): the model as code, its
    compile and the rows it trains on; the two runs' weights must be the same bit for bit."""
    from keras_upgrade_gate.layers import catalog, training

    model, fit = training.first_epoch_setup(entry_id, seed=0)
    rows, fit = _rows_and_fit(fit)
    compile_text, functions = compile_code(catalog.get(entry_id).recipe.compile())
    return {**_recipe("determinism", entry_id, check, message, model), **rows, "fit": repr(fit),
            "helpers": "\n\n".join(functions), "compile": compile_text}


def read_back(entry_id: str, check: str, fmt: str, message: str = "") -> dict:
    """A model with the gate's NumPy weights written in one format and read back in the same Keras
    (test_saving's read-back): the outputs on the gate's fixed input must match within round-off."""
    from keras_upgrade_gate.conformance import saving
    from keras_upgrade_gate.layers import compat

    model = saving.build_with_numpy_weights(entry_id)
    return {**_recipe("read_back", entry_id, check, message, model), **_gate_weights(model), "format": fmt, "file_name": compat.FILE_NAMES[fmt],
            "inputs": encode(saving.fixed_input(entry_id)), "atol": saving.MATCH_ATOL}


def golden_load(entry_id: str, check: str, writer: str, fmt: str, message: str = "") -> dict:
    """A committed golden artifact of ``writer`` (its file embedded), loaded as the gate loads it and compared
    with the outputs the writer computed (test_saving's golden loads)."""
    import json
    import zipfile

    from keras_upgrade_gate.conformance import saving
    from keras_upgrade_gate.layers import compat

    folder = saving.GOLDEN_DIR / writer / entry_id
    if json.loads((folder / "written.json").read_text()).get(fmt) != "ok":
        raise ValueError(f"{writer} could not write {fmt} for {entry_id}")
    artifact, buffer = folder / compat.FILE_NAMES[fmt], io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in [artifact] if artifact.is_file() else sorted(p for p in artifact.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(folder))
    stored = np.load(folder / "outputs.npz")
    environment = json.loads((saving.GOLDEN_DIR / writer / "manifest.json").read_text())["environment"]
    model = saving.build_with_numpy_weights(entry_id)  # for its code: the script rebuilds it for weights and SavedModels
    return {**_recipe("golden_load", entry_id, check, message, model), "format": fmt, "file_name": compat.FILE_NAMES[fmt],
            "inputs": encode(saving.fixed_input(entry_id)), "atol": saving.MATCH_ATOL, "writer": writer,
            "writer_versions": f"TensorFlow {environment['tensorflow']}, Keras {environment['keras']}",
            "artifact": base64.b64encode(buffer.getvalue()).decode("ascii"),
            "written_outputs": encode([stored[f"arr_{i}"] for i in range(len(stored.files))])}


def parity(entry_id: str, check: str, path, message: str = "") -> dict:
    """An execution path (XLA, a mixed-precision policy, a device) against the float32 CPU reference, from the
    gate's NumPy weights (conformance/parity.py), with the gate's tolerance per quantity (test_parity)."""
    from keras_upgrade_gate.conformance import parity as paths
    from keras_upgrade_gate.conformance import saving
    from keras_upgrade_gate.conformance.tolerances import tolerance
    from keras_upgrade_gate.layers import catalog

    model = saving.build_with_numpy_weights(entry_id)  # float32: the script's builds follow the global policy
    return {**_recipe("parity", entry_id, check, message, model), **_gate_weights(model),
            "inputs": encode(catalog.sample_input(entry_id, small=True, batch_size=4, seed=7)),
            "path": {"name": path.name, "device": path.device, "xla": path.xla, "policy": path.policy},
            "tolerances": {kind: tolerance(entry_id, path.name, path.dtype, kind)[:2]
                           for kind in ("outputs", "gradients", "weights")},
            "train_steps": paths.TRAIN_STEPS, "learning_rate": paths.LEARNING_RATE}


def symbolic_shapes(entry_id: str, check: str, model, sample, message: str = "") -> dict:
    """A model's symbolic output shapes against a forward pass on the gate's sample (test_shapes)."""
    if not getattr(model, "inputs", None):
        raise ValueError("a layer entry has no graph to write as a model")
    return {**_recipe("symbolic_shapes", entry_id, check, message, model), "inputs": encode(sample)}


def public_nodes(entry_id: str, check: str, model, shared, nodes: list[int], message: str = "") -> dict:
    """A shared layer's calls through the public API (``.input``, ``.output``, Keras 2's get_input_at and
    get_output_at) against the model's own inputs and outputs (test_nodes); ``nodes``: the layer's node
    index of each call in the model, as the gate found it."""
    return {**_recipe("public_nodes", entry_id, check, message, model), "layer": shared.name, "inputs_of_calls": list(shared.inputs),
            "outputs_of_calls": None if shared.outputs is None else list(shared.outputs), "nodes": list(nodes)}


def amber_text(path, name: str) -> str | None:
    """A text snapshot as syrupy's amber file stores it (``# name: <name>``, then the text between lines of
    three quotes, each line indented by two spaces, or one line's repr); None where the file holds no such
    snapshot."""
    import pathlib

    path = pathlib.Path(path)
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").split("\n")
    try:
        start = lines.index(f"# name: {name}") + 1
    except ValueError:
        return None
    block = lines[start:lines.index("# ---", start)]
    if len(block) == 1 and block[0].strip()[:1] in ("'", '"'):  # a one-line text: the string's repr
        import ast

        return ast.literal_eval(block[0].strip())
    quotes = "'" * 3
    if len(block) < 2 or block[0].strip() != quotes or block[-1].strip() != quotes:
        return None  # not a multi-line text snapshot
    return "\n".join(line[2:] for line in block[1:-1])


def summary_text(entry_id: str, check: str, model, expected: str, width: int, message: str = "") -> dict:
    """A model's summary() text at the gate's width against the stored baseline (test_summary_text)."""
    if expected is None:
        raise ValueError("no stored summary text to compare with")
    return {**_recipe("summary_text", entry_id, check, message, model), "expected": expected, "width": width}


def layer_configs(entry_id: str, check: str, expected: str, message: str = "") -> dict:
    """A model's layer configs, normalized as the gate normalizes them, against the stored baseline
    (test_configs).  The model is written with the arguments its builder passed, not from its configs:
    a config that a regression changed would otherwise be copied into the script."""
    from keras_upgrade_gate.conformance import configs, model_code
    from keras_upgrade_gate.layers import catalog, compat

    if expected is None:
        raise ValueError("no stored config text to compare with")
    with model_code.constructor_arguments() as as_written:
        model = catalog.build(entry_id, small=True)
    if not getattr(model, "inputs", None):
        raise ValueError("a layer entry has no graph to write as a model")
    # configs.layer_lines reads two names of compat: the script gives it a namespace of just those
    helpers = [f"DROPPED = {configs.DROPPED!r}", inspect.getsource(compat.all_layers),
               "compat = types.SimpleNamespace(keras=keras, all_layers=all_layers)",
               *(inspect.getsource(f) for f in (configs.normalize, configs._line, configs.layer_lines))]
    return {**_recipe("layer_configs", entry_id, check, message, model, as_written),
            "helpers": "import types\n\n" + "\n\n".join(helpers), "expected": expected}


def on_demand(kind: str, entry_id: str, fmt: str | None = None, writer: str | None = None) -> dict:
    """A recipe written without a failing check: for a difference a row records as expected (a known Keras
    bug, e.g. Keras 3.2's silent shared-layer read-back), which a team reports upstream with its script."""
    from keras_upgrade_gate.conformance import thresholds
    from keras_upgrade_gate.layers import catalog, compat

    try:
        catalog.get(entry_id)
    except KeyError as error:
        raise SystemExit(error.args[0]) from None
    if kind == "read_back":
        if fmt not in compat.SAVE_FORMATS:
            raise SystemExit(f"read_back needs a format: one of {', '.join(compat.SAVE_FORMATS)}")
        return read_back(entry_id, f"reads back its own {fmt}", fmt)
    if kind == "golden_load":
        if fmt not in compat.SAVE_FORMATS or writer is None:
            raise SystemExit(f"golden_load needs a format ({', '.join(compat.SAVE_FORMATS)}) and --writer")
        return golden_load(entry_id, f"loads {writer}'s {fmt}", writer, fmt)
    if kind == "convergence":
        return convergence(entry_id, "convergence", thresholds.for_recipe(entry_id, compat.GENERATION))
    if kind == "determinism":
        return determinism(entry_id, "determinism")
    raise SystemExit(f"no on-demand script for {kind!r}: read_back, golden_load, convergence or determinism")


if __name__ == "__main__":
    import argparse
    import pathlib

    parser = argparse.ArgumentParser(description="write a reproduction script of one check, whether it fails or not")
    parser.add_argument("kind", choices=("read_back", "golden_load", "convergence", "determinism"))
    parser.add_argument("entry", help="a catalogue id (`python -m layers list`)")
    parser.add_argument("format", nargs="?", help="for read_back and golden_load: keras, h5, savedmodel or weights")
    parser.add_argument("--writer", help="for golden_load: the golden writer (tf215, tf216-keras30; a team's own)")
    parser.add_argument("-o", "--out", type=pathlib.Path, required=True, help="the script to write")
    args = parser.parse_args()
    from keras_upgrade_gate.reporting.repro import render

    args.out.write_text(render(on_demand(args.kind, args.entry, args.format, args.writer)))
    print(f"wrote {args.out}: run it with the Keras to test (exit 0: the check passes there)")


def saved_file(saved, check: str, message: str = "") -> dict:
    """A team's saved file loaded from its path (embedded when small), compared with what it computed where
    its record was written, within the file's own tolerance (conformance/test_saved_files.py)."""
    import zipfile

    from keras_upgrade_gate.conformance import expect, golden, saved_files

    if saved.format == "weights":
        raise ValueError("a weights-only file needs the team's builder, which a script without the gate lacks")
    arrays, about = saved_files.recorded(saved)
    embedded = None
    if saved_files.file_bytes(saved.location) <= SMALL_FILE_BYTES:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in [saved.location] if saved.location.is_file() else sorted(saved.location.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(saved.location.parent))
        embedded = base64.b64encode(buffer.getvalue()).decode("ascii")
    recorded_by = about["recorded_by"]
    return {"template": "saved_file", "entry": saved.id, "check": check, "versions": expect.version_label(),
            "message": message, "model": "", "custom_layers": "", "path": str(saved.location), "format": saved.format,
            "file_name": saved.location.name, "embedded": embedded, "custom_objects": list(saved.custom_objects),
            "inputs": encode(saved_files.read_inputs(saved)),
            "recorded": encode([arrays[k] for k in golden.keys(arrays, "output_")]),
            "recorded_by": f"TensorFlow {recorded_by['tensorflow']}, Keras {recorded_by['keras']}",
            "tolerance": about["tolerances"]["outputs"], "scale_floor": golden.SCALE_FLOOR,
            "rounding_spacings": saved_files.ROUNDING_SPACINGS}


SMALL_FILE_BYTES = 1_000_000  # embedded below this; a larger file is read from its path in the team's checkout
