"""The CI workflow is valid (GitHub's schema) and runs exactly the tox matrix."""
from __future__ import annotations

import configparser
import json
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The gate's own, its reusable workflow for teams, and the example team's use of it.
WORKFLOWS = sorted([*(ROOT / ".github" / "workflows").glob("*.yml"), *ROOT.glob("examples/*/.github/workflows/*.yml")])


def _expand(spec: str) -> list[str]:
    sys.path.insert(0, str(ROOT / ".github"))
    try:
        import matrix  # .github/matrix.py: what the workflow's setup job prints
    finally:
        sys.path.pop(0)
    return matrix.expand(spec)


def test_there_is_a_workflow():
    assert WORKFLOWS, "no .github/workflows/*.yml"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid_against_githubs_schema(workflow):
    pytest.importorskip("check_jsonschema", reason="check-jsonschema is not installed (tox -e index installs it)")
    run = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def _tox_ini():
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tox.ini")
    return config


def _jobs():
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((ROOT / ".github" / "workflows" / "gate.yml").read_text())["jobs"]


def test_workflow_matrix_is_the_tox_matrix():
    """One list: tox.ini's [matrix]; the setup job prints it (.github/matrix.py) and the gate and grid use it."""
    config, jobs = _tox_ini(), _jobs()
    gating = _expand(config["matrix"]["envs"])
    assert config["tox"]["env_list"].startswith("{[matrix]envs}"), "plain tox must run the [matrix] envs"
    printed = subprocess.run([sys.executable, str(ROOT / ".github" / "matrix.py")], capture_output=True, text=True,
                             check=True).stdout
    assert printed.strip() == "envs=" + json.dumps(gating)
    assert any(".github/matrix.py" in step.get("run", "") for step in jobs["matrix"]["steps"])
    for job in ("gate", "grid"):
        assert jobs[job]["strategy"]["matrix"]["env"] == "${{ fromJSON(needs.matrix.outputs.envs) }}", job
        assert "matrix" in jobs[job]["needs"], job
    assert any("tox -e tf221-gpu" in step.get("run", "") for step in jobs["gpu"]["steps"])
    assert jobs["index"]["needs"] == ["gate", "grid"]


def test_the_full_label_is_the_matrix_at_the_full_tier():
    config = _tox_ini()
    label = next(line.split("=", 1)[1] for line in config["tox"]["labels"].splitlines() if line.strip().startswith("full"))
    wanted = [f"{env}-full" for env in _expand(config["matrix"]["envs"]) if env != "nightly"]
    assert _expand(label) == wanted, "tox.ini's full label must be every [matrix] environment but nightly, with -full"


def test_no_job_waits_forever_and_no_artifact_name_collides():
    jobs = _jobs()
    for name, job in jobs.items():
        if "self-hosted" in job.get("runs-on", []):
            assert "vars.GATE_GPU_RUNNER == 'true'" in job.get("if", ""), f"{name} would wait for a runner that may not exist"
    uploads = [step["with"]["name"] for job in jobs.values() for step in job.get("steps", [])
               if step.get("uses", "").startswith("actions/upload-artifact")]
    downloads = [step["with"]["pattern"] for job in jobs.values() for step in job.get("steps", [])
                 if step.get("uses", "").startswith("actions/download-artifact")]
    for pattern in downloads:
        prefix = pattern.removesuffix("*")
        matched = [u for u in uploads if u.startswith(prefix)]
        assert all(u == f"{prefix}${{{{ matrix.env }}}}" for u in matched), f"{pattern} also matches {matched}"


def test_a_schedule_is_never_cancelled_by_a_push():
    yaml = pytest.importorskip("yaml")
    concurrency = yaml.safe_load((ROOT / ".github" / "workflows" / "gate.yml").read_text())["concurrency"]
    assert "github.event_name" in concurrency["group"]
    assert concurrency["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"


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

    texts = {str(path.relative_to(ROOT)): path.read_text() for path in WORKFLOWS}
    texts["keras-gate init's workflow"] = scaffold.WORKFLOW
    found = {name: bad for name, text in texts.items() if (bad := _pipes_without_pipefail(text))}
    assert not found, f"a pipe without set -o pipefail hides the first command's failure: {found}"


def test_a_pipe_without_pipefail_is_found():
    workflow = "jobs:\n  j:\n    steps:\n      - name: diff\n        run: python -m x | tee diff.txt\n"
    assert _pipes_without_pipefail(workflow) == ["j: diff"]
    assert not _pipes_without_pipefail(workflow.replace("run: python", "run: set -o pipefail; python"))


def test_the_example_team_calls_the_reusable_workflow():
    yaml = pytest.importorskip("yaml")
    reusable = yaml.safe_load((ROOT / ".github" / "workflows" / "team-upgrade.yml").read_text())
    assert {"from", "to"} <= set(reusable[True]["workflow_call"]["inputs"])  # PyYAML reads the key on: as True
    team = yaml.safe_load((ROOT / "examples" / "team" / ".github" / "workflows" / "keras-upgrade.yml").read_text())
    (job,) = team["jobs"].values()
    assert job["uses"].endswith("/.github/workflows/team-upgrade.yml@main") and {"from", "to"} <= set(job["with"])
