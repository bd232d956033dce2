"""Collects the detection table and prints it at the end of the selftest run."""
from __future__ import annotations

import json

from selftest.run import ROOT

DETECTIONS: list[dict] = []


def pytest_terminal_summary(terminalreporter):
    if not DETECTIONS:
        return
    rows = sorted(DETECTIONS, key=lambda d: d["injection"])
    terminalreporter.section("injected regressions: detection table")
    terminalreporter.write_line(f"{'injection':34} {'area':18} {'caught':7} {'failures':>8}  named by the gate")
    for row in rows:
        terminalreporter.write_line(f"{row['injection']:34} {row['area']:18} {'yes' if row['caught'] else 'NO':7} "
                                    f"{row['failures']:>8}  {row['named']}")
    out = ROOT / "reports" / "selftest" / "detections.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))
