"""Golden trajectories: forward output, loss per step and weights after a few Adam steps,
against one baseline shared by every version (see conformance/golden.py)."""
from __future__ import annotations

import numpy as np
import pytest

from conformance import expect, golden
from conformance.expectations import expected
from layers import catalog

pytestmark = pytest.mark.convergence

MODELS = catalog.entries("model")

# (atol, rtol) per compared quantity.  Measured between the TF 2.15 / Keras 2 baseline and
# TF 2.21 / Keras 3.15 over every model entry (embedding models' training excepted, see
# expectations.py): forward outputs differ by at most 2.5e-6, losses by 4.8e-6 and weights after
# 3 steps by 6.6e-6.  Each tolerance is about 8x its largest measured difference; a change in a
# layer's math or an optimizer moves these quantities by 1e-3 and more.
TOLERANCES = {
    "output": (2e-5, 1e-4),
    "loss": (4e-5, 1e-4),
    "weights": (5e-5, 1e-4),
}


def _within(stored, observed, kind):
    atol, rtol = TOLERANCES[kind]
    return np.all(np.abs(observed - stored) <= atol + rtol * np.abs(stored))


@pytest.mark.parametrize("entry", MODELS, ids=lambda e: e.id)
def test_trajectory_matches_the_shared_baseline(entry, record_property):
    stored = golden.load(entry.id)
    expect.true(entry.id, "golden trajectory", stored is not None,
                f"no baseline {golden.path_for(entry.id).name}; run `python -m conformance.golden --write`")
    observed = golden.trajectory(entry.id)
    record_property("golden_losses", [float(v) for v in observed["losses"]])
    expect.equal(entry.id, "golden: weight shapes in canonical order", list(stored["weight_shapes"]),
                 list(observed["weight_shapes"]))
    for key in sorted(k for k in stored if k.startswith("output_")):
        atol, rtol = TOLERANCES["output"]
        expect.close(entry.id, "golden: forward output before training", stored[key], observed[key],
                     atol=atol, rtol=rtol, what=key)
    atol, rtol = TOLERANCES["loss"]
    expect.close(entry.id, "golden: loss before the first update", stored["losses"][:1], observed["losses"][:1],
                 atol=atol, rtol=rtol, what="loss at step 0")

    weights = sorted(k for k in stored if k.startswith("weight_") and k != "weight_shapes")
    row = expected(f"golden:{entry.id}:training")
    if row is not None and row.value is False:
        # An expected difference: strict, so it must still be there.
        still_differs = not (_within(stored["losses"], observed["losses"], "loss")
                             and all(_within(stored[k], observed[k], "weights") for k in weights))
        expect.true(entry.id, "golden: training steps (expected difference)", still_differs,
                    f"now matches the baseline; the expected difference ({row.reason}) stopped happening: "
                    f"update {row.describe()}")
        return
    expect.close(entry.id, "golden: loss per step", stored["losses"], observed["losses"], atol=atol, rtol=rtol,
                 what="losses")
    atol, rtol = TOLERANCES["weights"]
    for key in weights:
        expect.close(entry.id, "golden: weights after training", stored[key], observed[key],
                     atol=atol, rtol=rtol, what=key)
