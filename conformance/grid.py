"""The live grid: this environment loads the artifacts every other environment wrote.

    python -m keras_upgrade_gate.conformance.grid --reports reports        # run with the reader environment's Python

Reads reports/<writer>/artifacts/ for every writer (the gate's saving checks leave them there) and
writes reports/<reader>/grid.json: per writer and format one cell, the worst over the grid models
(fails > differs > expected difference > newer writer > not written > matches; "newer writer": an
older Keras that cannot read a newer one's file, forward compatibility, informational), with the exception or the largest error.  The matrix
runs it for every environment after the gate (tox -e grid); reports/index.html draws the grid.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import warnings


def grid_models() -> list[str]:
    """The golden models (whose cross-version behaviour the expectation rows record) that together
    hold every layer type of the catalogue's models: conformance/coverage.py's cover (10 models)."""
    from keras_upgrade_gate.conformance import coverage, saving

    return coverage.cover(candidates=saving.golden_models())


SEVERITY = {"matches": 0, "not written": 1, "newer writer": 2, "expected difference": 3, "differs": 4, "fails": 5}
NEWER_WRITER = "newer writer"  # forward compatibility: an older Keras reading a newer one's file (informational)


def _judged(result: dict, baseline: str, fmt: str, entry_id: str, writer_keras: str = "0") -> dict:
    """A failed or differing load that the expected-differences table records for the golden
    artifacts of the writer's generation (load:<tf215|tf216-keras30>:<format>:<id>) is an expected difference;
    any other failure to read what a newer Keras wrote is forward compatibility, which Keras does not
    promise: reported as such, never as a regression."""
    from keras_upgrade_gate.conformance.expectations import AS_EXPECTED, REWORDED, expected, judge
    from keras_upgrade_gate.layers import compat

    if result["state"] not in ("fails", "differs"):
        return result
    row = expected(f"load:{baseline}:{fmt}:{entry_id}")
    observed = result.get("detail", "") if result["state"] == "fails" else "OutputsDiffer"
    verdict = judge(row, observed) if row is not None and row.outcome != "ok" else None
    if verdict in (AS_EXPECTED, REWORDED):
        reason = row.reason + (" (the message is reworded)" if verdict == REWORDED else "")
        return dict(result, state="expected difference", reason=reason)
    if compat.keras_newer_than_this(writer_keras):
        return dict(result, state=NEWER_WRITER,
                    reason=f"written by Keras {writer_keras}, read by the older Keras {compat.KERAS_VERSION}: "
                           "forward compatibility, which Keras does not promise (informational)")
    return result


def cell(folder: pathlib.Path, fmt: str, models: list[str]) -> dict:
    from keras_upgrade_gate.conformance import saving

    writer = json.loads((folder / "manifest.json").read_text())["environment"]
    baseline = saving.GOLDEN_WRITERS[0] if writer["keras_generation"] == 2 else saving.GOLDEN_WRITERS[1]
    entries = [e for e in models if (folder / e / "written.json").exists()]
    # A load the golden artifact's row expects to hang here is read apart, as the gate's own check does.
    results = {entry_id: _judged(saving.reader_for(f"load:{baseline}:{fmt}:{entry_id}")(folder, entry_id, fmt),
                                 baseline, fmt, entry_id, writer["keras"])
               for entry_id in entries}
    if not results:
        return {"state": "not written", "detail": "no artifacts", "entries": {}}
    worst_id = max(results, key=lambda e: SEVERITY[results[e]["state"]])
    worst = results[worst_id]
    errors = [r["max_error"] for r in results.values() if r.get("max_error") is not None]
    return {"state": worst["state"], "entry": worst_id, "detail": worst.get("detail", ""),
            "reason": worst.get("reason", ""),
            "max_error": max(errors) if errors else None,
            "entries": {e: r["state"] for e, r in results.items()}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=pathlib.Path, default=pathlib.Path("reports"))
    parser.add_argument("--env", default=os.environ.get("GATE_ENV", "local"), help="the reader's environment name")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    from keras_upgrade_gate.layers import compat

    writers = sorted(p.parent.parent.name for p in args.reports.glob("*/artifacts/manifest.json"))
    models = grid_models()
    grid = {"reader": args.env, "environment": compat.environment(), "models": models,
            "cells": {writer: {fmt: cell(args.reports / writer / "artifacts", fmt, models) for fmt in compat.SAVE_FORMATS}
                      for writer in writers}}
    target = args.reports / args.env / "grid.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(grid, indent=1, sort_keys=True) + "\n")
    states = [c["state"] for cells in grid["cells"].values() for c in cells.values()]
    print(f"grid[{args.env}]: read {len(writers)} writers: " + ", ".join(
        f"{states.count(s)} {s}" for s in SEVERITY if states.count(s)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
