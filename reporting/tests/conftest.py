"""Synthetic results.json files: the report tools are tested without TensorFlow."""
from __future__ import annotations

import pytest

from keras_upgrade_gate.reporting import results


def make_test(nodeid, outcome="passed", values=None, snippet="seq.mlp_binary", expected=(), message=""):
    return {"nodeid": nodeid, "snippet": snippet, "kind": results.kind_of(nodeid), "outcome": outcome,
            "duration": 0.1, "message": message, "values": values or {}, "expected": list(expected)}


def make_results(env, tensorflow, keras, tests):
    return {"format": results.FORMAT, "env": env, "started": "2026-11-22T00:00:00+00:00", "wall_seconds": 60.0,
            "environment": {"tensorflow": tensorflow, "keras": keras, "python": "3.11.7", "gpus": []},
            "tests": tests}


ROW_KERAS3 = {"check": "as_written:seq.mlp_softmax", "keras": ">=3", "outcome": "ValueError: lr", "value": None,
              "reason": "Keras 3 rejects lr=", "varies": True}


@pytest.fixture
def two_envs(tmp_path):
    """A baseline where everything passes and a candidate with one regression, one drift and one new
    expected difference; written under tmp_path/<env>/results.json."""
    baseline = make_results("tf215", "2.15.1", "2.15.0", [
        make_test("conformance/test_summary.py::test_summary[seq.mlp_binary]", values={"params": 369}),
        make_test("conformance/test_convergence.py::test_recipe[seq.mlp_binary]",
                  values={"convergence": {"final_loss": 0.40, "seconds": 3.0}}),
        make_test("conformance/test_as_written.py::test_as_written[seq.mlp_softmax]", snippet="seq.mlp_softmax"),
        make_test("conformance/test_parity.py::test_gpu[seq.mlp_binary-gpu]", outcome="skipped",
                  message="no GPU visible"),
    ])
    candidate = make_results("tf221", "2.21.0", "3.15.1", [
        make_test("conformance/test_summary.py::test_summary[seq.mlp_binary]", outcome="failed",
                  message="[seq.mlp_binary] summary structure on TF 2.21.0 / Keras 3.15.1: changed"),
        make_test("conformance/test_convergence.py::test_recipe[seq.mlp_binary]",
                  values={"convergence": {"final_loss": 0.55, "seconds": 9.0}}),
        make_test("conformance/test_as_written.py::test_as_written[seq.mlp_softmax]", snippet="seq.mlp_softmax",
                  expected=[ROW_KERAS3]),
        make_test("conformance/test_parity.py::test_gpu[seq.mlp_binary-gpu]", outcome="skipped",
                  message="no GPU visible"),
    ])
    for data in (baseline, candidate):
        results.write(tmp_path / data["env"] / "results.json", data)
    return tmp_path
