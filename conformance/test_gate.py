"""The gate's own command line: a user's ``-m`` narrows the default tier instead of replacing its
exclusions (``tox -e tf221 -- -m convergence`` must not start the slow tier's seed-size trainings)."""
from __future__ import annotations

import pytest
from _pytest.mark.expression import Expression

from keras_upgrade_gate.conformance import gate
from keras_upgrade_gate.conformance.gate import EXCLUDED_MARKERS, keep_default_exclusions


def _selects(args: list, markers: set) -> bool:
    """Whether pytest's own marker matching selects a check carrying ``markers`` under the last ``-m``
    (pytest's private parser, stable since pytest 6: the rewrite is judged as pytest will read it)."""
    expression = None
    for i, arg in enumerate(args):
        if arg == "-m":
            expression = args[i + 1]
        elif arg.startswith("-m"):
            expression = arg[2:]
    return Expression.compile(expression).evaluate(lambda name, **_: name in markers)


@pytest.mark.parametrize("args", [["-m", "convergence"], ["-mconvergence"], ["-x", "-m", "convergence or parity", "-q"]])
def test_a_narrowing_selection_keeps_the_slow_tier_and_the_selftest_out(args):
    rewritten = keep_default_exclusions(args)
    assert _selects(rewritten, {"convergence"})
    for excluded in EXCLUDED_MARKERS:
        assert not _selects(rewritten, {"convergence", excluded}), (
            f"{args} -> {rewritten} would run checks marked {excluded}")
    # the unrewritten selection is the hole this closes: pytest alone would run the slow checks
    assert _selects(args, {"convergence", "slow"})


@pytest.mark.parametrize("args", [["-m", "slow"], ["-m", "convergence and slow"], ["-m", "selftest"],
                                  ["-k", "attn.se_cnn"], ["conformance/test_documented.py"], []])
def test_a_selection_that_names_an_excluded_marker_or_no_marker_is_left_alone(args):
    assert keep_default_exclusions(args) == args


def test_a_marker_whose_name_contains_an_excluded_one_is_not_mistaken_for_it():
    rewritten = keep_default_exclusions(["-m", "slowest"])
    assert rewritten == ["-m", "(slowest) and not slow and not selftest"]


def test_a_gate_that_dies_leaves_a_report_that_says_how(tmp_path, monkeypatch):
    """TensorFlow crashing the interpreter: the environment's results.json says so, with the output's end."""
    import json
    import sys

    monkeypatch.chdir(tmp_path)
    dies = [sys.executable, "-c", "import os, signal; print('loading the golden h5', flush=True); "
                                  "os.kill(os.getpid(), signal.SIGSEGV)"]
    code = gate.supervise(["--env", "tf299-crash"], command=dies)
    assert code == 1
    data = json.loads((tmp_path / "reports" / "tf299-crash" / "results.json").read_text())
    (died,) = data["tests"]
    assert died["outcome"] == "failed" and data["env"] == "tf299-crash"
    assert "killed by SIGSEGV" in died["message"] and "loading the golden h5" in died["message"]
    assert data["environment"]["tensorflow"] != "unknown"  # read from the installed distributions


def test_a_gate_that_writes_its_results_keeps_them_and_its_exit_code(tmp_path, monkeypatch):
    import json
    import sys

    monkeypatch.chdir(tmp_path)
    writes = [sys.executable, "-c", "import os; os.makedirs('reports/tf299', exist_ok=True); "
                                    "open('reports/tf299/results.json', 'w').write('{\"own\": 1}'); raise SystemExit(1)"]
    assert gate.supervise(["--env", "tf299"], command=writes) == 1
    assert json.loads((tmp_path / "reports" / "tf299" / "results.json").read_text()) == {"own": 1}


def test_an_emulation_leaves_out_only_what_the_real_cpu_routes_to_onednn():
    """Under a capped oneDNN, the mixed-precision paths whose dtype this CPU has AVX-512 instructions for
    crash the worker (TensorFlow routes them by the real CPUID); every other case runs."""
    from keras_upgrade_gate.conformance.cpus import not_emulated

    assert not_emulated("avx2", {"avx2", "fma"}) == ([], "")
    assert not_emulated("avx2", {"avx512_bf16"})[0] == ["-k", "not cpu_mixed_bfloat16"]
    args, why = not_emulated("avx", {"avx512_bf16", "avx512_fp16"})
    assert args == ["-k", "not cpu_mixed_bfloat16 and not cpu_mixed_float16"] and "AVX" in why
    assert not_emulated("avx2-no-onednn", {"avx512_bf16", "avx512_fp16"}) == ([], "")  # nothing is routed
    assert not_emulated("native", {"avx512_bf16", "avx512_fp16"}) == ([], "")


@pytest.mark.house
def test_the_runner_runs_as_a_module():
    """`python -m keras_upgrade_gate.conformance.gate` is what tox and keras-gate start: without its __main__
    block it exits 0 having run nothing (a silent pass this stop's CI caught once)."""
    import subprocess
    import sys

    shown = subprocess.run([sys.executable, "-m", "keras_upgrade_gate.conformance.gate", "--help"],
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "--env" in shown.stdout, shown.stdout + shown.stderr


def test_a_selection_that_matches_no_check_is_an_error_not_a_pass():
    """`-k` with a typo, or a check renamed under a selection, would otherwise gate nothing and pass."""
    assert gate.selects(["-k", "golden"]) and gate.selects(["-mgolden"]) and gate.selects(["conformance/test_x.py"])
    assert gate.selects(["conformance/test_x.py::test_y[a]"]) and not gate.selects(["-n", "2", "--tier", "full"])
