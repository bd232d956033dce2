"""Assertions whose failure message names the snippet, the check and the version."""
from __future__ import annotations

import numpy as np

from layers import compat


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
