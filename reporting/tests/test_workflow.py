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
