"""Every expected-error row matches only its own error (file-only: the measured errors of every
environment are in fixtures/measurements/error-outcomes.json), and a reworded message with the same
class and cause is judged drift, not a failure."""
from __future__ import annotations

import dataclasses

import pytest

from keras_upgrade_gate.conformance import baselines, error_outcomes
from keras_upgrade_gate.conformance.expectations import AS_EXPECTED, DIFFERS, REWORDED, TABLE, expected, judge

# The rows' evidence is the project's (measured on the seed catalogue in every environment): a team's run
# judges its own entries by the rows and leaves proving the rows to the project's own runs.
pytestmark = [pytest.mark.as_written, baselines.SEEDS_ONLY]


def test_every_pattern_matches_its_own_error_and_no_other():
    found = error_outcomes.violations()
    assert not found, "expected-error rows that are not specific:\n" + "\n".join(found)


def test_every_error_row_was_measured_somewhere():
    missing = error_outcomes.unmeasured()
    assert not missing, ("error rows no measured environment raised (run their environment's default tier and "
                         "`python -m keras_upgrade_gate.conformance.error_outcomes`):\n" + "\n".join(missing))


def test_a_generic_pattern_is_refused():
    """The test above sees: the old pattern of attn.prob_attention on Keras 3 named only Keras's wrapper."""
    row = expected("as_written:attn.prob_attention", "3.15.1")
    generic = dataclasses.replace(row, outcome="InvalidArgumentError: Exception encountered when calling")
    table = tuple(generic if r is row else r for r in TABLE)
    found = error_outcomes.violations(table)
    assert any("generic wrapper" in line and "attn.prob_attention" in line for line in found), found


# Keras 3.16.0.dev's message for the Keras 2.15 .keras archives (the module name now quoted).
NIGHTLY = ("TypeError: Could not deserialize class 'Functional' because its parent module "
           "'keras.src.engine.functional' cannot be imported. Full object config: {...}")


def test_a_reworded_message_with_the_same_cause_is_reworded():
    row = expected("load:tf215:keras:func.inception", "3.16.0")
    assert judge(row, NIGHTLY) == REWORDED
    assert judge(row, NIGHTLY.replace("'keras.src.engine.functional'", "keras.src.engine.functional")) == AS_EXPECTED


def test_another_cause_or_class_is_a_different_outcome():
    row = expected("load:tf215:keras:func.inception", "3.16.0")
    assert judge(row, NIGHTLY.replace("keras.src.engine.functional", "keras.src.models.functional")) == DIFFERS
    assert judge(row, NIGHTLY.replace("TypeError", "ValueError", 1)) == DIFFERS
    assert judge(row, "ok") == DIFFERS
