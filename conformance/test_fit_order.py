"""Which rows fit feeds in which batch, epoch by epoch, read off the weights themselves.

The probe model is one Dense(1) without bias on one-hot rows, trained by SGD on batches of 4 over 10 rows
(a partial last batch of 2): row i's gradient moves kernel element i only, so the elements a step moves
are the rows of that step's batch.  The seeds call fit with shuffle left at its default (True) and with
validation_split; the golden fits feed their rows unshuffled by design, so without this check nothing
sees whether fit shuffles at all, or what validation_split holds out.  What is judged:

- shuffle=False feeds the rows in order, batch by batch, every epoch;
- shuffle=True feeds every training row exactly once per epoch, in batches of 4, 4 and 2, and not in order;
- validation_split=0.3 trains on the first 7 rows only (Keras takes the held-out rows from the end,
  before it shuffles);
- whether a second epoch gets a new order is a fact that differs by generation (fact:fit.reshuffles_each_epoch:
  under a global seed, Keras 3 draws the same permutation for every epoch).
"""
from __future__ import annotations

import numpy as np
import pytest

from keras_upgrade_gate.conformance import expect
from keras_upgrade_gate.conformance.test_as_written import assert_outcome
from keras_upgrade_gate.layers import compat

keras = compat.keras
pytestmark = pytest.mark.training_loop

ROWS, BATCH = 10, 4
SNIPPET = "seq.fit_binary"  # seed 004's fit(x, y, epochs, batch_size): shuffle at its default
IN_ORDER = [list(range(0, 4)), list(range(4, 8)), [8, 9]]


class _RowsPerStep(keras.callbacks.Callback):
    """The rows each training step used: the kernel elements it moved."""

    def __init__(self):
        super().__init__()
        self.steps, self._before = [], None

    def _kernel(self):
        return np.array(self.model.layers[-1].get_weights()[0])

    def on_train_batch_begin(self, batch, logs=None):
        self._before = self._kernel()

    def on_train_batch_end(self, batch, logs=None):
        moved = np.abs(self._kernel() - self._before).sum(axis=1) > 0
        self.steps.append(np.flatnonzero(moved).tolist())


def rows_per_epoch(shuffle, epochs: int = 2, validation_split: float | None = None) -> list[list[list[int]]]:
    """fit's batches (the sorted rows of each step), epoch by epoch, seeded as every check is."""
    compat.reset_session(0)
    model = keras.Sequential([keras.Input((ROWS,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    probe = _RowsPerStep()
    extra = {"validation_split": validation_split} if validation_split else {}
    model.fit(np.eye(ROWS, dtype="float32"), np.ones((ROWS, 1), "float32"), batch_size=BATCH, epochs=epochs,
              shuffle=shuffle, verbose=0, callbacks=[probe], **extra)
    per_epoch = len(probe.steps) // epochs
    return [probe.steps[i * per_epoch:(i + 1) * per_epoch] for i in range(epochs)]


@pytest.mark.snippet(SNIPPET)
def test_fit_without_shuffle_feeds_the_rows_in_order():
    for epoch, batches in enumerate(rows_per_epoch(shuffle=False)):
        expect.equal(SNIPPET, f"fit(shuffle=False) epoch {epoch + 1}: rows per batch of {BATCH}", IN_ORDER, batches)


@pytest.mark.snippet(SNIPPET)
def test_fit_with_shuffle_feeds_every_row_once_per_epoch_not_in_order(record_property):
    epochs = rows_per_epoch(shuffle=True)
    for epoch, batches in enumerate(epochs):
        expect.equal(SNIPPET, f"fit(shuffle=True) epoch {epoch + 1}: batch sizes", [4, 4, 2], [len(b) for b in batches])
        expect.equal(SNIPPET, f"fit(shuffle=True) epoch {epoch + 1}: every row once", list(range(ROWS)),
                     sorted(row for batch in batches for row in batch))
        expect.true(SNIPPET, f"fit(shuffle=True) epoch {epoch + 1}: shuffled", batches != IN_ORDER,
                    f"fit(shuffle=True) fed the rows in their given order {batches}")
    reshuffled = "a new order each epoch" if epochs[0] != epochs[1] else "the same order every epoch"
    assert_outcome(SNIPPET, "fact:fit.reshuffles_each_epoch", "ok", reshuffled, record_property)


@pytest.mark.snippet(SNIPPET)
def test_fit_validation_split_holds_out_the_last_rows_before_shuffling():
    for epoch, batches in enumerate(rows_per_epoch(shuffle=True, validation_split=0.3)):
        expect.equal(SNIPPET, f"fit(validation_split=0.3) epoch {epoch + 1}: the rows it trains on", list(range(7)),
                     sorted(row for batch in batches for row in batch))
