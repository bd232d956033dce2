"""The mechanical mutants (selftest/mutants.py): the rules that make them, and the patch that applies one.
The mutation run itself is ``python -m keras_upgrade_gate.selftest.mutants`` (minutes; its score goes in the closing notes)."""
from __future__ import annotations

import pytest

from keras_upgrade_gate.selftest import mutants
from keras_upgrade_gate.selftest.injections import Patcher

pytestmark = pytest.mark.selftest


@pytest.mark.parametrize("default, mutant", [
    (True, False), (False, True), (-1, 0), (2, 3), (0.0, 0.1), (0.9, 0.45), (1e-7, 5e-8), (2.5, 5.0),
    ((2, 2), (3, 3)), ("valid", "same"), ("glorot_uniform", "he_normal"), ("channels_last", None), (None, None)])
def test_each_default_kind_has_another_valid_value(default, mutant):
    assert mutants.mutated(default) == mutant


def _function(a, b=1, c=0.5, *, d=False):
    return a, b, c, d


def test_a_mutant_changes_one_default_and_is_undone():
    patcher = Patcher()
    patcher.default(_function, "c", 0.25)
    patcher.default(_function, "d", True)
    assert _function(0) == (0, 1, 0.25, True)
    assert _function(0, c=0.5) == (0, 1, 0.5, True), "an argument given explicitly wins over the mutant"
    patcher.undo()
    assert _function(0) == (0, 1, 0.5, False)


def test_a_mutant_spec_round_trips():
    mutant = mutants.Mutant(f"{__name__}:_function", "b", 1, 2, "layers", "seq.mlp_binary")
    patcher = Patcher()
    mutants.apply(mutant.spec(), patcher)
    assert _function(0)[1] == 2
    patcher.undo()
    assert _function(0)[1] == 1


def test_every_equivalent_mutant_listed_exists():
    """A listed reason for a mutant the catalogue no longer produces is stale: it would excuse a future one."""
    ids = [m.id for m in mutants.mutants()]
    stale = [prefix for prefix in mutants.EQUIVALENT if not any(i.startswith(prefix) for i in ids)]
    assert not stale, f"EQUIVALENT names mutants that no longer exist: {stale}"


def test_the_score_table_counts_equivalent_survivors_apart():
    rows = [{"mutant": "A.x=1", "area": "layers", "state": "killed", "equivalent": ""},
            {"mutant": "A.y=2", "area": "layers", "state": "survived", "equivalent": "always passed"},
            {"mutant": "A.z=3", "area": "layers", "state": "survived", "equivalent": ""}]
    line = mutants.score_table(rows)[1]
    assert "33%" in line and "50%" in line and "=A.y=2" in line and "A.z=3" in line
