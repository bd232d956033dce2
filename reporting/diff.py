"""The upgrade diff: what changed from a baseline environment to a candidate.

    python -m keras_upgrade_gate.reporting.diff tf215 tf221              # env names under reports/
    python -m keras_upgrade_gate.reporting.diff old/results.json new/results.json

Prints regressions (a check that passed on the baseline fails, errors or did not run on the
candidate), fixes, changed skips, changed recorded values, expected differences that
appeared or vanished, and expected errors the candidate raises in new words (drift, not a
regression: conformance/expectations.py judge).  Exits 1 when the candidate regresses, 0 otherwise: the line a pull
request that bumps Keras reads.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

from keras_upgrade_gate.reporting import compare, results


def resolve(name: str, reports: pathlib.Path) -> pathlib.Path:
    path = pathlib.Path(name)
    return path if path.suffix == ".json" else reports / name / "results.json"


def describe(data: dict) -> str:
    env = data["environment"]
    return f"{data['env']} (TF {env['tensorflow']}, Keras {env['keras']})"


def is_regression(old: dict | None, new: dict | None) -> bool:
    """A check that passed fails, errors or did not run on the candidate; or a new check that fails."""
    was, now = compare.status(old), compare.status(new)
    return ((was in compare.PASSING and now in (compare.FAIL, compare.ABSENT))
            or (was == compare.ABSENT and now == compare.FAIL))


def paired(baseline: dict, candidate: dict) -> list[tuple[str, dict | None, dict | None]]:
    """Every node id of either side, with its test on each (None where it did not run)."""
    before = {t["nodeid"]: t for t in baseline["tests"]}
    after = {t["nodeid"]: t for t in candidate["tests"]}
    return [(nodeid, before.get(nodeid), after.get(nodeid)) for nodeid in sorted(set(before) | set(after))]


def diff(baseline: dict, candidate: dict) -> dict[str, list[str]]:
    """Sections of the diff, each a list of lines; ``regressions`` decides the exit code."""
    sections: dict[str, list[str]] = {k: [] for k in (
        "regressions", "fixed", "skips changed", "new checks", "values changed",
        "expected differences appeared", "expected differences vanished", "expected errors reworded")}
    for nodeid, old, new in paired(baseline, candidate):
        was, now = compare.status(old), compare.status(new)
        label = nodeid.split("/", 1)[-1]
        if is_regression(old, new):
            reason = new["message"] if new else "did not run on the candidate"
            sections["regressions"].append(f"{label}{' (new check)' if old is None else ''}\n      {reason}")
        elif was == compare.FAIL and now in compare.PASSING:
            sections["fixed"].append(label)
        elif (was == compare.SKIP) != (now == compare.SKIP) and compare.ABSENT not in (was, now):
            sections["skips changed"].append(f"{label}: {was} -> {now}"
                                             + (f" ({new['message']})" if now == compare.SKIP else ""))
        elif was == compare.ABSENT:
            sections["new checks"].append(f"{label}: {now}")
        judged = compare.reworded(new)
        if judged and compare.reworded(old) != judged:
            sections["expected errors reworded"].append(
                f"{label}: {judged['check']}: the row expects {judged['pattern']!r}; raised {compare.first_line(judged['observed'])!r} "
                f"(same class, cause {judged['cause']} still named)")
        if old and new and old["outcome"] == new["outcome"] == "passed":
            for change in compare.value_changes(old["values"], new["values"]):
                sections["values changed"].append(f"{label}: {change}")
        rows_before, rows_after = compare.expected_rows(old), compare.expected_rows(new)
        for check, keras, outcome, reason in sorted(rows_after - rows_before):
            sections["expected differences appeared"].append(f"{check} (Keras {keras}): {outcome}: {reason}")
        for check, keras, outcome, reason in sorted(rows_before - rows_after):
            if new is not None:
                sections["expected differences vanished"].append(f"{check} (Keras {keras}): {outcome}: {reason}")
    return sections


def render(baseline: dict, candidate: dict, sections: dict[str, list[str]]) -> str:
    lines = [f"upgrade diff: {describe(baseline)} -> {describe(candidate)}"]
    for title, entries in sections.items():
        unique = list(dict.fromkeys(entries))
        lines.append(f"\n{title}: {len(unique)}")
        lines += [f"  - {entry}" for entry in unique]
    verdict = ("REGRESSED" if sections["regressions"] else "no regressions")
    lines.append(f"\nverdict: {verdict} ({len(sections['regressions'])} regressions, "
                 f"{len(sections['fixed'])} fixed, {len(sections['values changed'])} changed values)")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", help="environment name under --reports, or a results.json path")
    parser.add_argument("candidate", help="environment name under --reports, or a results.json path")
    parser.add_argument("--reports", type=pathlib.Path, default=pathlib.Path("reports"))
    args = parser.parse_args(argv)
    loaded = []
    for name in (args.baseline, args.candidate):
        path = resolve(name, args.reports)
        if not path.exists():
            parser.error(f"no results at {path}: run the gate there first (tox -e {name})")
        loaded.append(results.load(path))
    sections = diff(*loaded)
    print(render(*loaded, sections))
    return 1 if sections["regressions"] else 0


if __name__ == "__main__":
    sys.exit(main())
