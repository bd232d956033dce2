"""The rows of a recipe's own data that the training-loop checks feed, cut to a size (arrays only)."""
from __future__ import annotations

from keras_upgrade_gate.conformance import coverage
from keras_upgrade_gate.layers import catalog

# The losses conformance/oracles.py recomputes from their definitions.
ORACLE_LOSSES = {"binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"}


def structure(value) -> str:
    return f"dict of {len(value)}" if isinstance(value, dict) else (
        f"list of {len(value)}" if isinstance(value, (list, tuple)) else "array")


def losses_of(compiled: dict) -> list[str]:
    return [coverage._loss_name(loss) for loss in coverage.flat(compiled["loss"])]


def fed_by_arrays(entry) -> dict | None:
    """The recipe's default-tier data where it is arrays (not a generator) and its losses have oracles."""
    compiled = coverage._compiled(entry.id)
    if compiled is None or not set(losses_of(compiled)) <= ORACLE_LOSSES:
        return None
    recipe = entry.recipe
    data = recipe.data(seed=0, scale=recipe.quick.scale, small=recipe.quick_small)
    return data if "y" in data and not callable(getattr(data["x"], "__next__", None)) else None


def cheapest_per(key) -> list:
    """One array-fed recipe per ``key(entry, data)``, in id order: the one whose training measured the fewest
    seconds (fixtures/measurements/costs.json; an LSTM costs more than its parameters say), then the fewest
    parameters."""
    from keras_upgrade_gate.conformance import tiers

    seconds = tiers.measured_costs().get("training", {})
    chosen = {}
    for entry in sorted(catalog.with_recipe(), key=lambda e: (seconds.get(e.id, 0.0), coverage.parameters(e.recipe.model_id), e.id)):
        data = fed_by_arrays(entry)
        if data is not None:
            chosen.setdefault(key(entry, data), entry)
    return sorted(chosen.values(), key=lambda e: e.id)


def rows(value, start: int, stop: int):
    if isinstance(value, dict):
        return {k: v[start:stop] for k, v in value.items()}
    return [v[start:stop] for v in value] if isinstance(value, (list, tuple)) else value[start:stop]


def count(value) -> int:
    first = next(iter(value.values())) if isinstance(value, dict) else (
        value[0] if isinstance(value, (list, tuple)) else value)
    return len(first)
