"""Rewrite the snapshot baselines of some entries only, in this environment's layouts:

    .tox/tf221/bin/python -m keras_upgrade_gate.conformance.snapshots --only func.vqa attn.se_layer

runs the snapshot checks (summary structure, raw summary text, configs) of those entries, and only
those, with ``--snapshot-update --snapshot-no-cleanup``: the other entries' baselines and the other
layouts' folders stay as they are (a plain ``--snapshot-update`` rewrites every entry and prunes what
this run did not use).  Run it in each environment whose layout the change touches (README "Baselines,
thresholds and tolerances"); ``--dry-run`` prints the checks it would run.
"""
from __future__ import annotations

import argparse
import pathlib
import subprocess
import sys

from keras_upgrade_gate.conformance import gate

ROOT = pathlib.Path(__file__).resolve().parents[1]
SNAPSHOT_TESTS = ("conformance/test_summary.py", "conformance/test_summary_text.py", "conformance/test_configs.py")


class _Collected:
    """A pytest plugin that keeps each collected check's node id and entry (read from its data)."""

    def __init__(self):
        self.items: list[tuple[str, str | None]] = []

    def pytest_collection_modifyitems(self, items):
        from keras_upgrade_gate.reporting.results import entry_of

        # By the check file's path, not the node id: ids are relative to a rootdir that is the team's folder.
        self.items = [(f"{item.path}::{item.nodeid.split('::', 1)[1]}", entry_of(item)) for item in items]


def collected() -> list[tuple[str, str | None]]:
    import pytest

    plugin = _Collected()
    code = pytest.main(["--collect-only", "-q", *_options(), *(str(ROOT / path) for path in SNAPSHOT_TESTS)],
                       plugins=[plugin])
    if code != 0:
        raise SystemExit(f"collecting the snapshot checks failed (pytest exit {code})")
    return plugin.items


def select(items: list[tuple[str, str | None]], only: list[str]) -> list[str]:
    """The node ids of the snapshot checks of ``only``; an id with no snapshot check is an error."""
    known = {entry for _, entry in items if entry}
    unknown = sorted(set(only) - known)
    if unknown:
        raise SystemExit(f"no snapshot check for {', '.join(unknown)}; `python -m layers list` shows the ids")
    return [nodeid for nodeid, entry in items if entry in set(only)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", required=True, metavar="ID", help="the entries whose snapshots to rewrite")
    parser.add_argument("--dry-run", action="store_true", help="print the checks, run nothing")
    args = parser.parse_args(argv)
    nodeids = select(collected(), args.only)
    if args.dry_run:
        print("\n".join(nodeids))
        return 0
    # From the directory it was started in: a team's checkout names its catalogue and baselines there.
    return subprocess.call([sys.executable, "-m", "pytest", "-q", *_options(), "--snapshot-update", *nodeids])


def _options() -> list[str]:
    """The gate's own plugins and settings, one process, no cache; the folder it runs in stays the rootdir."""
    return [*gate.gate_options([]), "-p", "no:cacheprovider", "-p", "no:randomly", "-n", "0",
            f"--rootdir={pathlib.Path.cwd()}"]


if __name__ == "__main__":
    sys.exit(main())
