"""The errors the expected-error rows were measured to match: the evidence that each pattern is specific.

    python -m keras_upgrade_gate.conformance.error_outcomes reports/tf212 reports/tf213 reports/tf215 reports/tf221 ...

reads the judged outcomes that conformance/expect.py records in each environment's results.json
(run the default tier there first) and writes fixtures/measurements/error-outcomes.json:
``{env: {"tensorflow", "keras", "errors": {check: observed message}}}``.

``violations`` is what the file-only test asserts on it: every measured error still matches its
own row, every error row names a cause, and no row's pattern or cause matches an error that a
row with a different pattern was measured to raise.  A pattern that matched "any failure inside
a layer call" would match the other rows' errors and fail here.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys

from keras_upgrade_gate.conformance import baselines, expectations
from keras_upgrade_gate.reporting.compare import JUDGED_KEY

FIXTURE = baselines.PROJECT_MEASUREMENTS / "error-outcomes.json"  # evidence for the project's rows
# The first lines Keras wraps causes in: a pattern that matches one of these matches any failure.
WRAPPERS = (
    'Exception encountered when calling layer "dense" (type Dense).',
    "Exception encountered when calling Dense.call().",
    "Graph execution error:",
    "Error when deserializing class 'Dense' using config={}.",
    "Could not deserialize class 'Functional'",
)


def collect(report_dirs: list[pathlib.Path]) -> dict:
    measured = {}
    for folder in report_dirs:
        data = json.loads((folder / "results.json").read_text())
        errors = {}
        for test in data["tests"]:
            judged = test["values"].get(JUDGED_KEY)
            # Evidence is what a row accepted: a check that failed its row is a finding to triage, not evidence.
            if isinstance(judged, dict) and judged["observed"] != "ok" and judged.get("verdict") != expectations.DIFFERS:
                kind, _, message = judged["observed"].partition(": ")
                errors[judged["check"]] = f"{kind}: {expectations.normalize(message)}"  # idempotent
        environment = data["environment"]
        measured[data["env"]] = {"tensorflow": environment["tensorflow"], "keras": environment["keras"],
                                 "errors": dict(sorted(errors.items()))}
    return measured


def load() -> dict:
    if not FIXTURE.exists():
        raise FileNotFoundError(f"{FIXTURE} is missing: run the default tier and then "
                                "`python -m keras_upgrade_gate.conformance.error_outcomes reports/<env> ...`")
    return json.loads(FIXTURE.read_text())


def _error_rows(table) -> list[expectations.Expected]:
    return [row for row in table if row.outcome != "ok"]


def violations(table=expectations.TABLE, measured: dict | None = None) -> list[str]:
    measured = load() if measured is None else measured
    found: list[str] = []
    # Each measured error with the row that applied where it was measured.
    observations = []
    for env, data in measured.items():
        for check, message in data["errors"].items():
            rows = [row for row in table if row.check == check and row.applies(data["keras"])]
            own = rows[0] if rows else None
            observations.append((env, check, message, own))
            verdict = expectations.judge(own, message)
            if verdict != expectations.AS_EXPECTED:
                found.append(f"{check} on {env}: the measured error is judged {verdict!r} by its row "
                             f"{own.outcome if own else None!r}: {message.splitlines()[0]!r}")
    for row in _error_rows(table):
        if not row.cause:
            found.append(f"{row.describe()}: an error row names no cause")
        for wrapper in WRAPPERS:
            if expectations.judge(row, f"{row.outcome.partition(': ')[0]}: {wrapper}") != expectations.DIFFERS:
                found.append(f"{row.describe()}: its pattern matches Keras's generic wrapper {wrapper!r}")
        for env, check, message, own in observations:
            if own is not None and own.outcome == row.outcome:
                continue  # the same pattern on another row: the same cause, by declaration
            verdict = expectations.judge(row, message)
            if verdict != expectations.DIFFERS:
                found.append(f"{row.describe()}: {'its pattern' if verdict == expectations.AS_EXPECTED else 'its cause'}"
                             f" also matches the error of {check} on {env}: {message.splitlines()[0]!r}")
    return found


def unmeasured(table=expectations.TABLE, measured: dict | None = None) -> list[str]:
    """Error rows that no measured environment in their range raised: the fixture does not show
    their patterns specific."""
    measured = load() if measured is None else measured
    return sorted(row.describe() for row in _error_rows(table)
                  if not any(row.applies(data["keras"]) and row.check in data["errors"] for data in measured.values()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", type=pathlib.Path, help="reports/<env> folders holding results.json")
    parser.add_argument("--merge", action="store_true",
                        help="keep the measured environments the given reports do not replace (a new Keras minor's "
                             "errors added without rerunning every other environment)")
    args = parser.parse_args(argv)
    missing = [str(folder) for folder in args.reports if not (folder / "results.json").exists()]
    if missing:
        parser.error(f"no results.json in {', '.join(missing)}: run the gate there first")
    measured = collect(args.reports)
    if args.merge and FIXTURE.exists():
        measured = {**load(), **measured}
    FIXTURE.write_text(json.dumps(measured, indent=1, sort_keys=True) + "\n")
    print(f"{FIXTURE}: {sum(len(d['errors']) for d in measured.values())} errors from {', '.join(measured)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
