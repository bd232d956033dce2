"""Saved model files under the gate: a file a team ships (or a golden artifact of the gate's own), the
outputs recorded for it, and what every other version does with it.

A team registers its file with ``register(SavedFile(...))`` (keras_upgrade_gate: ``SavedFile``, ``Training``);
``keras-gate baselines`` records, beside the file, what it computes on its inputs (``<file>.gate.npz``) and
where, with the tolerance the margin rule gives from the file's own measurements under emulated CPUs
(``<file>.gate.json``); with a ``Training`` it also records one training step's loss and weights.  Every
other environment then loads the file, compares its outputs, writes it again in every format and reads
each back, and trains one more step (conformance/test_saved_files.py).  The seed catalogue's golden
artifacts (fixtures/saved/<writer>/<entry>/) go through the same ``load`` and ``compare``.

    python -m keras_upgrade_gate.conformance.saved_files --check ID    # one file's checks, as JSON lines
    python -m keras_upgrade_gate.conformance.saved_files --errors ID   # its errors against its record
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import pathlib
import sys
import tempfile
from typing import Any

import numpy as np

from keras_upgrade_gate.conformance.golden_tolerances import MARGIN
from keras_upgrade_gate.layers.saved_file import SavedFile

READ_BACK_ATOL = 1e-6  # the same version writing and reading the same weights: only round-off may differ
# A difference within this many float32 spacings of the recorded value is rounding, whatever its scale: a trained
# file's weight of 0.3 moved by 1e-3 in one step cannot be closer than one spacing (3e-8).  Measured: tf.keras
# 2.15's Adam step on the example team's churn.h5, replayed by Keras 3.15, lands one spacing away on some
# kernel elements (3.0e-5 of the move); golden_tolerances.MARGIN times that one rounding.
MEASURED_SPACINGS = 1
ROUNDING_SPACINGS = MARGIN * MEASURED_SPACINGS
RECORD_SUFFIXES = (".gate.npz", ".gate.json")


class FileProblem(Exception):
    """What is wrong with a saved file or what it needs, in words that name the file: ``kind`` says which
    (Missing, CustomObject, CallFailed, Unreadable, NotTrainable, or LoadError with the loader's own ``cause``)."""

    def __init__(self, kind: str, message: str, cause: BaseException | None = None):
        super().__init__(message)
        self.kind, self.cause = kind, cause

    @property
    def outcome(self) -> str:
        """As a row matches it: a load error is the loader's exception (as the golden loads record it)."""
        return self.raw if self.kind == "LoadError" else f"{self.kind}: {self}"

    @property
    def raw(self) -> str:
        """The exception under it, as ``expectations.outcome_of`` writes one (the grid's cells)."""
        if self.cause is None:
            return f"{self.kind}: {self}"
        from keras_upgrade_gate.conformance.expectations import normalize

        return f"{type(self.cause).__name__}: {normalize(str(self.cause))}"


# --- loading, as every saved-model check loads ----------------------------------------------------

def resolve_custom_objects(paths) -> dict:
    """{class name: object} from import paths; a path that does not import names itself and the cause."""
    found = {}
    for path in paths:
        module_name, _, name = path.rpartition(":") if ":" in path else path.rpartition(".")
        try:
            found[name] = getattr(importlib.import_module(module_name), name)
        except Exception as error:
            raise FileProblem("CustomObject", f"the custom object {path!r} does not import ({type(error).__name__}: {error}); "
                              "give it as 'package.module:Name' importable from the team's checkout") from None
    return found


def load(saved: SavedFile, model: bool = False):
    """The loaded file: a callable ``f(inputs) -> [outputs]`` (``model``: the Keras model itself);
    FileProblem names the file, its format and the cause."""
    from keras_upgrade_gate.layers import compat

    if not saved.location.exists():
        raise FileProblem("Missing", f"{saved.path} does not exist (the saved file of {saved.id})")
    objects = resolve_custom_objects(saved.custom_objects)
    try:
        if model:
            return compat.load_model_as(saved.format, str(saved.location), saved.builder, objects or None)
        return compat.load_as(saved.format, str(saved.location), saved.builder, objects or None)
    except Exception as error:
        raise FileProblem("LoadError", f"{saved.path} does not load as {saved.format} ({type(error).__name__}: "
                          f"{_short(error)})", cause=error) from None


def _short(error: BaseException, limit: int = 400) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[:limit] + " ..."


def read_inputs(saved: SavedFile):
    """The recorded inputs: one array, or a list of them in the .npz's order (arr_0, arr_1, ... or the
    order they were saved in), or what the function returns."""
    if callable(saved.inputs):
        return saved.inputs()
    values = list(_read_npz(pathlib.Path(saved.inputs), saved, "inputs").values())
    return values[0] if len(values) == 1 else values


def _read_npz(path: pathlib.Path, saved: SavedFile, what: str) -> dict[str, np.ndarray]:
    where = path if path.is_absolute() else pathlib.Path.cwd() / path
    if not where.exists():
        raise FileProblem("Missing", f"{path} does not exist (the {what} of {saved.id}, {saved.path})")
    try:
        with np.load(where) as stored:
            arrays = {key: stored[key] for key in stored.files}
    except Exception as error:
        raise FileProblem("Unreadable", f"{path} is not a readable .npz ({type(error).__name__}: {_short(error)})") from None
    return arrays


def outputs(call, inputs, saved: SavedFile) -> dict[str, np.ndarray]:
    """{output_i: array} of the loaded file on its inputs; a call that fails (inputs of another shape, most
    often) names the file and the inputs' shapes."""
    try:
        got = call(inputs)
    except Exception as error:
        shapes = [np.shape(a) for a in (inputs if isinstance(inputs, (list, tuple)) else [inputs])]
        raise FileProblem("CallFailed", f"{saved.path} ({saved.format}) fails on its recorded inputs of shape "
                          f"{', '.join(str(s) for s in shapes)} ({type(error).__name__}: {_short(error)})", cause=error) from None
    return {f"output_{i}": np.asarray(o, dtype="float32") for i, o in enumerate(got)}


# --- comparing with what was recorded -------------------------------------------------------------

def largest_errors(recorded: dict, observed: dict, prefix: str) -> tuple[float, float, str]:
    """(largest absolute error, largest error divided by its scale, the array of the latter) over the arrays
    named ``prefix``; a missing array or another shape is an infinite error named by its shapes.  The scaled
    error leaves out ROUNDING_SPACINGS of the recorded value's own float32 spacing."""
    from keras_upgrade_gate.conformance import golden

    quantity = {"output_": "outputs", "weight_": "weights", "losses": "losses"}[prefix]
    names = ["losses"] if prefix == "losses" else golden.keys(recorded, prefix)
    largest_absolute, worst, where = 0.0, 0.0, ""
    for key in names:
        if key not in observed or np.shape(observed[key]) != np.shape(recorded[key]):
            return (float("inf"), float("inf"), f"{key}: shape {np.shape(observed.get(key))}, recorded "
                                                f"{np.shape(recorded[key])}")
        error = np.abs(np.asarray(observed[key], "float64") - np.asarray(recorded[key], "float64"))
        if not error.size:
            continue
        error = np.where(np.isfinite(error), error, np.inf)
        rounding = ROUNDING_SPACINGS * np.spacing(np.abs(np.asarray(recorded[key], "float32"))).astype("float64")
        scaled = float(np.maximum(error - rounding, 0.0).max()) / max(golden.scale_of(quantity, recorded, key), 1e-30)
        largest_absolute = max(largest_absolute, float(error.max()))
        if scaled > worst or not where:
            worst, where = scaled, key
    if prefix == "output_" and len(golden.keys(observed, prefix)) != len(names):
        return (float("inf"), float("inf"), f"{len(golden.keys(observed, prefix))} outputs, recorded {len(names)}")
    return largest_absolute, worst, where


def compare(recorded: dict, observed: dict, tolerances: dict[str, float], absolute: bool = False) -> str:
    """"ok", or what differs beyond its tolerance: per quantity (outputs, losses, weights) the largest error
    divided by its scale (golden.scale_of), or, with ``absolute``, the largest absolute error."""
    for prefix, quantity in (("output_", "outputs"), ("losses", "losses"), ("weight_", "weights")):
        if quantity not in tolerances or (prefix == "losses" and "losses" not in recorded):
            continue
        error, normalized, where = largest_errors(recorded, observed, prefix)
        judged = error if absolute else normalized
        if judged > tolerances[quantity]:
            measure = "absolute" if absolute else f"absolute {error:.3g}, over its scale"
            return (f"{'OutputsDiffer' if quantity == 'outputs' else 'TrainingDiffers'}: largest {quantity} "
                    f"error {judged:.3g} ({measure}) in {where}, tolerance {tolerances[quantity]:g}")
    return "ok"


def file_bytes(path: pathlib.Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def sha256(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    for part in sorted(path.rglob("*")) if path.is_dir() else [path]:
        if part.is_file():
            digest.update(part.read_bytes())
    return digest.hexdigest()


# --- what a file computes: its outputs, and one training step from its state ------------------------

def quantities(saved: SavedFile) -> dict[str, np.ndarray]:
    """What the gate records of a file and compares: its outputs on its inputs and, with a Training, the
    loss of one train_on_batch from the loaded state and the weights it leaves (start_i, weight_i)."""
    found = outputs(load(saved), read_inputs(saved), saved)
    if saved.training is not None:
        found.update(train_step(saved))
    return found


def train_step(saved: SavedFile) -> dict[str, np.ndarray]:
    from keras_upgrade_gate.conformance.golden import canonical_variables

    if saved.format == "savedmodel":
        raise FileProblem("NotTrainable", f"{saved.path}: a SavedModel loads as a TensorFlow object, which does not train")
    model = load(saved, model=True)
    batch = saved.training.batch() if callable(saved.training.batch) else _read_npz(
        pathlib.Path(saved.training.batch), saved, "batch")
    if isinstance(batch, dict):
        if not {"x", "y"} <= set(batch):
            raise FileProblem("Unreadable", f"{saved.training.batch} holds {sorted(batch)}; a Training's batch holds "
                                            "x and y (np.savez(path, x=..., y=...))")
        batch = (batch["x"], batch["y"])
    x, y = batch
    model.compile(**saved.training.compile())
    variables = canonical_variables(model)
    start = [np.asarray(v, dtype="float32") for v in variables]
    loss = model.train_on_batch(x, y)
    loss = float(np.asarray(loss[0] if isinstance(loss, (list, tuple)) else loss))
    found = {"losses": np.array([loss], dtype="float64")}
    for i, (variable, value) in enumerate(zip(variables, start)):
        found[f"start_{i}"], found[f"weight_{i}"] = value, np.asarray(variable, dtype="float32")
    return found


def rewritten(saved: SavedFile) -> dict[str, str]:
    """{format: "ok" or what went wrong}: the loaded file written again in every format this version
    writes, each read back and compared with the loaded file's outputs."""
    from keras_upgrade_gate.layers import compat

    if saved.format == "savedmodel":
        return {}
    model, inputs = load(saved, model=True), read_inputs(saved)
    expected = outputs(lambda x: _as_list(model(x, training=False)), inputs, saved)
    found = {}
    with tempfile.TemporaryDirectory(prefix="gate-rewrite-") as folder:
        for fmt in compat.SAVE_FORMATS:
            found[fmt] = _written_and_read(model, fmt, folder, saved, inputs, expected)
    return found


def _written_and_read(model, fmt, folder, saved, inputs, expected) -> str:
    from keras_upgrade_gate.layers import compat

    try:
        path = compat.save_as(model, fmt, folder)
    except Exception as error:
        return f"{type(error).__name__} writing {fmt}: {_short(error)}"
    again = SavedFile(id=saved.id, path=path, inputs=saved.inputs, format=fmt, custom_objects=saved.custom_objects,
                      builder=lambda: compat.keras.models.clone_model(model), apart=False)
    try:
        observed = outputs(load(again), inputs, again)
    except FileProblem as problem:
        return problem.outcome
    return compare(expected, observed, {"outputs": READ_BACK_ATOL}, absolute=True)


def _as_list(value) -> list:
    from keras_upgrade_gate.layers.building import as_list

    return as_list(value)


# --- the record beside the file, and its tolerance ------------------------------------------------------

def recorded(saved: SavedFile) -> tuple[dict, dict] | None:
    """(arrays, provenance) recorded for the file, None when there is none; a clear error when unreadable."""
    arrays_path, about_path = (saved.record_path(s) for s in RECORD_SUFFIXES)
    if not arrays_path.exists() or not about_path.exists():
        return None
    try:
        with np.load(arrays_path) as stored:
            arrays = {key: stored[key] for key in stored.files}
        return arrays, json.loads(about_path.read_text())
    except Exception as error:
        raise FileProblem("Unreadable", f"the record of {saved.path} ({arrays_path.name}, {about_path.name}) is unreadable "
                          f"({type(error).__name__}: {_short(error)}); rewrite it with `keras-gate baselines "
                          f"--only {saved.id} --force`") from None


def record(saved: SavedFile) -> dict:
    """Write the file's outputs (and training step) beside it, with where they were recorded."""
    from keras_upgrade_gate.layers import compat

    found = quantities(saved)
    np.savez_compressed(saved.record_path(".gate.npz"), **found)
    about = {"what": f"what {saved.path} computes on its inputs"
             + (" and one training step from its state" if saved.training else ""),
             "recorded_by": compat.environment(), "format": saved.format,
             "file": {"sha256": sha256(saved.location), "bytes": file_bytes(saved.location)}}
    saved.record_path(".gate.json").write_text(json.dumps(about, indent=1, sort_keys=True) + "\n")
    return about


def errors(saved: SavedFile) -> dict[str, float]:
    """Per quantity, the largest error over its scale against the record (what the tolerance is derived from)."""
    arrays, _ = recorded(saved)
    observed = quantities(saved)
    return {quantity: largest_errors(arrays, observed, prefix)[1]
            for prefix, quantity in (("output_", "outputs"), ("losses", "losses"), ("weight_", "weights"))
            if prefix != "losses" or "losses" in arrays}


def measure_tolerances(files: list[SavedFile]) -> dict[str, dict]:
    """Each file's tolerance per quantity by the golden rule (conformance/golden_tolerances.py: MARGIN x the
    worst error under the promised emulated CPUs, rounded up, never below FLOOR), written into its record."""
    import subprocess

    from keras_upgrade_gate.conformance import cpus, golden_tolerances

    worst: dict[str, dict[str, tuple[float, str]]] = {f.id: {} for f in files}
    for name, emulation in cpus.emulations().items():
        done = subprocess.run([sys.executable, "-m", __name__, "--errors", *(f.id for f in files)],
                              env=cpus.child_env(emulation), capture_output=True, text=True, cwd=os.getcwd())
        if done.returncode != 0:
            raise FileProblem("Unmeasured", f"measuring the saved files under the {name} CPU failed: {done.stderr[-800:]}")
        for file_id, found in json.loads(done.stdout.strip().splitlines()[-1]).items():
            for quantity, error in found.items():
                if error >= worst[file_id].get(quantity, (-1.0, ""))[0]:
                    worst[file_id][quantity] = (error, name)
    rule = (f"{golden_tolerances.MARGIN} x the worst error over its scale under the emulated CPUs "
            f"({', '.join(cpus.emulations())}), rounded up to one digit, never below {golden_tolerances.FLOOR:g}")
    for saved in files:
        about_path = saved.record_path(".gate.json")
        about = json.loads(about_path.read_text())
        about["tolerances"] = {q: golden_tolerances.by_the_rule(e) for q, (e, _) in sorted(worst[saved.id].items())}
        about["measured"] = {q: {"worst": e, "cpu": cpu} for q, (e, cpu) in sorted(worst[saved.id].items())}
        about["rule"] = rule
        about_path.write_text(json.dumps(about, indent=1, sort_keys=True) + "\n")
    return {saved.id: json.loads(saved.record_path(".gate.json").read_text()) for saved in files}


# --- the checks of one file, as the test module reports them --------------------------------------

def check(saved: SavedFile) -> dict[str, Any]:
    """Every check of one file against its record: {"load": outcome, "outputs": outcome, "rewrite":
    {format: outcome}, "train": outcome}; an outcome is "ok" or what happened, naming the file."""
    found: dict[str, Any] = {}
    try:
        if not saved.location.exists():
            raise FileProblem("Missing", f"{saved.path} does not exist (the saved file of {saved.id})")
        stored = recorded(saved)
        if stored is None:
            raise FileProblem("Missing", f"{saved.path} has no record ({saved.record_path('.gate.npz').name}); write it "
                              f"with `keras-gate baselines --only {saved.id}` where the file was written")
        arrays, about = stored
        changed = "" if sha256(saved.location) == about["file"]["sha256"] else (
            f"; the file's bytes changed since its record ({about['file']['sha256'][:12]}...)")
        call = load(saved)
        found["load"] = "ok"
        observed = outputs(call, read_inputs(saved), saved)
        found["outputs"] = _with(compare(arrays, observed, {"outputs": about["tolerances"]["outputs"]}), changed)
        found["rewrite"] = rewritten(saved)
        if saved.training is not None:
            step = train_step(saved)
            tolerances = {q: about["tolerances"][q] for q in ("losses", "weights")}
            found["train"] = _with(compare(arrays, step, tolerances), changed)
    except FileProblem as problem:
        for part in ("load", "outputs", "train"):  # what stopped the file stops the parts after it
            found.setdefault(part, problem.outcome)
        found.setdefault("rewrite", {})
    return found


def _with(outcome: str, note: str) -> str:
    return outcome if outcome == "ok" else outcome + note


def check_apart(saved: SavedFile, seconds: float) -> dict[str, Any]:
    """``check`` in a process of its own, ended after ``seconds``: a load that hangs or crashes the
    process is this file's failure (a Hang, or the process's exit), not the run's."""
    import subprocess

    try:
        done = subprocess.run([sys.executable, "-m", __name__, "--check", saved.id], capture_output=True, text=True,
                              timeout=seconds)
    except subprocess.TimeoutExpired:
        from keras_upgrade_gate.conformance.expectations import HANG

        hang = f"{HANG}: loading {saved.location} did not return within {seconds:.0f} s"
        return {"load": hang, "outputs": hang, "train": hang, "rewrite": {}}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        ended = (f"Crash: checking {saved.location} ended its process with {done.returncode}: "
                 f"{' '.join(done.stderr.split())[-500:]}")
        return {"load": ended, "outputs": ended, "train": ended, "rewrite": {}}
    return json.loads(lines[-1])


def files() -> list[SavedFile]:
    from keras_upgrade_gate.layers import catalog

    return catalog.saved_files()


def get(file_id: str) -> SavedFile:
    found = {f.id: f for f in files()}
    if file_id not in found:
        raise SystemExit(f"no saved file {file_id!r} in this catalogue (registered: {', '.join(found) or 'none'})")
    return found[file_id]


def main(argv=None) -> int:
    import argparse
    import warnings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", nargs="+", metavar="ID", help="these files' checks, one JSON line each")
    parser.add_argument("--errors", nargs="+", metavar="ID", help="these files' errors against their records")
    parser.add_argument("--record", nargs="+", metavar="ID", help="record these files here, with their tolerances")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    for module in filter(None, os.environ.get("GATE_CHILD_IMPORTS", "").split(",")):
        importlib.import_module(module)  # what the parent's run applies to Keras (the selftest's injections)
    if args.record:
        chosen = [get(file_id) for file_id in args.record]
        try:
            for saved in chosen:
                record(saved)
                print(f"recorded {saved.record_path('.gate.npz')}", flush=True)
            for saved_id, about in measure_tolerances(chosen).items():
                print(f"{saved_id}: tolerances {about['tolerances']} ({about['rule']})")
        except FileProblem as problem:
            print(f"keras-gate baselines: {problem}", file=sys.stderr)
            return 2
    for file_id in args.check or ():
        print(json.dumps(check(get(file_id))), flush=True)
    if args.errors:
        print(json.dumps({file_id: errors(get(file_id)) for file_id in args.errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
