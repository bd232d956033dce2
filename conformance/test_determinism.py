"""Determinism: one seeding call and op determinism make a recipe repeat bit for bit.

The reference is the convergence checks' seed-0 run (shared, trained once per test run): the
first epoch of the same recipe, trained again from scratch (training only, without the
evaluation and validation around it), must reproduce its first-epoch loss and every weight
after that epoch exactly.  Two other seeds must start from different weights and data.
"""
from __future__ import annotations

import numpy as np
import pytest

from keras_upgrade_gate.conformance import expect, repro
from keras_upgrade_gate.layers import catalog
from keras_upgrade_gate.layers.building import as_list
from keras_upgrade_gate.layers.training import first_epoch_again, initial_state

pytestmark = pytest.mark.convergence

RECIPES = catalog.with_recipe()


def _arrays(data):
    if isinstance(data, dict):
        return [np.asarray(v) for _, v in sorted(data.items())]
    return [np.asarray(v) for v in as_list(data)]


@pytest.mark.shared_cache("trained")
@pytest.mark.expensive("training")
@pytest.mark.parametrize("entry", RECIPES, ids=lambda e: e.id)
def test_one_epoch_repeats_the_seeded_run_bit_for_bit(entry, seeded_run, record_property):
    reference = seeded_run(entry.id)
    loss, weights = first_epoch_again(entry.id, seed=0)
    # A failure records its reproduction: the first epoch twice from one seeding call, in one script.
    with repro.on_failure(record_property, lambda: repro.determinism(entry.id, "determinism")):
        _repeats(entry, reference, loss, weights)


def _repeats(entry, reference, loss, weights):
    expect.equal(entry.id, "determinism: first-epoch loss of two runs with seed 0",
                 float(reference.history["loss"][0]), loss)
    for index, (a, b) in enumerate(zip(reference.first_epoch_weights, weights)):
        expect.true(entry.id, f"determinism: weight {index} after one epoch of two runs with seed 0",
                    np.array_equal(a, b), f"differs by up to {float(np.abs(a - b).max()):.3g}")


@pytest.mark.parametrize("entry", RECIPES, ids=lambda e: e.id)
def test_another_seed_draws_other_weights_and_data(entry):
    weights_3, batch_3 = initial_state(entry.id, seed=3)
    weights_4, batch_4 = initial_state(entry.id, seed=4)
    expect.true(entry.id, "determinism: seeds 3 and 4 give different initial weights",
                any(not np.array_equal(a, b) for a, b in zip(weights_3, weights_4)),
                "identical weights: the seed does not reach the initializers")
    expect.true(entry.id, "determinism: seeds 3 and 4 give different training data",
                any(not np.array_equal(a, b) for a, b in zip(_arrays(batch_3), _arrays(batch_4))),
                "identical first batches: the seed does not reach the data")
