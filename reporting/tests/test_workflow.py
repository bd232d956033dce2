"""The CI workflow is valid (GitHub's schema) and runs exactly the tox matrix."""
from __future__ import annotations

import configparser
import itertools
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _expand(spec: str) -> list[str]:
    """tox's brace expansion for env_list: tf2{12,13} -> tf212, tf213."""
    names = []
    for item in (part.strip() for part in re.split(r",\s*(?![^{]*})", spec) if part.strip()):
        pieces = re.split(r"\{([^}]*)\}", item)
        options = [p.split(",") if i % 2 else [p] for i, p in enumerate(pieces)]
        names += ["".join(choice).strip() for choice in itertools.product(*options)]
    return names


def test_there_is_a_workflow():
    assert WORKFLOWS, "no .github/workflows/*.yml"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid_against_githubs_schema(workflow):
    pytest.importorskip("check_jsonschema", reason="check-jsonschema is not installed (tox -e index installs it)")
    run = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_workflow_matrix_is_the_tox_matrix():
    yaml = pytest.importorskip("yaml")
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tox.ini")
    gating = _expand(config["matrix"]["envs"])
    assert config["tox"]["env_list"].startswith("{[matrix]envs}"), "plain tox must run the [matrix] envs"
    jobs = yaml.safe_load((ROOT / ".github" / "workflows" / "gate.yml").read_text())["jobs"]
    assert jobs["gate"]["strategy"]["matrix"]["env"] == gating
    assert any("tox -e tf221-gpu" in step.get("run", "") for step in jobs["gpu"]["steps"])
    assert jobs["grid"]["strategy"]["matrix"]["env"] == gating
    assert jobs["index"]["needs"] == ["gate", "grid"]


def _run_steps(workflow_text: str):
    yaml = pytest.importorskip("yaml")
    for name, job in yaml.safe_load(workflow_text).get("jobs", {}).items():
        for step in job.get("steps", []):
            if "run" in step:
                yield f"{name}: {step.get('name', step['run'][:40])}", step["run"]


def _pipes_without_pipefail(workflow_text: str) -> list[str]:
    """Steps whose shell pipes a command (a | b) without pipefail: a's exit code would be lost."""
    piped = re.compile(r"[^|]\|[^|]")
    return [where for where, script in _run_steps(workflow_text)
            if piped.search(script.replace("||", "  ")) and "pipefail" not in script]


def test_every_pipe_in_a_workflow_keeps_its_exit_code():
    from keras_upgrade_gate import scaffold

    texts = {path.name: path.read_text() for path in WORKFLOWS}
    texts["keras-gate init's workflow"] = scaffold.WORKFLOW
    found = {name: bad for name, text in texts.items() if (bad := _pipes_without_pipefail(text))}
    assert not found, f"a pipe without set -o pipefail hides the first command's failure: {found}"


def test_a_pipe_without_pipefail_is_found():
    workflow = "jobs:\n  j:\n    steps:\n      - name: diff\n        run: python -m x | tee diff.txt\n"
    assert _pipes_without_pipefail(workflow) == ["j: diff"]
    assert not _pipes_without_pipefail(workflow.replace("run: python", "run: set -o pipefail; python"))
