"""Determinism: one seeding call and op determinism make a recipe repeat bit for bit."""
from __future__ import annotations

import numpy as np
import pytest

from conformance import expect
from layers import catalog
from layers.training import run_recipe

pytestmark = pytest.mark.convergence

RECIPES = catalog.with_recipe()
SHORT = dict(epochs=1, scale=0.05)  # one epoch on 5% of the data: enough to exercise every random draw


def _fingerprint(run):
    return [np.asarray(w) for w in run.model.get_weights()], [float(v) for v in run.history["loss"]]


@pytest.mark.parametrize("entry", RECIPES, ids=lambda e: e.id)
def test_same_seed_repeats_and_another_seed_differs(entry):
    first_weights, first_losses = _fingerprint(run_recipe(entry.id, seed=3, **SHORT))
    again_weights, again_losses = _fingerprint(run_recipe(entry.id, seed=3, **SHORT))
    expect.equal(entry.id, "determinism: loss history of two runs with seed 3", first_losses, again_losses)
    for index, (a, b) in enumerate(zip(first_weights, again_weights)):
        expect.true(entry.id, f"determinism: weight {index} of two runs with seed 3", np.array_equal(a, b),
                    f"differs by up to {float(np.abs(a - b).max()):.3g}")
    other_weights, _ = _fingerprint(run_recipe(entry.id, seed=4, **SHORT))
    expect.true(entry.id, "determinism: seeds 3 and 4 give different weights",
                any(not np.array_equal(a, b) for a, b in zip(first_weights, other_weights)),
                "identical weights: the seed does not reach the initializers or the data")
