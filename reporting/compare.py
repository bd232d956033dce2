"""How two environments' results are compared: cell status and drift of recorded values.

One place for the rules the index (highlighting) and the upgrade diff (printing) share.
"""
from __future__ import annotations

import math

# Integers (counts) drift when they differ at all.  A recorded float drifts when |a - b| > DRIFT_ATOL + DRIFT_RTOL * max(|a|, |b|).  10% relative is
# coarser than any check's own tolerance on purpose: the index flags movement a person should look
# at (a final loss from 0.40 to 0.46), not run-to-run noise, which the seeded checks already exclude.
# The absolute floor keeps tiny parity errors (1e-7 to 3e-7) from counting as drift.
DRIFT_ATOL = 1e-4
DRIFT_RTOL = 0.10
# Keys that are not behaviour: wall time, relative errors of near-zero elements (the absolute error
# beside them carries the drift), and how much of float32's error bound an oracle check used (rounding
# noise, judged by the check itself).
IGNORED_KEYS = frozenset({"seconds", "max_rel", "worst_fraction_of_bound"})

PASS, FAIL, SKIP, XDIFF, REWORDED, ABSENT = "pass", "fail", "skip", "expected difference", "reworded", "absent"
PASSING = (PASS, XDIFF, REWORDED)
JUDGED_KEY = "judged"  # the value conformance/expect.py records when it judges an outcome against a row


def status(test: dict | None) -> str:
    """pass, fail, skip, expected difference (passed where the table records version-dependent
    behaviour), reworded (an expected error raised with its cause in new words) or absent (not
    collected in that environment)."""
    if test is None:
        return ABSENT
    if test["outcome"] in ("failed", "error"):
        return FAIL
    if test["outcome"] == "skipped":
        return SKIP
    if reworded(test):
        return REWORDED
    if any(row.get("varies") for row in test.get("expected", [])):
        return XDIFF
    return PASS


def reworded(test: dict | None) -> dict | None:
    """The judged outcome of a test that passed on a reworded expected error, or None."""
    judged = (test or {}).get("values", {}).get(JUDGED_KEY)
    return judged if isinstance(judged, dict) and judged.get("verdict") == REWORDED else None


def first_line(text: str) -> str:
    return text.splitlines()[0] if text else text


def value_changes(before: dict, after: dict, limit: int = 6) -> list[str]:
    """Human-readable changes between two tests' recorded values, beyond the drift tolerance."""
    changes: list[str] = []
    _walk("", before, after, changes)
    return changes[:limit] + ([f"... and {len(changes) - limit} more"] if len(changes) > limit else [])


def _walk(path: str, a, b, changes: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key in IGNORED_KEYS:
                continue
            sub = f"{path}.{key}" if path else str(key)
            if key not in a or key not in b:
                changes.append(f"{sub}: {'absent' if key not in a else _short(a[key])} -> "
                               f"{'absent' if key not in b else _short(b[key])}")
            else:
                _walk(sub, a[key], b[key], changes)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            changes.append(f"{path}: length {len(a)} -> {len(b)}")
            return
        for index, (x, y) in enumerate(zip(a, b)):
            _walk(f"{path}[{index}]", x, y, changes)
    elif _is_number(a) and _is_number(b):
        if isinstance(a, int) and isinstance(b, int) and a != b:  # counts: exact
            changes.append(f"{path}: {a} -> {b}")
        elif not _close(float(a), float(b)):
            changes.append(f"{path}: {_short(a)} -> {_short(b)}")
    elif a != b:
        changes.append(f"{path}: {_short(a)} -> {_short(b)}")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= DRIFT_ATOL + DRIFT_RTOL * max(abs(a), abs(b))


def _short(value) -> str:
    text = f"{value:.4g}" if isinstance(value, float) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def expected_rows(test: dict | None) -> set[tuple]:
    """The expected-difference rows that applied to a test, as comparable tuples."""
    if test is None:
        return set()
    return {(row["check"], row["keras"], row["outcome"], row["reason"]) for row in test.get("expected", [])
            if row.get("varies")}
