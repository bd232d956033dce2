"""Entries this Keras cannot build or run, and recipes it cannot compile, as rows of conformance/expectations.py say.

A row ``build:<entry id>`` (``run:<entry id>``, ``compile:<recipe id>``) with an error outcome says that on
its Keras range the entry's model cannot be built (cannot be called on its sample input, the recipe cannot be
compiled).  One check judges that outcome (``JUDGES``: the catalogue's build and forward-pass checks, the
compile-config check), so a row that stops being true
fails there; every other check of the entry (and of the recipes training that model) is skipped with
the row's reason, instead of failing a hundred times for one known cause.
"""
from __future__ import annotations

import pytest

from keras_upgrade_gate.conformance import expectations
from keras_upgrade_gate.layers import catalog
from keras_upgrade_gate.reporting import results

# The check that judges each kind of row: it runs the build (the compile) and compares with the row.
JUDGES = {"build": "test_builds_at_documented_size", "run": "test_small_forward_pass_is_finite",
          "compile": "test_compiled_optimizer_loss_and_metrics_match_this_generation"}


def _failing_row(check: str):
    row = expectations.expected(check)
    return row if row is not None and row.outcome != "ok" else None


def row_for(entry_id: str):
    """The build or compile row that keeps this entry from running here, or None."""
    entry = catalog.get(entry_id)
    recipe = getattr(entry, "recipe", None)
    if recipe is not None:
        return (_failing_row(f"compile:{entry_id}") or _failing_row(f"build:{recipe.model_id}")
                or _failing_row(f"run:{recipe.model_id}"))
    return _failing_row(f"build:{entry_id}") or _failing_row(f"run:{entry_id}")


def skip_unbuildable(items) -> None:
    """Mark every check of an entry this Keras cannot build as skipped with its row, except the judge."""
    known = set(catalog.ids())
    for item in items:
        entry_id = results.entry_of(item)
        if entry_id not in known:
            continue
        row = row_for(entry_id)
        if row is None or getattr(item, "originalname", item.name) == JUDGES[row.check.split(":")[0]]:
            continue
        if row.check.startswith("run:") and not getattr(item, "callspec", None):
            continue  # an API fact of the snippet makes its own calls (fact:functional.dict_inputs shows the cause)
        item.add_marker(pytest.mark.skip(reason=f"expected difference: {row.describe()}: {row.reason} "
                                                f"(judged by {JUDGES[row.check.split(':')[0]]})"))
    expectations.APPLIED.clear()  # lookups at collection belong to no check
