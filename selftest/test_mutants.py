"""The mechanical mutants (selftest/mutants.py): the rules that make them, and the patch that applies one.
The mutation run itself is ``python -m selftest.mutants`` (minutes; its score goes in the closing notes)."""
from __future__ import annotations

import pytest

from selftest import mutants
from selftest.injections import Patcher

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
