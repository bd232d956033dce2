"""python -m keras_upgrade_gate.reporting.upgrade FROM TO: sides, the page, the exit codes (no TensorFlow: --reuse, or a fake gate)."""
from __future__ import annotations

import pytest

from keras_upgrade_gate.reporting import results, upgrade
from keras_upgrade_gate.reporting.tests.conftest import make_results, make_test


@pytest.mark.parametrize("text", ["tf221", "tf218-keras38", "tf215", "tf221-legacy", "nightly", "tf221-keras312-full"])
def test_an_environment_name_is_a_tox_side(text):
    side = upgrade.side(text)
    assert side.is_tox_env and side.name == text


def test_requirement_strings_get_a_name_that_reads_like_the_versions():
    old, new = upgrade.side("tensorflow==2.18.* keras==3.8.*"), upgrade.side("tensorflow==2.18.* keras==3.9.*")
    assert old.requirements == ("tensorflow==2.18.*", "keras==3.8.*")
    assert (old.name, new.name) == ("tf218-keras38", "tf218-keras39")
    assert not old.is_tox_env  # built from its pins, whatever its name looks like
    other = upgrade.side("tensorflow~=2.21.0 numpy<2")  # not only TensorFlow and Keras pins: named by all of them
    assert other.name.startswith("tensorflow2.21.0-numpy2-") and other.name != upgrade.side("tensorflow~=2.21.0").name


def test_a_requirements_file_is_read_without_its_comments(tmp_path):
    pins = tmp_path / "team-pins.txt"
    pins.write_text("# our production pins\ntensorflow==2.19.1\nkeras==3.8.0  # held back\n\n")
    side = upgrade.side(str(pins))
    assert side.requirements == ("tensorflow==2.19.1", "keras==3.8.0")
    assert side.name == "tf219-keras38"


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
    # The question first: what breaks (one new regression, one known Keras change), what gets fixed, what changed.
    assert page.index("1 new regression and 1 known Keras changes") < page.index("What breaks: <b>2</b>")
    assert page.index('id="breaks"') < page.index('id="fixed"') < page.index('id="changed"') < page.index("Everything else")
    breaks = page[page.index('id="breaks"'):page.index('id="fixed"')]
    assert "summary (seq.mlp_binary)" in breaks and "summary structure on TF 2.21.0 / Keras 3.15.1: changed" in breaks
    assert breaks.index("new regression") < breaks.index("known Keras change (Keras &gt;=3): Keras 3 rejects lr=")
    assert f'href="../tf221/repro/{script.name}"' in breaks
    changed = page[page.index('id="changed"'):page.index("Everything else")]
    assert "seq.mlp_binary · convergence: 1" in changed and "convergence.final_loss: 0.4 -&gt; 0.55" in changed
    summary = (two_envs / "upgrade-tf215-tf221" / "summary.md").read_text()
    assert "❌ 1 new regression" in summary and len(summary.splitlines()) <= 25
    assert "verdict: REGRESSED" in capsys.readouterr().out


def test_a_known_break_fails_only_when_asked(two_envs):
    """TO's known break (tf215 -> tf221 gains the Keras 3 row) exits 0 without a new regression, 1 with the flag."""
    candidate = results.load(two_envs / "tf221" / "results.json")
    candidate["tests"] = [t for t in candidate["tests"] if "test_summary" not in t["nodeid"]]
    candidate["tests"].append(make_test("conformance/test_summary.py::test_summary[seq.mlp_binary]", values={"params": 369}))
    results.write(two_envs / "tf221" / "results.json", candidate)
    assert upgrade.main(["tf215", "tf221", "--reuse", "--reports", str(two_envs)]) == upgrade.CLEAN
    assert "no new regression, but 1 known" in (two_envs / "upgrade-tf215-tf221" / "index.html").read_text()
    assert upgrade.main(["tf215", "tf221", "--reuse", "--fail-on-known", "--reports", str(two_envs)]) == upgrade.REGRESSED


def test_no_regression_exits_0_and_says_so(two_envs):
    assert upgrade.main(["tf221", "tf215", "--reuse", "--reports", str(two_envs)]) == upgrade.CLEAN
    page = (two_envs / "upgrade-tf221-tf215" / "index.html").read_text()
    assert "nothing breaks" in page and "What gets fixed: <b>2</b>" in page  # the failing summary, the Keras 3 row


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


def test_a_load_that_hung_and_is_now_refused_is_a_known_break():
    """Keras 3.8 hung on Keras 2's HDF5 of shared_vision, 3.15 refuses it: still a break a team meets on TO."""
    from keras_upgrade_gate.reporting import upgrade_changes

    nodeid = "conformance/test_saving.py::test_golden_artifact_loads_and_matches[func.shared_vision-tf215-h5]"

    def side(outcome, keras, reason):
        row = {"check": "load:tf215:h5:func.shared_vision", "keras": keras, "outcome": outcome, "value": None,
               "reason": reason, "varies": True}
        return make_results("x", "2.21.0", "3.15.1", [make_test(nodeid, snippet="func.shared_vision", expected=[row])])

    found = upgrade_changes.classify(side("hang", "<3.12", "loops forever"), side("ValueError: refused", ">=3.12", "refused"))
    (change,) = found[upgrade_changes.BREAKS]
    assert change.known and change.already_failing and change.row["reason"] == "refused"


@pytest.mark.parametrize("cores, workers", [(4, "2"), (2, "1"), (1, None)])
def test_both_sides_run_at_once_with_their_share_of_the_cores(two_envs, monkeypatch, cores, workers):
    seen = []

    def fake_run(command, **kwargs):
        env = command[command.index("-e") + 1]
        seen.append(kwargs["env"].get("GATE_WORKERS"))
        data = make_results(env, "2.21.0", "3.15.1", [make_test("conformance/test_summary.py::test_summary[seq.add]")])
        results.write(two_envs / env / "results.json", data)

    monkeypatch.setattr(upgrade.os, "cpu_count", lambda: cores)
    monkeypatch.delenv("GATE_WORKERS", raising=False)
    monkeypatch.setattr(upgrade.subprocess, "run", fake_run)
    assert upgrade.main(["tf215", "tf221", "--reports", str(two_envs)]) == upgrade.CLEAN
    assert seen == [workers, workers]
