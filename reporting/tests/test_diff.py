import pytest

from keras_upgrade_gate.reporting import diff, results
from keras_upgrade_gate.reporting.tests.conftest import make_results, make_test


def test_the_candidate_regression_drift_and_new_expected_difference_are_reported(two_envs, capsys):
    code = diff.main(["tf215", "tf221", "--reports", str(two_envs)])
    out = capsys.readouterr().out
    assert code == 1
    assert "upgrade diff: tf215 (TF 2.15.1, Keras 2.15.0) -> tf221 (TF 2.21.0, Keras 3.15.1)" in out
    assert "regressions: 1\n  - test_summary.py::test_summary[seq.mlp_binary]" in out
    assert "summary structure on TF 2.21.0 / Keras 3.15.1: changed" in out
    assert "convergence.final_loss: 0.4 -> 0.55" in out
    assert "seconds" not in out
    assert "expected differences appeared: 1\n  - as_written:seq.mlp_softmax (Keras >=3): ValueError: lr" in out
    assert "verdict: REGRESSED" in out


def test_reversed_direction_is_a_fix_and_a_vanished_expected_difference(two_envs, capsys):
    code = diff.main([str(two_envs / "tf221" / "results.json"), str(two_envs / "tf215" / "results.json")])
    out = capsys.readouterr().out
    assert code == 0
    assert "fixed: 1" in out and "expected differences vanished: 1" in out and "verdict: no regressions" in out


def test_a_check_that_passed_and_did_not_run_is_a_regression():
    base = make_results("a", "2.15.1", "2.15.0", [make_test("c/test_x.py::test_y[seq.add]")])
    cand = make_results("b", "2.16.2", "3.15.1", [])
    sections = diff.diff(base, cand)
    assert sections["regressions"] == ["test_x.py::test_y[seq.add]\n      did not run on the candidate"]


def test_a_new_failing_check_is_a_regression_and_a_new_passing_one_is_listed():
    base = make_results("a", "2.15.1", "2.15.0", [])
    cand = make_results("b", "2.16.2", "3.15.1", [make_test("c/test_x.py::test_y[seq.add]", outcome="failed",
                                                            message="boom"),
                                                  make_test("c/test_x.py::test_z[seq.add]")])
    sections = diff.diff(base, cand)
    assert len(sections["regressions"]) == 1 and "(new check)" in sections["regressions"][0]
    assert sections["new checks"] == ["test_x.py::test_z[seq.add]: pass"]


def test_a_missing_results_file_names_the_environment_to_run(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        diff.main(["tf212", "tf221", "--reports", str(tmp_path)])
    assert stop.value.code == 2
    assert "run the gate there first (tox -e tf212)" in capsys.readouterr().err


def test_an_unknown_format_is_refused(tmp_path):
    results.write(tmp_path / "x" / "results.json", {"format": 99})
    with pytest.raises(ValueError, match="results format 99"):
        results.load(tmp_path / "x" / "results.json")


REWORDED = {"judged": {"check": "load:tf215:keras:func.inception", "verdict": "reworded",
                       "pattern": "TypeError: Could not deserialize class 'Functional' because its parent module "
                                  "keras.src.engine.functional",
                       "cause": ["Functional", "keras.src.engine.functional"],
                       "observed": "TypeError: Could not deserialize class 'Functional' because its parent module "
                                   "'keras.src.engine.functional' cannot be imported"}}


def test_a_reworded_expected_error_is_drift_to_show_not_a_regression():
    nodeid = "c/test_saving.py::test_golden_artifact_loads_and_matches[func.inception-tf215-keras]"
    base = make_results("tf221", "2.21.0", "3.15.1", [make_test(nodeid, snippet="func.inception")])
    cand = make_results("nightly", "2.22.0.dev1", "3.16.0.dev1",
                        [make_test(nodeid, snippet="func.inception", values=REWORDED)])
    sections = diff.diff(base, cand)
    assert sections["regressions"] == []
    assert len(sections["expected errors reworded"]) == 1
    line = sections["expected errors reworded"][0]
    assert "'keras.src.engine.functional' cannot be imported" in line and "load:tf215:keras:func.inception" in line
    assert "expected errors reworded: 1" in diff.render(base, cand, sections)
