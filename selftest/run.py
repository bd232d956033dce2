"""Run part of the gate in a subprocess, optionally with an injected regression, and read its results."""
from __future__ import annotations

import dataclasses
import os
import pathlib
import subprocess
import sys

from reporting import results

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
             tier: str | None = None) -> GateRun:
    """The gate as a user runs it (conformance/gate.py), serial unless ``workers`` (a narrow selection
    runs faster than two workers start), in ``tier`` (else $GATE_TIER, else the default tier)."""
    env = dict(os.environ, GATE_INJECT=inject or "", TF_CPP_MIN_LOG_LEVEL="2", GATE_WORKERS=str(workers))
    if tier:
        env["GATE_TIER"] = tier
    report_env = f"selftest/{label}"  # reports/selftest/<label>/: not a column of the index
    command = [sys.executable, "-m", "conformance.gate", "--env", report_env, "-p", "selftest.plugin",
               "-q", "-o", "console_output_style=classic", *extra, *select]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    path = ROOT / "reports" / report_env / "results.json"
    tests = results.load(path)["tests"] if path.exists() else []
    return GateRun(done.returncode, tests, done.stdout[-4000:] + done.stderr[-2000:])
