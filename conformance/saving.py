"""Saved models across versions: write every model entry in every format, read what others wrote.

An artifact folder holds manifest.json (the writer's environment) and, per entry, one file (or
SavedModel folder) per format, the outputs the writer computed on a fixed input (outputs.npz) and
written.json: per format, "ok" or the exception that stopped the write.  Weights are drawn by NumPy
(conformance.golden.numpy_weights), so every version writes the same model.

    python -m keras_upgrade_gate.conformance.saving --write fixtures/saved/tf215 --golden   # golden artifacts, in tf215 and tf216-keras30
    python -m keras_upgrade_gate.conformance.saving --read reports/tf215/artifacts    # load another writer's artifacts here
"""
from __future__ import annotations

import argparse
import functools
import json
import pathlib
import shutil
import sys
import time

import numpy as np

from keras_upgrade_gate.conformance import baselines, expectations
from keras_upgrade_gate.conformance.expectations import HANG, outcome_of
from keras_upgrade_gate.conformance.golden import canonical_variables, numpy_weights
from keras_upgrade_gate.layers import catalog, compat
from keras_upgrade_gate.layers.building import as_list

ROOT = pathlib.Path(__file__).resolve().parents[1]
GOLDEN_DIR = baselines.SAVED
# The seeds' golden writers: Keras 2.15 (the Keras 2 upgrades start from) and 3.0 (the oldest Keras 3), in
# fixtures/saved/. A team's are the writer environments its baselines folder holds (`--write --only` there).
GOLDEN_WRITERS = (("tf215", "tf216-keras30") if catalog.is_seed_catalogue()
                  else tuple(sorted(p.name for p in GOLDEN_DIR.glob("*") if p.is_dir())))
INPUT_SEED, BATCH = 5, 2
MATCH_ATOL = 1e-6  # the same weights and input: only float round-off may differ
MODELS = [entry.id for entry in catalog.entries("model")]
# Committed golden artifacts: every model small enough that its four artifacts stay under about
# 400 KB (at most 8,000 parameters in the small configuration: 19 models, about 4 MB per writer),
# plus the fewest larger models that bring the catalogue's other layer types (conformance/coverage.py:
# attn.se_cnn, for BatchNormalization, GlobalAveragePooling2D, its SE layer and a nested Sequential).
# The rest (up to 2.5 MB each: the wide Dense and Conv2D layers of func.dense, seq.vgg_like, ...)
# are written and read by the live grid.  The rule: coverage.golden_models.
# written.json's entry for a format the default tier leaves to the full tier (conformance/tiers.py).
NOT_IN_THIS_TIER = "not written in the default tier (the full tier writes it: conformance/tiers.py)"


def golden_models() -> list[str]:
    from keras_upgrade_gate.conformance import coverage

    return coverage.golden_models()


def build_with_numpy_weights(entry_id: str):
    compat.reset_session(0)
    model = catalog.build(entry_id, small=True)
    for variable, value in zip(canonical_variables(model), numpy_weights(model)):
        variable.assign(value)
    return model


def fixed_input(entry_id: str):
    return catalog.sample_input(entry_id, small=True, batch_size=BATCH, seed=INPUT_SEED)


def outputs_of(call, inputs) -> list[np.ndarray]:
    return [np.asarray(o, dtype="float32") for o in call(inputs)]


def write_entry(entry_id: str, folder: pathlib.Path, formats=None) -> tuple[dict, dict]:
    """Every format (or ``formats``) for one entry into folder/<entry>/, with the outputs on the fixed
    input and the outcome of each write (written.json; a format left out is recorded as such);
    returns ({format: outcome}, {format: seconds}).  A model this Keras cannot build or run is written as
    that (every format's outcome is the build's error), so readers report "not written", never a gap."""
    target = folder / entry_id
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    built, model = outcome_of(lambda: build_with_numpy_weights(entry_id))
    if built == "ok":
        built, outputs = outcome_of(lambda: outputs_of(lambda x: as_list(model(x, training=False)), fixed_input(entry_id)))
    if built != "ok":
        outcomes = {fmt: f"the model does not build here: {built}"[:500] for fmt in compat.SAVE_FORMATS}
        (target / "written.json").write_text(json.dumps(outcomes, indent=1, sort_keys=True) + "\n")
        write_manifest(folder)
        return outcomes, {}
    outcomes, seconds = {}, {}
    for fmt in compat.SAVE_FORMATS:
        if formats is not None and fmt not in formats:
            outcomes[fmt] = NOT_IN_THIS_TIER
            continue
        start = time.perf_counter()
        outcomes[fmt], _ = outcome_of(functools.partial(compat.save_as, model, fmt, str(target)))
        seconds[fmt] = round(time.perf_counter() - start, 2)
    np.savez_compressed(target / "outputs.npz", *outputs)
    (target / STRUCTURE).write_text(json.dumps(structure_of(model), indent=1) + "\n")
    (target / "written.json").write_text(json.dumps(outcomes, indent=1, sort_keys=True) + "\n")
    write_manifest(folder)
    return outcomes, seconds


def unrecorded_forward_read(check: str, cell: dict, writer_version: str) -> str | None:
    """Why a failed golden load is informational: an older Keras reading a newer one's file that no row
    records (a team's own writers; the seeds' rows record every such read), which is forward compatibility,
    a thing Keras does not promise (the grid reads it the same way).  None: the load is judged."""
    if cell["state"] == "matches" or not compat.keras_newer_than_this(writer_version):
        return None
    if expectations.expected(check) is not None:  # a row for this version: judged by it
        return None
    return (f"forward compatibility (informational): written by Keras {writer_version}, read by the older "
            f"Keras {compat.KERAS_VERSION}, and no row records it")


def writer_keras(folder: pathlib.Path) -> str:
    """The Keras version that wrote an artifact folder (its manifest)."""
    return json.loads((folder / "manifest.json").read_text())["environment"]["keras"]


def write_manifest(folder: pathlib.Path) -> None:
    (folder / "manifest.json").write_text(json.dumps({"environment": compat.environment()}, indent=1) + "\n")


def write_all(folder: pathlib.Path, entry_ids=MODELS) -> dict:
    return {entry_id: write_entry(entry_id, folder)[0] for entry_id in entry_ids}


def written_entries(folder: pathlib.Path) -> list[str]:
    return sorted(p.parent.name for p in folder.glob("*/written.json"))


def golden_file(folder: pathlib.Path, entry_id: str, fmt: str):
    """A golden artifact as the saved file it is (conformance/saved_files.py): one mechanism loads and compares
    a team's production file and the gate's own artifacts."""
    from keras_upgrade_gate.layers.saved_file import SavedFile

    return SavedFile(id=entry_id, path=folder / entry_id / compat.FILE_NAMES[fmt], format=fmt,
                     inputs=lambda: fixed_input(entry_id), builder=lambda: catalog.build(entry_id, small=True),
                     apart=False)


STRUCTURE = "structure.json"  # beside outputs.npz: what a model read back in the writer's version must keep
STRUCTURED_FORMATS = ("keras", "h5")  # a SavedModel has no Keras layers; weights load into the model rebuilt


def structure_of(model) -> dict:
    """The parts of a model its file must give back besides outputs, as JSON values: each layer's name and
    class, in order, and the shapes of its inputs and outputs."""
    shape = lambda tensor: [None if d is None else int(d) for d in compat.shape_of(tensor)]  # noqa: E731
    return {"layers": [[layer.name, type(layer).__name__] for layer in model.layers],
            "inputs": [shape(t) for t in model.inputs], "outputs": [shape(t) for t in model.outputs]}


def structure_differences(recorded: dict, loaded: dict) -> str:
    return "; ".join(f"{part}: written {recorded[part]}, read {loaded[part]}"
                     for part in recorded if recorded[part] != loaded.get(part))


def read_artifact(folder: pathlib.Path, entry_id: str, fmt: str, structure: bool = False) -> dict:
    """Load one artifact here and compare with the writer's outputs: one grid cell, with state
    matches, differs (and the largest error), fails (and the exception) or not written.  ``structure``
    (a read-back in the writer's own version): a whole-model file must also give back the layers and the
    input and output shapes it was written with (structure.json), else it fails as StructureDiffers."""
    from keras_upgrade_gate.conformance import saved_files
    from keras_upgrade_gate.layers.building import as_list

    written = json.loads((folder / entry_id / "written.json").read_text()).get(fmt, "absent")
    if written != "ok":
        return {"state": "not written", "detail": written}
    with np.load(folder / entry_id / "outputs.npz") as stored:
        expected = {f"output_{i}": stored[f"arr_{i}"] for i in range(len(stored.files))}
    saved = golden_file(folder, entry_id, fmt)
    recorded = folder / entry_id / STRUCTURE
    structured = structure and fmt in STRUCTURED_FORMATS and recorded.exists()
    try:
        if structured:
            model = saved_files.load(saved, model=True)
            differences = structure_differences(json.loads(recorded.read_text()), structure_of(model))
            if differences:
                return {"state": "fails", "detail": f"StructureDiffers: the {fmt} file reads back as another model: "
                                                    f"{differences}"}
            loaded = lambda inputs: as_list(model(inputs, training=False))  # noqa: E731
        else:
            loaded = saved_files.load(saved)
        got = saved_files.outputs(loaded, saved_files.read_inputs(saved), saved)
    except saved_files.FileProblem as problem:
        return {"state": "fails", "detail": problem.raw}
    error, _, where = saved_files.largest_errors(expected, got, "output_")
    if error == float("inf"):
        return {"state": "differs", "max_error": None, "detail": f"output {where}"}
    return {"state": "matches" if error <= MATCH_ATOL else "differs", "max_error": error}


# A load in a process of its own, TensorFlow's import included, measured at 10.8-11.2 s on the idle 2-core
# machine (TF 2.21: three golden loads, HDF5, .keras and weights); a minute is over 5x that, room for two
# gate workers sharing the cores: one that has not returned by then is the hang its row records.
APART_SECONDS = 60


def reader_for(check: str):
    """How to read the artifact of ``check`` (load:<writer>:<format>:<id>): apart where this Keras's row
    expects the load to hang, in this process otherwise."""
    row = expectations.expected(check, compat.KERAS_VERSION)
    return read_artifact_apart if row and row.outcome.startswith(HANG) else read_artifact


def read_artifact_apart(folder: pathlib.Path, entry_id: str, fmt: str, seconds: float = APART_SECONDS) -> dict:
    """``read_artifact`` in a process of its own, ended after ``seconds``: for a load that a row expects to
    hang (Keras 3.0-3.13 loop forever on the shared nested model of Keras 2's HDF5), so the check costs
    a minute instead of the per-check timeout, and a hang that stops is seen."""
    import subprocess

    code = ("import json, pathlib, sys; from keras_upgrade_gate.conformance import saving; "
            "print(json.dumps(saving.read_artifact(pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3])))")
    try:
        done = subprocess.run([sys.executable, "-c", code, str(folder), entry_id, fmt], capture_output=True,
                              text=True, timeout=seconds, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"state": "fails", "detail": f"{HANG}: the load did not return within {seconds:.0f} s"}
    if done.returncode != 0:
        return {"state": "fails", "detail": f"the load's process ended with {done.returncode}: {done.stderr[-500:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def read_all(folder: pathlib.Path) -> dict:
    return {entry_id: {fmt: read_artifact(folder, entry_id, fmt) for fmt in compat.SAVE_FORMATS}
            for entry_id in written_entries(folder)}


def main(argv=None) -> int:
    import warnings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=pathlib.Path, help="write every entry's artifacts into this folder")
    parser.add_argument("--golden", action="store_true", help="with --write: only the committed golden set")
    parser.add_argument("--only", nargs="+", default=(), help="with --write: only these entries, keeping the rest")
    parser.add_argument("--read", type=pathlib.Path, help="load another writer's artifact folder here")
    parser.add_argument("--out", type=pathlib.Path, help="with --read: write the grid cells as JSON here")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.write:
        if args.write.exists() and not args.only:
            shutil.rmtree(args.write)
        outcomes = write_all(args.write, list(args.only) or (golden_models() if args.golden else MODELS))
        failed = {e: {f: o for f, o in fmts.items() if o != "ok"} for e, fmts in outcomes.items()}
        print(json.dumps({e: f for e, f in failed.items() if f}, indent=1))
    if args.read:
        cells = read_all(args.read)
        text = json.dumps({"reader": compat.environment(), "writer": json.loads(
            (args.read / "manifest.json").read_text())["environment"], "cells": cells}, indent=1, sort_keys=True)
        if args.out:
            args.out.write_text(text + "\n")
        else:
            print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
