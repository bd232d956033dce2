"""Run the gate in one environment and write its reports: ``python -m keras_upgrade_gate.conformance.gate``.

Wraps pytest so every environment writes ``reports/<env>/report.html`` the same
way (report.html, junit.xml, results.json), and so a selection that matches no check (pytest's exit code 5, e.g.
``-m gpu`` on a tier with no GPU cases yet) is reported as such instead of
failing the matrix.

Checks run in pytest-xdist workers, one per core ($GATE_WORKERS overrides; 1 runs serially; the
tox plugin in toxfile.py divides the cores between environments that run in parallel).  An
explicit ``-n`` or ``-p no:xdist`` in the arguments wins.

The run itself is a child process watched by this one (``supervise``): a gate that dies (TensorFlow
crashing the interpreter, the process killed) still leaves a results.json whose one failed check says
so, with the end of its output, instead of no column in the index or yesterday's file.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import re
import sys

from keras_upgrade_gate.plugin import WARNINGS_IGNORED

NO_TESTS_COLLECTED = 5
PROJECT = pathlib.Path(__file__).resolve().parents[1]


SUPERVISED = "GATE_SUPERVISED"  # set in the watched child: it runs the checks itself
OUTPUT_KEPT = 40  # lines of a dead run's output its report keeps


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default=os.environ.get("GATE_ENV", "local"),
                        help="environment name; the report goes to reports/<env>/ (default: $GATE_ENV or local)")
    return parser


def main(argv=None) -> int:
    if os.environ.get(SUPERVISED) == "1":
        return run(argv)
    return supervise(list(sys.argv[1:] if argv is None else argv))


def supervise(argv: list, command: list | None = None) -> int:
    """Run the gate in a child process, passing its output through; if it ends without writing its
    results (killed, crashed), write results.json saying how it died and what it printed last."""
    import collections
    import datetime
    import signal
    import subprocess
    import time

    from keras_upgrade_gate.reporting import results

    args, _ = _parser().parse_known_args(argv)
    target = os.path.join("reports", args.env, "results.json")
    started = time.time()
    child = subprocess.Popen(command or [sys.executable, "-m", "keras_upgrade_gate.conformance.gate", *argv],
                             env=dict(os.environ, **{SUPERVISED: "1"}, **writes_nothing_into_the_package()),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tail: collections.deque = collections.deque(maxlen=OUTPUT_KEPT)
    for line in child.stdout:
        sys.stdout.buffer.write(line)
        sys.stdout.flush()
        tail.append(line.decode(errors="replace").rstrip())
    code = child.wait()
    if os.path.exists(target) and os.path.getmtime(target) >= started:
        return code
    how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit {code}"
    print(f"gate[{args.env}]: the gate died ({how}) without writing its results; {target} says so")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    results.write(target, {
        "format": results.FORMAT, "env": args.env, "environment": results.installed_versions(),
        "started": datetime.datetime.fromtimestamp(started, datetime.timezone.utc).isoformat(),
        "wall_seconds": round(time.time() - started, 1), "tier": os.environ.get("GATE_TIER", "default"),
        "tests": [results.died_test(f"the gate process died ({how}) before writing its results; its last output:\n"
                                    + "\n".join(tail))]})
    return code if code > 0 else 1


def writes_nothing_into_the_package() -> dict:
    """Run from an installed package, no process writes bytecode beside it (pytest's rewritten check files
    would land in site-packages): the installed tree stays as pip left it."""
    import keras_upgrade_gate

    return {} if keras_upgrade_gate._in_the_checkout() else {"PYTHONDONTWRITEBYTECODE": "1"}


def run(argv=None) -> int:
    """The gate in this process: pytest with the reports' plugins and the worker settings."""
    args, pytest_args = _parser().parse_known_args(argv)
    import time

    import pytest

    # The threads first: TensorFlow reads them once, at its import (the controller's yardstick runs on them too).
    workers = worker_args(pytest_args)
    share_cores(workers)
    # TensorFlow's and Keras's import is the floor of every run: timed here, reported by the plugin.
    start = time.perf_counter()
    import keras_upgrade_gate.layers.compat  # noqa: F401

    os.environ["GATE_IMPORT_SECONDS"] = f"{time.perf_counter() - start:.1f}"
    # The machine's speed, before any worker starts: the budget is in its units (conformance/yardstick.py).
    from keras_upgrade_gate.conformance import yardstick

    os.environ["GATE_YARDSTICK_SECONDS"] = str(yardstick.measure())

    os.environ["GATE_ENV"] = args.env  # checks that leave artifacts put them in reports/<env>/
    os.environ["GATE_SELECTED"] = "1" if selects(pytest_args) else "0"  # results.json: a whole tier, or a choice
    report_dir = os.path.join("reports", args.env)
    os.makedirs(report_dir, exist_ok=True)
    # Test files or node ids given on the command line replace the whole suite.
    pytest_args = gate_files_by_path(pytest_args)
    named_paths = [a for a in pytest_args if not a.startswith("-") and os.path.exists(a.split("::")[0])]
    code = pytest.main([
        # The checks by their package, wherever it is installed: pytest then keeps the rootdir, configuration
        # and conftest of the folder the gate runs in (a team's own), and its cache lands there.
        *([] if named_paths else ["--pyargs", CHECKS_PACKAGE]),
        *gate_options(pytest_args),
        f"--html={os.path.join(report_dir, 'report.html')}", "--self-contained-html",
        f"--junitxml={os.path.join(report_dir, 'junit.xml')}",
        f"--results-json={os.path.join(report_dir, 'results.json')}",
        *workers,
        *keep_default_exclusions(pytest_args),
    ])
    if code == NO_TESTS_COLLECTED:
        if selects(pytest_args):  # a selection that matches nothing is a typo or a renamed check, not a pass
            print(f"gate[{args.env}]: the selection {pytest_args} matched no check: nothing was gated. Check its "
                  "names against `keras-gate list` (the entries and kinds) or the test names", file=sys.stderr)
            return NO_TESTS_COLLECTED
        print(f"gate[{args.env}]: this catalogue has no check to run here; nothing to gate")
        return 0
    return int(code)


def selects(pytest_args: list[str]) -> bool:
    """Whether the arguments choose checks (-k, -m, test files or node ids), rather than only how to run them."""
    return any(a in ("-k", "-m") or a.startswith(("-k", "-m")) or (not a.startswith("-") and ("::" in a or
               a.endswith(".py"))) for a in pytest_args)


CHECKS_PACKAGE = "keras_upgrade_gate.conformance"
PLUGINS = ("keras_upgrade_gate.plugin", "keras_upgrade_gate.conformance.session", "keras_upgrade_gate.reporting.plugin")


def gate_options(pytest_args: list) -> list:
    """What every gate run sets, as options rather than a configuration file, so the team's own file stays in
    force: the gate's plugins, the default selection, the snapshot and time-limit settings, the JUnit layout."""
    options = [opt for name in PLUGINS for opt in ("-p", name)]
    options += ["-ra", "--snapshot-warn-unused", "--snapshot-no-cleanup", "-o", "junit_family=xunit1",
                "-o", "initial_sort=result",  # report.html lists failures first, not the GPU skips
                # pytest marks the plugin's distribution for assertion rewriting after the command imported it.
                "-W", "ignore:Module already imported so cannot be rewritten; keras_upgrade_gate"]
    # Keras's own noise, not findings (an ini value added by a plugin does not reach pytest 9's filters).
    options += [opt for line in WARNINGS_IGNORED for opt in ("-W", line)]
    # Snapshots of the other Keras generation are unused in a run, never stale: neither an error nor deleted.
    if not any(a == "-m" or (a.startswith("-m") and len(a) > 2) for a in pytest_args):
        options += ["-m", " and ".join(f"not {marker}" for marker in EXCLUDED_MARKERS)]
    # A check that hangs fails alone and the run still writes its report (Keras 3.8 loops forever loading a
    # shared nested model's HDF5).  The slowest default-tier check takes about 50 s on 2 cores; the slow
    # tier's seed-size trainings (up to 560 s measured) set their own limit.
    if not any(a.startswith("--timeout") for a in pytest_args):
        options.append(f"--timeout={CHECK_TIMEOUT_SECONDS}")
    return options


CHECK_TIMEOUT_SECONDS = 300


def gate_files_by_path(pytest_args: list) -> list:
    """A check file named as in the gate's repository (``conformance/test_golden.py``, a node id in it) is the
    gate's own, wherever the gate is installed: named from a team's checkout it resolves to the package's."""
    def resolved(arg: str) -> str:
        path = arg.split("::")[0]
        looks_like_a_path = path.endswith(".py") or "/" in path
        if arg.startswith("-") or not looks_like_a_path or os.path.exists(path) or not (PROJECT / path).exists():
            return arg
        return str(PROJECT / arg)
    return [resolved(arg) for arg in pytest_args]


# What every run leaves out unless asked for: a user's own ``-m`` would replace the default one,
# so without this ``-m convergence`` would also start the fifteen seed-size trainings (minutes each).
EXCLUDED_MARKERS = ("slow", "selftest")


def keep_default_exclusions(pytest_args: list) -> list:
    """A ``-m EXPR`` of the user's keeps the default exclusions: it becomes
    ``-m "(EXPR) and not slow and not selftest"``, unless EXPR names an excluded marker itself
    (``-m slow`` asks for the slow tier)."""
    args = list(pytest_args)
    for i, arg in enumerate(args):
        if arg == "-m" and i + 1 < len(args):
            at, expression = i + 1, args[i + 1]
        elif arg.startswith("-m") and not arg.startswith("-m=") and len(arg) > 2:
            at, expression = i, arg[2:]
        else:
            continue
        if not any(re.search(rf"\b{marker}\b", expression) for marker in EXCLUDED_MARKERS):
            exclusions = " and ".join(f"not {marker}" for marker in EXCLUDED_MARKERS)
            args[at] = ("" if at == i + 1 else "-m") + f"({expression}) and {exclusions}"
    return args


def worker_args(pytest_args: list) -> list:
    """``-n N --dist loadgroup`` unless the arguments choose: N from $GATE_WORKERS, else the cores.
    Workers asked for with ``-n`` alone also get loadgroup: without it, checks that share a cached
    run would compute it twice and write one artifact folder from two processes."""
    if "no:xdist" in pytest_args or any(a.startswith("--dist") for a in pytest_args):
        return []
    if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in pytest_args):
        return ["--dist", "loadgroup"]
    workers = int(os.environ.get("GATE_WORKERS") or os.cpu_count() or 1)
    if workers <= 1:
        return ["-n", "0"]
    # loadgroup: checks that share a cached run stay in one worker (conformance/session.py).
    return ["-n", str(workers), "--dist", "loadgroup"]


def threads_per_worker(cores: int, workers: int) -> int:
    """TensorFlow's intra- and inter-op threads for each of ``workers`` processes (0: serial) on ``cores``: an
    equal share, at least one.  Measured on 2 cores: the default tier with one worker and two intra-op threads
    gives the verdicts of one thread (1069 passed, against baselines recorded with one)."""
    return max(1, cores // max(1, workers))


def share_cores(workers: list) -> None:
    """Each xdist worker gets its share of the cores as TensorFlow threads (unless set): two workers
    with a two-thread pool each on two cores oversubscribe them (measured: the default tier on tf221,
    two workers, 151.6 s with TensorFlow's own pools, 143.4 s with one thread each, the same verdicts)."""
    count = int(workers[workers.index("-n") + 1]) if "-n" in workers else 0
    if count == 0:
        return  # serial: TensorFlow's own pools, every core
    threads = str(threads_per_worker(os.cpu_count() or 1, count))
    for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ.setdefault(name, threads)


if __name__ == "__main__":
    sys.exit(main())
