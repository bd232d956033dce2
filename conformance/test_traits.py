"""The recorded traits (fixtures/measurements/traits.json) are what the models are: the rows and subsets
derived from traits use them where a model does not build, so they must agree wherever it does."""
from __future__ import annotations

import dataclasses

import pytest

from keras_upgrade_gate.conformance import coverage
from keras_upgrade_gate.layers import compat

pytestmark = pytest.mark.catalog

# What decides rows and subsets on every minor; layer types and sizes are compared on the writer's own version
# (a minor may add an internal layer, such as a cell, without changing which rows apply).
DECISIVE = ("container", "custom_layers", "nests_layers")


def disagreements(recorded: dict, measured) -> list[str]:
    """Entries whose recorded traits differ from what ``measured(entry_id)`` finds here (None: does not build)."""
    section = coverage.TRAITS.name
    same_version = _writer() == (compat.TF_VERSION, compat.KERAS_VERSION)
    fields = [f.name for f in dataclasses.fields(coverage.Built)] if same_version else DECISIVE
    found = []
    for entry_id in coverage.model_ids():
        if entry_id not in recorded:
            found.append(f"{entry_id}: no {compat.GENERATION} traits in {section}")
            continue
        here = measured(entry_id)
        for field in fields if here is not None else ():
            if getattr(here, field) != getattr(recorded[entry_id], field):
                found.append(f"{entry_id}: {field} recorded {getattr(recorded[entry_id], field)!r}, "
                             f"measured {getattr(here, field)!r} on Keras {compat.KERAS_VERSION}")
    return found


def _writer() -> tuple[str, str]:
    import json

    section = json.loads(coverage.TRAITS.read_text()).get(compat.GENERATION, {})
    return section.get("tensorflow"), section.get("keras")


def test_recorded_traits_are_the_models_traits():
    found = disagreements(coverage.recorded_traits(), coverage.measured_traits)
    assert not found, ("recorded traits differ (`python -m keras_upgrade_gate.conformance.coverage --write-traits` where every "
                       "model builds, once the change is understood):\n" + "\n".join(found))


def test_a_recorded_trait_that_is_wrong_is_named():
    recorded = dict(coverage.recorded_traits())
    entry_id = next(e for e in coverage.model_ids() if coverage.measured_traits(e) is not None)
    recorded[entry_id] = dataclasses.replace(recorded[entry_id], nests_layers=not recorded[entry_id].nests_layers)
    found = disagreements(recorded, coverage.measured_traits)
    assert any(line.startswith(f"{entry_id}: nests_layers") for line in found), found
