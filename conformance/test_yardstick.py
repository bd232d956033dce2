"""The budget in units of the machine: the reference yardstick carries its provenance and the rule re-derives
the budget from it (conformance/yardstick.py); every run records its own yardstick (results.json timing)."""
from __future__ import annotations

from keras_upgrade_gate.conformance import yardstick


def test_the_reference_says_what_was_measured_where_and_by_which_rule():
    record = yardstick.reference()
    for field in ("yardstick_seconds", "machine", "default_tier_seconds", "budget_seconds", "workload", "rule", "measured"):
        assert record.get(field) not in (None, ""), f"{yardstick.REFERENCE} lacks {field}"
    assert record["budget_seconds"] == yardstick.REFERENCE_BUDGET_SECONDS
    assert record["default_tier_seconds"] <= record["budget_seconds"], "the reference machine's own run is over budget"


def test_the_budget_scales_with_the_machine():
    record = yardstick.reference()
    assert yardstick.budget(record["yardstick_seconds"]) == yardstick.REFERENCE_BUDGET_SECONDS
    assert yardstick.budget(2 * record["yardstick_seconds"]) == 2 * yardstick.REFERENCE_BUDGET_SECONDS
    assert yardstick.budget(record["yardstick_seconds"] / 2) == yardstick.REFERENCE_BUDGET_SECONDS / 2
