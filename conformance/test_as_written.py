"""What each seed's literal code does on this version, against the expected-differences table.

Every ``as_written`` reproduction of the catalogue runs here; its outcome (ran, with what it
returned described by conformance/observed.py, or the exception class and its message) must match
the row of conformance/expectations.py for this Keras version.  A changed outcome fails, and
so does an expected difference that stops happening.
"""
from __future__ import annotations

import re
import warnings

import pytest

from keras_upgrade_gate.conformance import baselines, expect
from keras_upgrade_gate.conformance.expectations import TABLE, check_ids, expected, outcome_of
from keras_upgrade_gate.conformance.observed import describe
from keras_upgrade_gate.layers import catalog

pytestmark = pytest.mark.as_written

CASES = catalog.as_written_cases()


def check_id(entry_id: str, variant: str) -> str:
    return f"as_written:{entry_id}" + (f"[{variant}]" if variant else "")


def assert_outcome(entry_id: str, check: str, observed: str, value=None, record=None):
    expect.outcome(entry_id, check, check, observed, record, row_required=True)
    row = expected(check)
    if row.value is not None:
        expect.true(entry_id, check, row.value == value,
                    f"expected value {row.value!r} ({row.reason}) but observed {value!r}; if the change is "
                    f"understood, update {row.describe()}")


@pytest.mark.parametrize("entry_id,variant,reproduction", CASES,
                         ids=[f"{i}{'[' + v + ']' if v else ''}" for i, v, _ in CASES])
def test_as_written_outcome_is_the_expected_one(entry_id, variant, reproduction, record_property):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the seeds' deprecated spellings warn by design
        observed, value = outcome_of(reproduction)
    value = describe(value) if observed == "ok" else None
    record_property("value", value)
    assert_outcome(entry_id, check_id(entry_id, variant), observed, value,
                   record=lambda key, value: record_property(key, value))


def test_every_ok_row_states_what_the_code_returns():
    """An "ok" row that states no value would pass whatever the literal code returned."""
    vague = [f"{row.check} (Keras {row.keras})" for row in TABLE
             if row.check.startswith("as_written:") and row.outcome == "ok" and row.value is None]
    assert not vague, f"as-written rows that accept any value: {vague}"


@baselines.SEEDS_ONLY  # the rows name the seeds' reproductions
def test_every_as_written_row_names_a_catalogue_reproduction():
    """A row whose reproduction was removed or renamed would never be checked: fail instead."""
    known = {check_id(i, v) for i, v, _ in CASES}
    stale = sorted(c for c in check_ids() if c.startswith("as_written:") and c not in known)
    assert not stale, f"conformance/expectations.py has rows for unknown reproductions: {stale}"


def test_table_rows_do_not_overlap_on_this_version():
    for check in sorted(check_ids()):
        expected(check)  # raises LookupError on overlapping version ranges


def test_every_row_covers_both_generations():
    """Each check has a row for Keras 2.12, later Keras 2 and Keras 3, so no version runs unexpected."""
    for check in sorted(check_ids()):
        for version in ("2.12.0", "2.13.0", "2.15.0", "3.15.1"):
            assert expected(check, version) is not None, f"{check}: no row for Keras {version}"



@baselines.SEEDS_ONLY  # shown on a seed's row
def test_a_different_value_fails_its_row():
    """The value comparison sees: seq.add's model with one unit more is not the row's model."""
    row = expected("as_written:seq.add")
    changed = {**row.value, "parameters": row.value["parameters"] + 1}
    with pytest.raises(AssertionError, match="expected value"):
        assert_outcome("seq.add", "as_written:seq.add", "ok", changed)


def test_the_listing_prints_every_row_and_filters_by_check():
    """`python -m keras_upgrade_gate.conformance.expectations PATTERN`: the derived rows too, one line each, greppable."""
    from keras_upgrade_gate.conformance.expectations import listing

    assert len(listing()) == len(TABLE)
    some = TABLE[0].check
    assert listing(re.escape(some)) and all(line.split("\t")[0].startswith(some) for line in listing(re.escape(some)))
