"""The call perturbations (selftest/perturb.py): every callable of the committed call table has one, each
changes what its call returns and is undone.  The sweep itself is ``python -m keras_upgrade_gate.selftest.perturb``
(tens of minutes; its score goes in the closing notes)."""
from __future__ import annotations

import numpy as np
import pytest

from keras_upgrade_gate.conformance import calls
from keras_upgrade_gate.layers import compat
from keras_upgrade_gate.selftest import perturb
from keras_upgrade_gate.selftest.injections import Patcher

pytestmark = pytest.mark.selftest
keras = compat.keras


def _table() -> dict:
    table = calls.committed(compat.GENERATION)
    assert table, f"{calls.table_path(compat.GENERATION)} is missing"
    return table


def test_every_traced_callable_has_a_perturbation_that_is_undone():
    for name in _table():
        patcher = Patcher()
        perturb.apply(name, patcher)  # a LookupError names a callable without a perturbation
        assert patcher._undo, f"{name}: the perturbation patched nothing"
        patcher.undo()


def test_a_perturbed_loss_is_off_by_the_scale_and_undone():
    y, p = np.array([[1.0], [0.0]], "float32"), np.array([[0.7], [0.2]], "float32")
    loss = keras.losses.BinaryCrossentropy()
    clean = float(np.asarray(loss(y, p)))
    patcher = Patcher()
    perturb.apply("loss:binary_crossentropy", patcher)
    assert float(np.asarray(loss(y, p))) == pytest.approx(clean * perturb.SCALE, rel=1e-6)
    patcher.undo()
    assert float(np.asarray(loss(y, p))) == clean


def test_a_perturbed_mask_is_inverted():
    layer = keras.layers.Embedding(10, 2, mask_zero=True)
    tokens = np.array([[1, 0, 3]])
    patcher = Patcher()
    perturb.apply("Embedding.compute_mask", patcher)
    try:
        assert np.asarray(layer.compute_mask(tokens)).tolist() == [[False, True, False]]
    finally:
        patcher.undo()
    assert np.asarray(layer.compute_mask(tokens)).tolist() == [[True, False, True]]


def test_an_unknown_callable_is_named():
    with pytest.raises(LookupError, match="no perturbation for 'Model.nowhere'"):
        perturb.apply("Model.nowhere", Patcher())


def test_the_selection_names_the_entries_by_the_checks_data():
    assert perturb.selection(["seq.a", "(suite)", "func.b"]) == {"GATE_ENTRIES": "seq.a,(suite),func.b"}
