"""predict over several batches, a partial last one among them, gives every row the output the model gives that
row's batch on its own (predict_on_batch, the same compiled step): a predict that reorders, drops or repeats
batches, or mishandles the last partial one, changes rows by the size of the outputs themselves.  Rounding may
differ: bit for bit on every seed model (Keras 2.15 and 3.15), but the example team's residual_encoder (a custom
layer, LayerNormalization) gives rows 3-6 1.8e-7 apart on Keras 2.15, so rows are compared within the golden
outputs tolerance of this generation (conformance/golden_tolerances.py, 2e-6 of the output's magnitude), which
a reordered row exceeds by orders of magnitude.  The seeds call predict in seed 004.  What predict's batching can get wrong depends on how a model is fed,
not on its layers: the check runs on the smallest model of each container and input structure (4 of the 28
seed models: 16 s of checks on all of them put the default tier at its budget)."""
from __future__ import annotations

import numpy as np
import pytest

from keras_upgrade_gate.conformance import coverage, expect, golden_tolerances
from keras_upgrade_gate.layers import catalog
from keras_upgrade_gate.layers.building import as_list

pytestmark = pytest.mark.catalog

ROWS, BATCH = 10, 4  # three batches: 4, 4 and a partial 2


def _fed_with(entry_id: str) -> str:
    inputs = catalog.sample_input(entry_id, small=True, batch_size=1)
    if isinstance(inputs, dict):
        return f"a dict of {len(inputs)}"
    return f"a list of {len(inputs)}" if isinstance(inputs, (list, tuple)) else "one array"


def one_model_per_way_of_feeding() -> list:
    """The smallest model of each (container class, input structure): derived from the catalogue's traits."""
    chosen = {}
    models = [e for e in catalog.buildable() if e.kind == "model"]
    for entry in sorted(models, key=lambda e: (coverage.parameters(e.id), e.id)):
        chosen.setdefault((coverage.container(entry.id), _fed_with(entry.id)), entry)
    return sorted(chosen.values(), key=lambda e: e.id)


MODELS = one_model_per_way_of_feeding()


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
        allowed = golden_tolerances.for_this_generation()["outputs"] * max(float(np.abs(by_batch).max()), 1e-30)
        differ = sorted({int(row) for row in np.argwhere(np.abs(output - by_batch) > allowed)[:, 0]})
        expect.true(entry.id, f"predict over batches of {BATCH}: output {index}", not differ,
                    f"predict(batch_size={BATCH}) on {ROWS} rows differs from the model batch by batch in rows {differ} "
                    f"(beyond {allowed:.3g}, largest {float(np.abs(output - by_batch).max()):.3g})")
