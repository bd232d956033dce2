"""Every computation the catalogue hands to Keras has an independent NumPy reference: each layer type its
models hold (conformance/coverage.py) and each optimizer, schedule, loss and metric its recipes compile.
Derived from the catalogue, so a new entry with a new layer type fails here until its oracle exists."""
from __future__ import annotations

import pytest

from keras_upgrade_gate.conformance import coverage, oracles, test_oracles, test_oracles_composite  # noqa: F401 (their @covers fill oracles.COVERED)

pytestmark = pytest.mark.oracles

# Layers that compute nothing of their own: they hold and wire other layers (checked by the node, shape
# and golden checks, which see the wiring).
CONTAINERS = {"InputLayer": "passes its input through",
              "Functional": "a graph of other layers", "Sequential": "a chain of other layers"}


def missing(used, covered=None) -> list[str]:
    covered = oracles.COVERED if covered is None else covered
    return sorted(set(used) - set(covered) - set(CONTAINERS))


def teams_own_layer_types() -> set[str]:
    """A team's custom layers (not Keras's, not the seeds' layers/custom.py): their reference is the team's
    to write; the gate still runs every other kind of check on them."""
    from keras_upgrade_gate.layers import custom

    return {name for entry_id in coverage.model_ids() for name in coverage.custom_layers(entry_id)
            if not hasattr(custom, name)}


def test_every_layer_type_has_a_reference():
    absent = missing(coverage.all_layer_types() - teams_own_layer_types())
    assert not absent, (f"layer types the catalogue's models use with no NumPy reference: {absent} "
                        "(write one in conformance/oracles*.py and mark its check @oracles.covers)")


def test_every_training_component_has_a_reference():
    used = {c: r for r in coverage.recipe_ids() for c in coverage.training_components(r)}
    absent = missing(used)
    assert not absent, ("optimizers, schedules, losses or metrics the recipes compile with no NumPy reference: "
                        + ", ".join(f"{c} (first in {used[c]})" for c in absent))


def test_a_missing_reference_is_named():
    """The check sees: a type nothing covers is reported, a container is not."""
    assert missing({"Dense", "Conv3D", "Sequential"}, {"Dense": ["test_dense"]}) == ["Conv3D"]
