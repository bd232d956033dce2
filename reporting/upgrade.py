"""The upgrade a team makes, in one command: the gate in two environments, and the page that compares them.

    python -m keras_upgrade_gate.reporting.upgrade tf219-keras38 tf221                 # two environment names (tox builds them)
    python -m keras_upgrade_gate.reporting.upgrade "tensorflow==2.18.* keras==3.8.*" "tensorflow==2.21.* keras==3.15.*"
    python -m keras_upgrade_gate.reporting.upgrade requirements-old.txt requirements-new.txt   # the team's own pins

FROM and TO are each a tox environment name (tf218-keras38, tf215, ...), pip requirement strings
separated by spaces, or a requirements file.  Requirements get their own virtual environment under
``.tox/upgrade/<name>/`` (uv, reused while the requirements are unchanged).  The gate runs in both
(at once where the cores allow, each with its share of them as workers; arguments after ``--`` go to
pytest in both), then ``reports/upgrade-FROM-TO/index.html`` opens with
what breaks (new regressions and known Keras changes), what gets fixed and what changed value, and the
diff is printed.  Exit 1 when TO regresses (``--fail-on-known``: or a known change breaks a check), 2 when either
environment could not be built or left no results (that is said, never passed over).  Run from a
team's checkout, both gates run on the team's catalogue and the page goes under its reports/.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

from keras_upgrade_gate.reporting import diff as upgrade_diff
from keras_upgrade_gate.reporting import results, upgrade_changes
from keras_upgrade_gate.reporting.upgrade_page import page, summary_markdown

ENV_NAME = re.compile(r"^(tf2\d\d|nightly)(-[a-z0-9]+)*$")
BUILD_FAILED, REGRESSED, CLEAN = 2, 1, 0


@dataclasses.dataclass(frozen=True)
class Side:
    """One side of the upgrade: the name its reports go under, and how to build it."""
    name: str
    requirements: tuple[str, ...] = ()  # empty: ``name`` is a tox environment

    @property
    def is_tox_env(self) -> bool:
        return not self.requirements


def side(text: str) -> Side:
    """An environment name, a requirements file, or requirement strings."""
    path = pathlib.Path(text)
    if path.is_file():
        lines = [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()]
        requirements = tuple(line for line in lines if line)
        if not requirements:
            raise ValueError(f"{text}: a requirements file with no requirement in it")
        return Side(upgrade_changes.side_name(requirements) or _slug(path.stem, requirements), requirements)
    if ENV_NAME.match(text):
        return Side(text)
    requirements = tuple(text.split())
    if not any(re.match(r"(tensorflow|tf-nightly|keras|tf-keras|tf_keras)\b", r) for r in requirements):
        raise ValueError(f"{text!r}: neither an environment name (tf221, tf218-keras38), a requirements file, "
                         "nor requirements naming tensorflow or keras")
    return Side(upgrade_changes.side_name(requirements) or _slug("pins", requirements), requirements)


def _slug(stem: str, requirements: tuple[str, ...]) -> str:
    """A folder name that says what it holds and changes when the requirements do."""
    readable = "-".join(re.sub(r"[^A-Za-z0-9.]+", "", r) for r in requirements)[:48]
    digest = hashlib.sha256("\n".join(requirements).encode()).hexdigest()[:8]
    return f"{stem}-{readable}-{digest}" if stem != "pins" else f"{readable}-{digest}"


def python_of(target: Side) -> pathlib.Path:
    """Build (or reuse) a requirements side's virtual environment; its Python."""
    folder = pathlib.Path(".tox") / "upgrade" / target.name  # in the folder it runs in, never the installed gate
    python = folder / "bin" / "python"
    stamp = folder / "requirements.txt"
    wanted = "\n".join(target.requirements) + "\n"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv is not installed: python -m pip install tox tox-uv")
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([uv, "venv", "--quiet", "--python", "3.11", str(folder)], check=True)
    from keras_upgrade_gate import install as gate_install

    install = subprocess.run([uv, "pip", "install", "--quiet", "--python", str(python),
                              *gate_install.arguments(),
                              *target.requirements], capture_output=True, text=True)
    if install.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"{target.name}: these requirements cannot be installed together "
                           f"({' '.join(target.requirements)}):\n{install.stderr.strip()}")
    stamp.write_text(wanted)
    return python


def run_gate(target: Side, reports: pathlib.Path, pytest_args: list[str], workers: int | None = None) -> pathlib.Path:
    """The gate's results.json for one side, written by this run (an older file does not count).  With
    ``workers`` (both sides at once) it gets that many xdist workers and its output goes to reports/<side>.log."""
    result = reports / target.name / "results.json"
    started = time.time()
    if target.is_tox_env:
        command = [sys.executable, "-m", "tox", "-e", target.name, *(["--", *pytest_args] if pytest_args else [])]
        environment = dict(os.environ)
    else:
        command = [str(python_of(target)), "-m", "keras_upgrade_gate.conformance.gate", "--env", target.name, *pytest_args]
        environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0", GATE_ENV=target.name)
    if workers:
        environment["GATE_WORKERS"] = str(workers)
    log = reports / f"{target.name}.log"
    print(f"upgrade: running the gate in {target.name}: {' '.join(command)}"
          + (f" ({workers} worker{'s' * (workers != 1)}, output in {log})" if workers else ""), flush=True)
    # Where the command runs: a team's checkout gates the team's catalogue (layers/sources.py), writing its reports.
    # The verdict is read from results, not the exit code.
    if workers:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "w") as output:
            subprocess.run(command, cwd=pathlib.Path.cwd(), env=environment, stdout=output, stderr=subprocess.STDOUT)
    else:
        subprocess.run(command, cwd=pathlib.Path.cwd(), env=environment)
    print(f"upgrade: {target.name} done in {time.time() - started:.0f} s", flush=True)
    if not result.exists() or result.stat().st_mtime < started:
        seen = f"the end of {log}:\n{log.read_text()[-3000:]}" if workers and log.exists() else "its output above"
        raise RuntimeError(f"{target.name}: the gate left no results.json ({result}); see {seen} "
                           "(an environment that could not be built, or a gate that died)")
    return result


def run_both(sides: list[Side], reports: pathlib.Path, pytest_args: list[str]) -> list[pathlib.Path]:
    """Both sides' gates at once where the cores allow, each with its share as workers; else one after the other."""
    cores = os.cpu_count() or 1
    if cores < len(sides):
        return [run_gate(s, reports, pytest_args) for s in sides]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(sides)) as pool:
        futures = [pool.submit(run_gate, s, reports, pytest_args, cores // len(sides)) for s in sides]
        return [future.result() for future in futures]


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    pytest_args = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", metavar="FROM", help="environment name, requirement strings, or a requirements file")
    parser.add_argument("new", metavar="TO", help="the same, for the version the team moves to")
    parser.add_argument("--reports", type=pathlib.Path, default=pathlib.Path("reports"),
                        help="where the gates' reports are (default: reports/ here, where the gates write them)")
    parser.add_argument("--reuse", action="store_true",
                        help="compare the results already under --reports instead of running the gate")
    parser.add_argument("--fail-on-known", action="store_true",
                        help="exit 1 on known Keras changes that break a check too, not only on new regressions")
    args = parser.parse_args(argv)
    try:
        sides = [side(args.old), side(args.new)]
    except ValueError as error:
        parser.error(str(error))
    if sides[0].name == sides[1].name:
        parser.error(f"FROM and TO are the same environment ({sides[0].name})")
    try:
        paths = ([args.reports / s.name / "results.json" for s in sides] if args.reuse
                 else run_both(sides, args.reports, pytest_args))
        loaded = [results.load(p) for p in paths]
    except (RuntimeError, FileNotFoundError, ValueError) as error:
        print(f"upgrade: {error}", file=sys.stderr)
        return BUILD_FAILED
    sections = upgrade_diff.diff(*loaded)
    folder = args.reports / f"upgrade-{sides[0].name}-{sides[1].name}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(page(*loaded, reports=args.reports, folder=folder), encoding="utf-8")
    (folder / "summary.md").write_text(summary_markdown(*loaded, str(folder / "index.html")), encoding="utf-8")
    print(upgrade_diff.render(*loaded, sections))
    print(f"\nupgrade page: {folder / 'index.html'} (summary: {folder / 'summary.md'})")
    known_breaks = [c for c in upgrade_changes.classify(*loaded)[upgrade_changes.BREAKS] if c.known]
    if sections["regressions"] or (args.fail_on_known and known_breaks):
        return REGRESSED
    return CLEAN


if __name__ == "__main__":
    sys.exit(main())
