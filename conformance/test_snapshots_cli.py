"""`python -m keras_upgrade_gate.conformance.snapshots --only ID...` selects exactly the snapshot checks of those entries
(by the entry each check carries as data, not by matching its node id), and refuses an unknown id."""
from __future__ import annotations

import pytest

from keras_upgrade_gate.conformance import snapshots

pytestmark = pytest.mark.summary

ITEMS = [("t.py::a[seq.mlp_softmax]", "seq.mlp_softmax"), ("t.py::a[seq.mlp_softmax.recipe]", "seq.mlp_softmax.recipe"),
         ("t.py::b[seq.mlp_softmax]", "seq.mlp_softmax"), ("t.py::suite", None)]


def test_only_the_named_entries_checks_are_selected():
    assert snapshots.select(ITEMS, ["seq.mlp_softmax"]) == ["t.py::a[seq.mlp_softmax]", "t.py::b[seq.mlp_softmax]"]


def test_an_id_without_a_snapshot_check_is_refused():
    with pytest.raises(SystemExit, match="no snapshot check for seq.typo"):
        snapshots.select(ITEMS, ["seq.mlp_softmax", "seq.typo"])
