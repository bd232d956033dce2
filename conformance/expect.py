"""Assertions whose failure message names the snippet, the check and the version."""
from __future__ import annotations

import numpy as np

from keras_upgrade_gate.layers import compat
from keras_upgrade_gate.reporting.compare import (
    JUDGED_KEY,  # the recorded value: the row's check, what was observed, the verdict
)


def version_label() -> str:
    return f"TF {compat.TF_VERSION} / Keras {compat.KERAS_VERSION}"


def message(entry_id: str, check: str, detail: str) -> str:
    return f"[{entry_id}] {check} on {version_label()}: {detail}"


def equal(entry_id: str, check: str, expected, got) -> None:
    assert got == expected, message(entry_id, check, f"expected {expected!r}, got {got!r}")


def true(entry_id: str, check: str, condition: bool, detail: str) -> None:
    assert condition, message(entry_id, check, detail)


def close(entry_id: str, check: str, expected, got, atol: float, rtol: float = 0.0, what: str = "tensor") -> None:
    """Element-wise closeness; the message gives the worst element, its absolute and relative error."""
    expected, got = np.asarray(expected, dtype="float64"), np.asarray(got, dtype="float64")
    equal(entry_id, f"{check} ({what} shape)", expected.shape, got.shape)
    error = np.abs(got - expected)
    allowed = atol + rtol * np.abs(expected)
    if np.all(error <= allowed) and np.all(np.isfinite(got) == np.isfinite(expected)):
        return
    worst = np.unravel_index(np.argmax(np.where(np.isfinite(error), error - allowed, np.inf)), error.shape)
    relative = error[worst] / max(abs(expected[worst]), 1e-30)
    raise AssertionError(message(
        entry_id, check,
        f"{what} differs beyond atol={atol:g} rtol={rtol:g}: worst element {tuple(int(i) for i in worst)} "
        f"expected {expected[worst]:.9g}, got {got[worst]:.9g} (abs error {error[worst]:.3g}, "
        f"rel error {relative:.3g}); {int(np.sum(error > allowed))} of {error.size} elements differ"))



def _rows_file() -> str:
    """Where a new expected-difference row goes: the project's table, or a team's own expected.toml."""
    from keras_upgrade_gate.conformance import baselines

    return baselines.shown(baselines.TEAM_ROWS) if baselines.TEAM_ROWS else "conformance/expectations.py"


def outcome(entry_id: str, check_id: str, what: str, observed: str, record=None, row_required: bool = False) -> str:
    """Judge an observed outcome against the row of conformance/expectations.py for ``check_id``
    (no row: the code must run) and return the verdict.  A different outcome fails, naming the row;
    a reworded error passes, and the recorded verdict makes the report and the upgrade diff show it."""
    from keras_upgrade_gate.conformance import expectations

    row = expectations.expected(check_id)
    verdict = expectations.judge(row, observed)
    if record is not None:
        record(JUDGED_KEY, {"check": check_id, "observed": observed, "verdict": verdict}
               | ({"pattern": row.outcome, "cause": list(row.cause)} if verdict == expectations.REWORDED else {}))
    if row_required:
        true(entry_id, check_id, row is not None,
             f"no expectation recorded for this version; observed {observed!r}. Add a row to {_rows_file()}")
    wanted = f"{row.outcome!r} ({row.reason})" if row else "'ok'"
    fix = f"update {row.describe()}" if row else f"add a row {check_id!r} to {_rows_file()}"
    true(entry_id, what, verdict != expectations.DIFFERS,
         f"expected {wanted} but observed {observed!r}; if the change is understood, {fix}")
    return verdict
