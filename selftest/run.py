"""Run part of the gate in a subprocess, optionally with an injected regression, and read its results."""
from __future__ import annotations

import atexit
import dataclasses
import json
import os
import pathlib
import subprocess
import sys

from keras_upgrade_gate.reporting import results

ROOT = pathlib.Path(__file__).resolve().parents[1]


@dataclasses.dataclass
class GateRun:
    returncode: int
    tests: list
    output: str

    @property
    def failures(self) -> list:
        return [t for t in self.tests if t["outcome"] in ("failed", "error")]

    def names(self, snippet: str, words: str) -> bool:
        """Whether a failure names this snippet and these words (its check) in its message."""
        return any(t["snippet"] == snippet and words in t["message"] for t in self.failures)


def run_gate(label: str, select: list, inject: str | None = None, extra: tuple = (), workers: int = 1,
             tier: str | None = None, env: dict | None = None, server: "ForkServer | None" = None,
             cwd: pathlib.Path = ROOT) -> GateRun:
    """The gate as a user runs it (conformance/gate.py), serial unless ``workers`` (a narrow selection
    runs faster than two workers start), in ``tier`` (else $GATE_TIER, else the default tier).  Each run
    is a process of its own: a fork of selftest/forkserver.py, which has imported TensorFlow and Keras
    once (this module's, or ``server``), or (SELFTEST_FORK=0, or no fork on this platform) a fresh
    interpreter.  ``env``: more environment for the run (e.g. $GATE_MUTANT).  ``cwd``: where the gate runs
    (a team's checkout gates that team's catalogue: always a fresh interpreter, which reads it there)."""
    env = {"GATE_INJECT": inject or "", "GATE_WORKERS": str(workers), **(env or {})}
    if tier:
        env["GATE_TIER"] = tier
    report_env = f"selftest/{label}"  # reports/selftest/<label>/: not a column of the index
    argv = ["--env", report_env, "-p", "keras_upgrade_gate.selftest.plugin", "-q", "-o", "console_output_style=classic", *extra, *select]
    path = cwd / "reports" / report_env / "results.json"
    if path.exists():
        path.unlink()  # a run that writes nothing must not be judged by an earlier run's results
    if _forking() and cwd == ROOT:
        log = ROOT / "reports" / report_env / "gate.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        returncode = (server or _server()).run(argv, env, log, timeout=1200)
        output = log.read_text(errors="replace")[-6000:] if log.exists() else ""
    else:
        done = subprocess.run([sys.executable, "-m", "keras_upgrade_gate.conformance.gate", *argv], cwd=cwd,
                              env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **env),
                              capture_output=True, text=True, timeout=1200)
        returncode, output = done.returncode, done.stdout[-4000:] + done.stderr[-2000:]
    tests = results.load(path)["tests"] if path.exists() else []
    return GateRun(returncode, tests, output)


def keras3() -> bool:
    """Whether the gate runs Keras 3 here (the fork server knows: it imported it)."""
    if _forking():
        return _server().generation["keras3"]
    probe = subprocess.run([sys.executable, "-c", "from keras_upgrade_gate.layers import compat; print(compat.IS_KERAS3)"], cwd=ROOT,
                           env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"), capture_output=True, text=True, check=True)
    return probe.stdout.strip().endswith("True")


def _forking() -> bool:
    return hasattr(os, "fork") and os.environ.get("SELFTEST_FORK", "1") != "0"


class ForkServer:
    """A selftest/forkserver.py process: each run() is one gate run in a fork of it."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-m", "keras_upgrade_gate.selftest.forkserver"], cwd=ROOT, text=True,
                                        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        atexit.register(self.close)
        hello = self.process.stdout.readline()
        if not hello:
            raise RuntimeError(f"selftest/forkserver.py did not start (exit code {self.process.wait()})")
        self.generation = json.loads(hello)

    def run(self, argv, env, log, timeout) -> int:
        request = {"argv": argv, "env": env, "log": str(log), "timeout": timeout}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        reply = self.process.stdout.readline()
        if not reply:
            raise RuntimeError(f"selftest/forkserver.py ended (exit code {self.process.poll()}); "
                               "SELFTEST_FORK=0 runs each gate in a fresh interpreter instead")
        return json.loads(reply)["returncode"]

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=60)


_SERVER: ForkServer | None = None


def _server() -> ForkServer:
    global _SERVER
    if _SERVER is None or _SERVER.process.poll() is not None:
        _SERVER = ForkServer()
    return _SERVER
