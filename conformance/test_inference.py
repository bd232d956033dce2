"""predict over several batches, a partial last one among them, gives every row the output the model gives that
row's batch on its own (predict_on_batch, the same compiled step): a predict that reorders, drops or repeats
batches, or mishandles the last partial one, changes rows.  No tolerance: both run one traced function on the
same rows in one process, so the outputs are equal bit for bit (measured on every model entry, Keras 2.15 and
3.15); the seeds call predict in seed 004."""
from __future__ import annotations

import numpy as np
import pytest

from keras_upgrade_gate.conformance import expect
from keras_upgrade_gate.layers import catalog
from keras_upgrade_gate.layers.building import as_list

pytestmark = pytest.mark.catalog

ROWS, BATCH = 10, 4  # three batches: 4, 4 and a partial 2
MODELS = [e for e in catalog.buildable() if e.kind == "model"]


def _rows(inputs, start: int, stop: int):
    if isinstance(inputs, dict):
        return {name: value[start:stop] for name, value in inputs.items()}
    if isinstance(inputs, (list, tuple)):
        return [value[start:stop] for value in inputs]
    return inputs[start:stop]


@pytest.mark.parametrize("entry", MODELS, ids=lambda e: e.id)
def test_predict_over_batches_gives_each_row_its_own_output(entry, built):
    model = built(entry.id, small=True)
    inputs = catalog.sample_input(entry.id, small=True, batch_size=ROWS)
    whole = [np.asarray(o) for o in as_list(model.predict(inputs, batch_size=BATCH, verbose=0))]
    batches = [[np.asarray(o) for o in as_list(model.predict_on_batch(_rows(inputs, start, start + BATCH)))]
               for start in range(0, ROWS, BATCH)]
    expect.equal(entry.id, "predict: outputs", len(whole), len(batches[0]))
    for index, output in enumerate(whole):
        by_batch = np.concatenate([batch[index] for batch in batches])
        expect.equal(entry.id, f"predict over batches of {BATCH}: output {index} shape", output.shape, by_batch.shape)
        differ = sorted({int(row) for row in np.argwhere(output != by_batch)[:, 0]})
        expect.true(entry.id, f"predict over batches of {BATCH}: output {index}", not differ,
                    f"predict(batch_size={BATCH}) on {ROWS} rows differs from the model batch by batch in rows {differ}")
