"""The team's question about an upgrade, answered check by check: what breaks, what gets fixed, what changes.

A check breaks when it works on FROM and fails on TO, or works on TO only because a row records TO failing in
a known way (a known Keras change: the row's reason and version range say which), FROM's own recorded
failure being another one (a load that hung on FROM and is refused on TO).  A break no row knows is a
new regression, the one CI fails on.  A check is fixed when FROM failed, or FROM's row recorded a failure, and
TO works.  Everything else that moved is a change of value: recorded numbers, shapes and outcomes a row
records as "ok" in another form.  Reads two results.json files; no TensorFlow.
"""
from __future__ import annotations

import dataclasses
import re

from keras_upgrade_gate.reporting import compare, diff, results

BREAKS, FIXED, CHANGED = "breaks", "fixed", "changed"


@dataclasses.dataclass(frozen=True)
class Change:
    what: str  # breaks, fixed, changed
    known: bool  # a row records it (a known Keras change); False for a break: a new regression
    entry: str
    nodeid: str
    before: str  # FROM's value or error, one line
    after: str  # TO's
    row: dict | None = None  # the row that knows it (check, keras range, reason)
    already_failing: bool = False  # FROM failed too, in another way

    @property
    def check(self) -> str:
        """What the check does, in words: its function's name read as a sentence, with its case."""
        name = results.check_of(self.nodeid).split("::")[-1]
        function, _, case = name.partition("[")
        words = function.removeprefix("test_").replace("_", " ")
        return f"{words} ({case.rstrip(']').replace('-', ', ')})" if case else words

    @property
    def kind(self) -> str:
        return results.kind_of(self.nodeid)


def _failure_rows(test: dict | None) -> list[dict]:
    """The rows that record this version failing (an error, a hang, a refusal), not behaviour in another form."""
    return [row for row in (test or {}).get("expected", []) if row.get("varies") and row.get("outcome") != "ok"]


def _broken(test: dict | None) -> bool:
    return compare.status(test) == compare.FAIL or bool(_failure_rows(test))


def one_line(test: dict | None) -> str:
    """A side's value or error in one line, for a person."""
    if test is None:
        return "did not run"
    state = compare.status(test)
    judged = test.get("values", {}).get(compare.JUDGED_KEY)
    if state == compare.FAIL:
        return compare.first_line(test.get("message", "")) or "failed"
    if state == compare.SKIP:
        return f"skipped: {compare.first_line(test.get('message', ''))}"
    rows = _failure_rows(test)
    if rows:
        observed = judged.get("observed") if isinstance(judged, dict) else rows[0]["outcome"]
        return f"fails as recorded: {compare.first_line(str(observed))[:200]}"
    return "works"


def classify(baseline: dict, candidate: dict) -> dict[str, list[Change]]:
    found: dict[str, list[Change]] = {BREAKS: [], FIXED: [], CHANGED: []}
    for nodeid, old, new in diff.paired(baseline, candidate):
        entry = (new or old)["snippet"]
        change = _change(nodeid, entry, old, new)
        if change is not None:
            found[change.what].append(change)
    for changes in found.values():
        changes.sort(key=lambda c: (c.known, c.entry, c.nodeid))  # new regressions first
    return found


def _change(nodeid: str, entry: str, old: dict | None, new: dict | None) -> Change | None:
    before, after = one_line(old), one_line(new)
    if diff.is_regression(old, new):
        return Change(BREAKS, False, entry, nodeid, before, after)
    if compare.ABSENT in (compare.status(old), compare.status(new)) or entry == results.SUITE:
        return None  # a check of the gate's own tables looks rows up for itself: no Keras change of a model
    old_rows, new_rows = _failure_rows(old), _failure_rows(new)
    if new_rows and _signature(old_rows) != _signature(new_rows) and compare.status(new) in compare.PASSING:
        # Failing on FROM too, in another way (a load that hung is now refused), is still a break to meet on TO.
        return Change(BREAKS, True, entry, nodeid, before, after, new_rows[0], already_failing=bool(old_rows))
    if _broken(old) and not _broken(new) and compare.status(new) in compare.PASSING:
        return Change(FIXED, bool(old_rows), entry, nodeid, before, after, old_rows[0] if old_rows else None)
    if old and new and old["outcome"] == new["outcome"] == "passed":
        moved = compare.value_changes(old["values"], new["values"])
        rows_moved = compare.expected_rows(old) != compare.expected_rows(new)
        if moved or rows_moved:
            return Change(CHANGED, rows_moved, entry, nodeid, "; ".join(moved) or before, after,
                          (new.get("expected") or [None])[0] if rows_moved else None)
    return None


def _signature(rows: list[dict]) -> set[tuple]:
    return {(row["check"], row["outcome"]) for row in rows}


def grouped(changes: list[Change]) -> dict[tuple[str, str], list[Change]]:
    """Changes by (entry, kind of check), in order."""
    groups: dict[tuple[str, str], list[Change]] = {}
    for change in changes:
        groups.setdefault((change.entry, change.kind), []).append(change)
    return groups


_PIN = re.compile(r"^(tensorflow|tf-nightly|keras|tf-keras|tf_keras)\s*(?:[=~<>!]=?)\s*(\d+)\.(\d+)")
_SHORT = {"tensorflow": "tf", "keras": "keras", "tf-keras": "tfkeras", "tf_keras": "tfkeras"}


def side_name(requirements: tuple[str, ...]) -> str | None:
    """tf218-keras38 for 'tensorflow==2.18.* keras==3.8.*'; None when a requirement is not such a pin."""
    parts = []
    for requirement in requirements:
        pin = _PIN.match(requirement.replace(" ", ""))
        if pin is None or pin.group(1) == "tf-nightly":
            return None
        parts.append(f"{_SHORT[pin.group(1)]}{pin.group(2)}{pin.group(3)}")
    return "-".join(parts) or None
