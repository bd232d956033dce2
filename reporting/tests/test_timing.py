from keras_upgrade_gate.reporting import results, timing
from keras_upgrade_gate.reporting.tests.conftest import make_results


def _run(env, workers, wall, per_kind):
    data = make_results(env, "2.21.0", "3.15.1", [])
    data.update(wall_seconds=wall, timing={"import_seconds": 5.0, "workers": workers, "per_kind": per_kind})
    return data


def test_runs_side_by_side_with_kinds_by_total_time(tmp_path, capsys):
    results.write(tmp_path / "serial" / "results.json", _run("serial", 0, 400.0, {"parity": 90.0, "convergence": 110.0}))
    results.write(tmp_path / "xdist" / "results.json", _run("xdist", 2, 300.0, {"parity": 120.0, "convergence": 130.0}))
    assert timing.main(["serial", "xdist", "--reports", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["serial", "xdist"]
    assert lines[1].split() == ["ran", "serial", "-n", "2"]
    assert lines[2].split() == ["wall", "(s)", "400", "300"]
    assert [line.split()[0] for line in lines[4:]] == ["convergence", "parity"]  # 240 s before 210 s
    assert lines[5].split() == ["parity", "90.0", "120.0"]


def test_a_run_without_a_kind_shows_zero():
    rows = timing.table({"a": _run("a", 0, 10.0, {"saving": 3.0}), "b": _run("b", 0, 10.0, {})})
    assert rows[-1].split() == ["saving", "3.0", "0.0"]
