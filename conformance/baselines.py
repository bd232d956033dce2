"""Where the catalogue's baselines are read and written: every path that holds something of one entry.

For the seed catalogue these are the project's own folders; for a team's catalogue (layers/sources.py)
the same layout under the team's baselines folder, so a team's snapshots, golden runs, saved artifacts
and measurements live in its own repository and the commands that write them (``--only ID``) write there:

    <baselines>/snapshots/      syrupy snapshots (conformance/__snapshots__ for the seeds)
    <baselines>/golden/         golden trajectories and fits per generation (fixtures/golden)
    <baselines>/saved/          golden saved models per writer environment (fixtures/saved)
    <baselines>/measurements/   traits, costs, convergence and parity runs, error evidence (fixtures/measurements)
    <baselines>/expected.toml   a team's own expected-difference rows ([[row]] tables; conformance/expectations.py)

What is measured about Keras rather than about an entry stays with the project whoever runs the gate:
the golden tolerances under emulated CPUs (fixtures/measurements/golden-tf*.json, golden-observed.json).
"""
from __future__ import annotations

import pathlib

import pytest

from keras_upgrade_gate.layers import sources

PROJECT = pathlib.Path(__file__).resolve().parents[1]
PROJECT_MEASUREMENTS = PROJECT / "fixtures" / "measurements"  # about Keras: the same for every catalogue


def _folder(for_seeds: pathlib.Path, name: str) -> pathlib.Path:
    root = sources.configured().baselines
    return for_seeds if root is None else root / name


SNAPSHOTS = _folder(PROJECT / "conformance" / "__snapshots__", "snapshots")
GOLDEN = _folder(PROJECT / "fixtures" / "golden", "golden")
SAVED = _folder(PROJECT / "fixtures" / "saved", "saved")
MEASUREMENTS = _folder(PROJECT_MEASUREMENTS, "measurements")
# A team's rows beside its baselines; the seeds' rows are conformance/expectations.py itself.
TEAM_ROWS = None if sources.configured().baselines is None else sources.configured().baselines / "expected.toml"


# The layout of a team's baselines folder, stamped in it by `keras-gate baselines`: a folder another layout
# wrote is refused with what to do, instead of failing check by check.  A folder without a stamp is layout 1.
LAYOUT = 1
LAYOUT_FILE = "LAYOUT"


def refuse_another_layout() -> None:
    """Stop with a clear error when the team's folder was written by a gate with another layout."""
    root = sources.configured().baselines
    stamp = root / LAYOUT_FILE if root else None
    if stamp is None or not stamp.exists():
        return
    text = stamp.read_text().strip()
    if text != str(LAYOUT):
        raise SystemExit(f"{shown(root)} holds baselines of layout {text!r}; this gate reads layout {LAYOUT}. "
                         "Install the gate that wrote them, or rewrite them with `keras-gate baselines --force` "
                         "in each environment you gate")


def stamp_the_layout() -> None:
    root = sources.configured().baselines
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
        (root / LAYOUT_FILE).write_text(f"{LAYOUT}\n")


def snapshot_dirname(layout: str = "") -> str:
    """A syrupy ``snapshot_dirname``: relative to the test file for the seeds, absolute for a team."""
    if sources.configured().baselines is None:
        return "/".join(p for p in ("__snapshots__", layout) if p)
    return str(SNAPSHOTS / layout) if layout else str(SNAPSHOTS)


def shown(path: pathlib.Path) -> str:
    """A path as messages print it: relative to the project or the team's checkout."""
    for root in (PROJECT, pathlib.Path.cwd()):
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            continue
    return str(path)


# A check about the project's seed entries themselves (their ids, their seed files, a named seed model):
# it does not apply to a team's catalogue, and says so in the report instead of failing.
SEEDS_ONLY = pytest.mark.skipif(not sources.configured().is_seed_catalogue,
                                reason="about the project's seed catalogue; this run gates a team's models")
