"""The live grid: this environment loads the artifacts every other environment wrote.

    python -m conformance.grid --reports reports        # run with the reader environment's Python

Reads reports/<writer>/artifacts/ for every writer (the gate's saving checks leave them there) and
writes reports/<reader>/grid.json: per writer and format one cell, the worst over GRID_MODELS
(fails > differs > expected difference > not written > matches), with the exception or the largest error.  The matrix
runs it for every environment after the gate (tox -e grid); reports/index.html draws the grid.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import warnings

# The custom layers (ProbAttention with masks, SelfAttentionLayer with sublayers, AttentionLayer
# after an LSTM) and a multi-input multi-output model: where the golden artifacts break, these break
# first.  Four models keep the grid at about a minute per reader (12 writers x 4 formats x 4 models).
GRID_MODELS = ("attn.prob_attention_model", "attn.self_attention_seq", "rnn.attention_lstm", "func.multi_io")
SEVERITY = {"matches": 0, "not written": 1, "expected difference": 2, "differs": 3, "fails": 4}


def _judged(result: dict, baseline: str, fmt: str, entry_id: str) -> dict:
    """A failed or differing load that the expected-differences table records for the golden
    artifacts of the writer's generation (load:<tf215|tf216>:<format>:<id>) is an expected difference."""
    from conformance.expectations import expected, outcome_matches

    if result["state"] not in ("fails", "differs"):
        return result
    row = expected(f"load:{baseline}:{fmt}:{entry_id}")
    observed = result.get("detail", "") if result["state"] == "fails" else "OutputsDiffer"
    if row is not None and row.outcome != "ok" and outcome_matches(row.outcome, observed):
        return dict(result, state="expected difference", reason=row.reason)
    return result


def cell(folder: pathlib.Path, fmt: str) -> dict:
    from conformance import saving

    writer = json.loads((folder / "manifest.json").read_text())["environment"]
    baseline = saving.GOLDEN_WRITERS[0] if writer["keras_generation"] == 2 else saving.GOLDEN_WRITERS[1]
    entries = [e for e in GRID_MODELS if (folder / e / "written.json").exists()]
    results = {entry_id: _judged(saving.read_artifact(folder, entry_id, fmt), baseline, fmt, entry_id)
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
    from layers import compat

    writers = sorted(p.parent.parent.name for p in args.reports.glob("*/artifacts/manifest.json"))
    grid = {"reader": args.env, "environment": compat.environment(), "models": list(GRID_MODELS),
            "cells": {writer: {fmt: cell(args.reports / writer / "artifacts", fmt) for fmt in compat.SAVE_FORMATS}
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
