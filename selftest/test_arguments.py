"""The argument meta-test: every argument a recipe sets explicitly is seen by a default-tier check.

For each recipe and each argument its compile or fit passes (conformance/arguments.py, derived from
the catalogue), the argument is changed to another valid value and the recipe's golden fit runs
again: the change must move a recorded value beyond the golden tolerances (the learning-rate
schedule, the history, the trained weights), exactly as the default tier's golden fit would fail.
fit's epochs is the one argument the golden fit does not run: the default tier's convergence run
trains it (its history has one entry per epoch) unless the recipe's quick version sets its own
epochs, which is then a no-op of the default tier by design (the slow tier trains the seed's).
The table is printed at the end of the selftest and written to reports/selftest/arguments.json.
"""
from __future__ import annotations

import numpy as np
import pytest

from keras_upgrade_gate.conformance import arguments, golden_fit
from keras_upgrade_gate.conformance.golden_tolerances import for_this_generation
from keras_upgrade_gate.layers import catalog
from keras_upgrade_gate.layers.training import quick_epochs

pytestmark = pytest.mark.selftest

PERTURBATIONS = arguments.all_perturbations()


def seen_by(stored: dict, observed: dict) -> str | None:
    """The golden-fit check that a changed run fails, or None when it would pass."""
    if list(stored["history_keys"]) != list(observed["history_keys"]):
        return "golden fit: history keys"
    errors, tolerances = golden_fit.normalized_errors(stored, observed), for_this_generation()
    for quantity, check in (("schedule", "golden fit: learning rate schedule"), ("history", "golden fit: history"),
                            ("fit_weights", "golden fit: weights after the fit")):
        if not errors[quantity] <= tolerances[quantity]:  # NaN counts as seen
            return f"{check} ({errors[quantity]:.2g} of scale)"
    return None


@pytest.mark.parametrize("change", PERTURBATIONS, ids=lambda p: f"{p.recipe}:{p.argument}")
def test_a_changed_argument_is_seen(change, record_property):
    recipe = catalog.get(change.recipe).recipe
    if change.argument == "fit.epochs":
        before, after = quick_epochs(recipe), quick_epochs(recipe, {**recipe.fit, **change.fit})
        seen = "convergence: history length (epochs trained)" if before != after else None
        reason = (None if seen else f"no-op of the default tier by design: its quick version trains "
                  f"{recipe.quick.epochs} epochs; the slow tier trains the seed's")
    else:
        stored = golden_fit.load(change.recipe)
        assert stored is not None, f"no golden fit baseline for {change.recipe}"
        observed = golden_fit.fit_run(change.recipe, compile_overrides=change.compile, fit_overrides=change.fit)
        seen, reason = seen_by(stored, observed), None
    record_property("argument", {"recipe": change.recipe, "argument": change.argument, "change": change.change,
                      "seen_by": seen or f"nothing ({reason})" if reason else seen})
    assert seen or reason, (f"[{change.recipe}] {change.argument} changed ({change.change}) and no default-tier "
                            f"check saw it: a hole in the gate")


def test_an_unchanged_fit_is_not_seen():
    """The meta-test's own false-alarm check: the recipe as written matches its baseline."""
    entry_id = PERTURBATIONS[0].recipe
    stored = golden_fit.load(entry_id)
    assert seen_by(stored, golden_fit.fit_run(entry_id)) is None
    assert not np.isnan(stored["history"]).any()
