"""The committed call tables (fixtures/measurements/calls-<generation>.json) are what this run's gates traced.

The index environment runs after the gate environments: each whole default-tier run in reports/ (tf215, tf221
in CI) is traced ($GATE_TRACE_CALLS, tox sets it), and its table of callables per entry must equal the
committed one of its generation.  A difference is a call the catalogue started or stopped making: rewrite the
table (`python -m keras_upgrade_gate.conformance.calls reports/<env> --write`) and look at what changed.
Without such a run the check skips, except in CI, where the gate runs first and its absence is an error.
"""
from __future__ import annotations

import json
import os
import pathlib

import pytest

from keras_upgrade_gate.conformance import calls
from keras_upgrade_gate.reporting.tests.conftest import make_results, make_test

REPORTS = pathlib.Path(__file__).resolve().parents[2] / "reports"


def _traced_runs() -> list[tuple[str, dict]]:
    runs = []
    for path in sorted(REPORTS.glob("*/results.json")):
        data = json.loads(path.read_text())
        if calls.whole_default_tier(data):
            runs.append((path.parent.name, data))
    return runs


def test_the_committed_call_tables_are_current():
    runs = _traced_runs()
    if not runs:
        if os.environ.get("CI"):
            pytest.fail(f"no traced whole default-tier run in {REPORTS}: the gate environments run before the index")
        pytest.skip(f"no traced whole default-tier run in {REPORTS} (run `tox -e tf221` first)")
    stale = []
    for env, data in runs:
        generation = calls.generation_of(data)
        recorded = calls.committed(generation)
        assert recorded is not None, f"{calls.table_path(generation)} is missing: write it from reports/{env}"
        differences = calls.differences(calls.table(data), recorded)
        if differences:
            stale.append(f"{env} ({generation}): " + "; ".join(differences[:8]))
    assert not stale, ("the calls the catalogue makes changed (rewrite with `python -m "
                       "keras_upgrade_gate.conformance.calls reports/<env> --write`): " + " | ".join(stale))


def test_a_changed_call_shows_as_a_difference():
    """The comparison sees: a check that stops reaching predict, and one that starts reaching fit."""
    data = make_results("tf221", "2.21.0", "3.15.1", [
        make_test("conformance/test_inference.py::test_predict[seq.a]", snippet="seq.a",
                  values={calls.PROPERTY: ["Model.fit"]})])
    assert calls.differences(calls.table(data), {"Model.predict": ["seq.a"]}) == [
        "Model.fit: now also ['seq.a'], no longer []", "Model.predict: now also [], no longer ['seq.a']"]


def test_only_a_whole_traced_default_tier_makes_a_table():
    traced = make_results("tf221", "2.21.0", "3.15.1", [make_test("x::y", values={calls.PROPERTY: ["Model.fit"]})])
    assert calls.whole_default_tier({**traced, "tier": "default", "selected": False})
    assert not calls.whole_default_tier({**traced, "tier": "default", "selected": True})
    assert not calls.whole_default_tier({**traced, "tier": "full", "selected": False})
    untraced = make_results("tf221", "2.21.0", "3.15.1", [make_test("x::y")])
    assert not calls.whole_default_tier({**untraced, "tier": "default", "selected": False})
