"""python -m keras_upgrade_gate.reporting.upgrade FROM TO: sides, the page, the exit codes (no TensorFlow: --reuse, or a fake gate)."""
from __future__ import annotations

import pytest

from keras_upgrade_gate.reporting import results, upgrade
from keras_upgrade_gate.reporting.tests.conftest import make_results, make_test


@pytest.mark.parametrize("text", ["tf221", "tf218-keras38", "tf215", "tf221-legacy", "nightly", "tf221-keras312-full"])
def test_an_environment_name_is_a_tox_side(text):
    side = upgrade.side(text)
    assert side.is_tox_env and side.name == text


def test_requirement_strings_get_a_readable_name_that_changes_with_the_pins():
    old, new = upgrade.side("tensorflow==2.18.* keras==3.8.*"), upgrade.side("tensorflow==2.18.* keras==3.9.*")
    assert old.requirements == ("tensorflow==2.18.*", "keras==3.8.*")
    assert old.name.startswith("tensorflow2.18.-keras3.8.-") and old.name != new.name
    assert upgrade.ENV_NAME.match(old.name) is None  # never mistaken for a tox environment


def test_a_requirements_file_is_read_without_its_comments(tmp_path):
    pins = tmp_path / "team-pins.txt"
    pins.write_text("# our production pins\ntensorflow==2.19.1\nkeras==3.8.0  # held back\n\n")
    side = upgrade.side(str(pins))
    assert side.requirements == ("tensorflow==2.19.1", "keras==3.8.0")
    assert side.name.startswith("team-pins-")


@pytest.mark.parametrize("text", ["numpy==2.0", "tf2", "whatever"])
def test_a_side_that_names_no_tensorflow_or_keras_is_refused(text):
    with pytest.raises(ValueError, match="neither an environment name"):
        upgrade.side(text)


def test_an_empty_requirements_file_is_refused(tmp_path):
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(ValueError, match="no requirement"):
        upgrade.side(str(tmp_path / "empty.txt"))


def test_the_page_opens_with_the_verdict_and_the_regression_on_both_sides(two_envs, capsys):
    (two_envs / "tf221" / "repro").mkdir()
    script = two_envs / "tf221" / "repro" / f"{results.repro_name('conformance/test_summary.py::test_summary[seq.mlp_binary]')}.py"
    script.write_text("raise SystemExit(1)\n")
    code = upgrade.main(["tf215", "tf221", "--reuse", "--reports", str(two_envs)])
    assert code == upgrade.REGRESSED
    page = (two_envs / "upgrade-tf215-tf221" / "index.html").read_text()
    assert page.index("REGRESSED: 1 checks") < page.index("<h2>Regressions</h2>") < page.index("<h2>Drift</h2>")
    assert page.index("<h2>Drift</h2>") < page.index("<h2>Expected differences</h2>") < page.index("<h2>Everything else</h2>")
    regression = page[page.index("<h2>Regressions</h2>"):page.index("<h2>Drift</h2>")]
    assert "seq.mlp_binary" in regression and "summary structure on TF 2.21.0 / Keras 3.15.1: changed" in regression
    assert "&quot;params&quot;: 369" in regression  # the baseline's recorded value beside the candidate's failure
    assert f'href="../tf221/repro/{script.name}"' in regression
    assert "convergence.final_loss: 0.4 -&gt; 0.55" in page
    assert "verdict: REGRESSED" in capsys.readouterr().out


def test_no_regression_exits_0_and_says_so(two_envs):
    assert upgrade.main(["tf221", "tf215", "--reuse", "--reports", str(two_envs)]) == upgrade.CLEAN
    assert "no regressions from tf221" in (two_envs / "upgrade-tf221-tf215" / "index.html").read_text()


def test_missing_results_are_an_error_not_a_pass(two_envs, capsys):
    assert upgrade.main(["tf215", "tf219-keras38", "--reuse", "--reports", str(two_envs)]) == upgrade.BUILD_FAILED
    assert "tf219-keras38" in capsys.readouterr().err


def test_a_gate_that_leaves_no_fresh_results_is_an_error(two_envs, monkeypatch, capsys):
    """An environment that died (or could not be built) leaves yesterday's results.json: not read as today's."""
    monkeypatch.setattr(upgrade.subprocess, "run", lambda *a, **k: None)
    assert upgrade.main(["tf215", "tf221", "--reports", str(two_envs)]) == upgrade.BUILD_FAILED
    assert "left no results.json" in capsys.readouterr().err


def test_the_same_environment_twice_is_refused(two_envs):
    with pytest.raises(SystemExit):
        upgrade.main(["tf221", "tf221", "--reuse", "--reports", str(two_envs)])


def test_pytest_arguments_after_the_separator_reach_both_gates(two_envs, monkeypatch):
    commands = []

    def fake_run(command, **kwargs):
        commands.append(command)
        env = command[command.index("-e") + 1]
        data = make_results(env, "2.21.0", "3.15.1", [make_test("conformance/test_summary.py::test_summary[seq.add]")])
        results.write(two_envs / env / "results.json", data)

    monkeypatch.setattr(upgrade.subprocess, "run", fake_run)
    assert upgrade.main(["tf215", "tf221", "--reports", str(two_envs), "--", "-m", "documented"]) == upgrade.CLEAN
    assert all(command[-3:] == ["--", "-m", "documented"] for command in commands) and len(commands) == 2


def test_the_gates_run_where_the_command_runs(two_envs, monkeypatch, tmp_path):
    """From a team's checkout both gates gate the team's catalogue: they run in the directory of the command."""
    places = []

    def fake_run(command, **kwargs):
        places.append(kwargs["cwd"])
        env = command[command.index("-e") + 1]
        results.write(two_envs / env / "results.json", make_results(env, "2.21.0", "3.15.1", []))

    monkeypatch.setattr(upgrade.subprocess, "run", fake_run)
    monkeypatch.chdir(tmp_path)
    upgrade.main(["tf215", "tf221", "--reports", str(two_envs)])
    assert places == [tmp_path, tmp_path]
