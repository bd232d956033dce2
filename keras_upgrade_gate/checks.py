"""The gate inside a team's own test file, in scikit-learn's form: one pytest case per (entry, kind of check).

    from keras_upgrade_gate import parametrize_with_checks

    @parametrize_with_checks(["team.classifier", "team.encoder"])
    def test_keras_upgrade(entry, check):
        check(entry)

The team's own pytest collects it, with the team's configuration.  The first case to run starts the gate
once, in a process of its own (``keras-gate run``: the catalogue the team's pyproject.toml names, its
baselines, this environment), and every case then reads its part of that run: the checks of one kind for one
entry pass, fail with their messages, or skip where no check of the kind applies to the entry here.
"""
from __future__ import annotations

import functools
import importlib.resources
import json
import os
import pathlib
import subprocess
import sys

OUTPUT_KEPT = 3000  # characters of a gate run's output a failure shows when the run left no results


@functools.cache
def kinds() -> tuple[str, ...]:
    """The kinds of check the gate has: its check files, conformance/test_<kind>.py."""
    folder = importlib.resources.files("keras_upgrade_gate.conformance")
    return tuple(sorted(path.name[len("test_"):-len(".py")] for path in folder.iterdir()
                        if path.name.startswith("test_") and path.name.endswith(".py")))


@functools.cache
def gate_run() -> dict:
    """This environment's gate run on the team's catalogue, started once per session."""
    from keras_upgrade_gate.cli import environment_name

    env = f"{environment_name()}-checks"
    results = pathlib.Path("reports") / env / "results.json"
    done = subprocess.run([sys.executable, "-m", "keras_upgrade_gate.conformance.gate", "--env", env],
                          env=dict(os.environ, GATE_ENV=env), capture_output=True, text=True)
    if not results.exists():
        raise AssertionError(f"the gate left no {results} (exit {done.returncode}):\n"
                             + (done.stdout + done.stderr)[-OUTPUT_KEPT:])
    return json.loads(results.read_text())


class GateCheck:
    """One kind of the gate's checks, for one entry at a time: ``check(entry)``."""

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self) -> str:
        return self.kind

    def __call__(self, entry) -> None:
        import pytest

        entry_id = entry if isinstance(entry, str) else entry.id
        tests = gate_run()["tests"]
        if not any(t["snippet"] == entry_id for t in tests):
            raise AssertionError(f"{entry_id} is not in the catalogue the gate ran: register it in a module that "
                                 "[tool.keras-upgrade-gate] models names (pyproject.toml)")
        mine = [t for t in tests if t["snippet"] == entry_id and t["kind"] == self.kind]
        if not mine or all(t["outcome"] == "skipped" for t in mine):
            reasons = sorted({t["message"] for t in mine}) or ["no check of this kind applies to it"]
            pytest.skip(f"{entry_id}, {self.kind}: {'; '.join(reasons)}")
        failed = [t for t in mine if t["outcome"] in ("failed", "error")]
        assert not failed, "\n".join(f"{t['nodeid']}: {t['message']}" for t in failed)


def parametrize_with_checks(entries):
    """A pytest parametrization over (entry, check) for the given entries (ids or Entry objects)."""
    import pytest

    ids = [e if isinstance(e, str) else e.id for e in entries]
    cases = [(entry_id, GateCheck(kind)) for entry_id in ids for kind in kinds()]
    return pytest.mark.parametrize("entry, check", cases, ids=[f"{e}-{c.kind}" for e, c in cases])
