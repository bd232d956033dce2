"""Dropout in training, as a compiled training step runs it: a fresh mask each step, one of its own per
layer, at the layer's rate.

The golden training steps silence dropout (their weights must be reproducible to rounding), and the oracle
(test_oracles_composite.py) judges one eager call: neither sees a mask that repeats from step to step or
is shared by two layers.  Here every Dropout layer of an entry's small model drops from a block of ones of
its own input width inside one traced function (as fit traces its step), called twice.  With n elements
per layer and rate r, each statistic is a binomial count, judged within 6 standard deviations (a false
alarm once in 5e8):

- the dropped fraction is the rate;
- the second call's mask differs from the first in 2r(1 - r) of the elements (a repeated mask: none);
- two layers agree in r^2 + (1 - r)^2 of the elements (a shared mask: all of them).
"""
from __future__ import annotations

import numpy as np
import pytest

from keras_upgrade_gate.conformance import coverage, expect
from keras_upgrade_gate.layers import catalog, compat

keras = compat.keras
pytestmark = pytest.mark.training_loop

ROWS, WIDTH = 100, 100  # 10,000 elements per layer
DEVIATIONS = 6


def _off(what: str, count: float, n: int, p: float) -> str | None:
    """What is wrong with a binomial count of n elements at probability p, or None."""
    spread = np.sqrt(n * p * (1 - p))  # 0 where nothing is random (rate 0): the count must be exact
    deviation = abs(count - n * p) / spread if spread else (0.0 if count == round(n * p) else np.inf)
    if deviation <= DEVIATIONS:
        return None
    return (f"{what}: {count / n:.4f} of {n} elements where {p:.4f} is expected ({deviation:.1f} standard "
            "deviations off)")


def _masks(layers) -> list[list[np.ndarray]]:
    """Two calls of one traced step: for each call, each layer's kept elements (True) on a block of ones."""
    ones = np.ones((ROWS, WIDTH), "float32")
    step = compat.tf.function(lambda block: [layer(block, training=True) for layer in layers])
    return [[np.asarray(out) != 0 for out in step(ones)] for _ in range(2)]


@pytest.mark.parametrize("entry_id", coverage.holding("Dropout"))
def test_dropout_draws_a_fresh_mask_per_step_and_per_layer(entry_id, built):
    model = built(entry_id, small=True)
    layers = [layer for layer in compat.all_layers(model) if type(layer).__name__ == "Dropout"]
    expect.true(entry_id, "Dropout layers", bool(layers), "the entry holds Dropout but its small model has none")
    first, second = _masks(layers)
    n = ROWS * WIDTH
    problems = []
    for index, layer in enumerate(layers):
        rate = float(layer.rate)
        name = f"{layer.name} (rate {rate})"
        problems += [_off(f"{name}: dropped fraction", int((~first[index]).sum()), n, rate),
                     _off(f"{name}: a fresh mask on the next step", int((first[index] != second[index]).sum()), n,
                          2 * rate * (1 - rate))]
    for (a, layer_a), (b, layer_b) in zip(enumerate(layers), list(enumerate(layers))[1:]):
        ra, rb = float(layer_a.rate), float(layer_b.rate)
        problems.append(_off(f"{layer_a.name} and {layer_b.name}: masks of their own", int((first[a] == first[b]).sum()),
                             n, ra * rb + (1 - ra) * (1 - rb)))
    problems = [p for p in problems if p]
    expect.true(entry_id, "Dropout in training", not problems, "; ".join(problems))

def test_every_entry_holding_dropout_is_checked():
    """The selection above matches something: the catalogue holds Dropout (the seeds use it)."""
    expect.true("catalogue", "entries holding Dropout", bool(coverage.holding("Dropout")) or not catalog.is_seed_catalogue(),
                "no seed entry holds Dropout: the dropout check would check nothing")
