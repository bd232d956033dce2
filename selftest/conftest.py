"""Collects the detection table and prints it at the end of the selftest run."""
from __future__ import annotations

import json

from keras_upgrade_gate.reporting import results
from keras_upgrade_gate.selftest.run import ROOT

DETECTIONS: list[dict] = []
ARGUMENTS: list[dict] = []  # the argument meta-test's table (selftest/test_arguments.py)
TIMED_RUNS: list[str] = []  # report folders under reports/ of default-tier runs, for the timing table
# A test records a row with record_property(<key>, row); the rows are gathered from the reports, so the
# tables are whole when the selftest runs under pytest-xdist (each worker's lists are its own).
TABLES = {"detection": DETECTIONS, "argument": ARGUMENTS, "timed_run": TIMED_RUNS}


def pytest_runtest_logreport(report):
    if report.when == "call":
        for key, value in report.user_properties:
            if key in TABLES:
                TABLES[key].append(value)


def pytest_collection_modifyitems(items):
    import pytest

    # Each selftest runs the gate in a subprocess under its own limit (selftest/run.py), and the gate's
    # checks keep their per-check limit there: the 300 s per-check limit is not for these.
    for item in items:
        item.add_marker(pytest.mark.timeout(0))


def pytest_terminal_summary(terminalreporter):
    if TIMED_RUNS:
        from keras_upgrade_gate.reporting import timing

        terminalreporter.section("the default tier, serial and under workers (seconds)")
        paths = {name: ROOT / "reports" / name / "results.json" for name in TIMED_RUNS}
        lines = timing.table({name: results.load(path) for name, path in paths.items() if path.exists()})
        for line in lines:
            terminalreporter.write_line(line)
        (ROOT / "reports" / "selftest" / "timing.txt").write_text("\n".join(lines) + "\n")
    if ARGUMENTS:
        terminalreporter.section("the argument meta-test: which check sees each changed argument")
        for row in sorted(ARGUMENTS, key=lambda r: (r["recipe"], r["argument"])):
            terminalreporter.write_line(f"{row['recipe']:32} {row['argument']:52} {row['change']:32} {row['seen_by']}")
        out = ROOT / "reports" / "selftest" / "arguments.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(ARGUMENTS, indent=1))
    if not DETECTIONS:
        return
    rows = sorted(DETECTIONS, key=lambda d: (d["injection"], d["tier"]))
    terminalreporter.section("injected regressions: detection table")
    terminalreporter.write_line(f"{'injection':34} {'area':18} {'tier':8} {'caught':7} {'failures':>8}  named by the gate"
                                "  [a failing check, first by node id]")
    for row in rows:
        terminalreporter.write_line(f"{row['injection']:34} {row['area']:18} {row['tier']:8} "
                                    f"{'yes' if row['caught'] else 'NO':7} {row['failures']:>8}  {row['named']}"
                                    f"  [{row['first_check']}]")
    out = ROOT / "reports" / "selftest" / "detections.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))
