"""Covering subsets of the catalogue: sets of models that hold every layer type the catalogue's models hold.

Where a check is too costly for every model (committed golden artifacts, the live saved-model grid),
it runs on a subset derived here, never on a hand list: a greedy cover that takes, while a layer type
is missing, the model bringing the most missing types (ties: the fewer parameters, then the id).
"""
from __future__ import annotations

import functools

from layers import catalog, compat


@functools.cache
def _built(entry_id: str) -> tuple[frozenset[str], int]:
    compat.reset_session(0)
    model = catalog.build(entry_id, small=True)
    return frozenset(type(layer).__name__ for layer in compat.all_layers(model)), int(model.count_params())


def layer_types(entry_id: str) -> frozenset[str]:
    """The class names of every layer the entry's small model holds, nested models included."""
    return _built(entry_id)[0]


def parameters(entry_id: str) -> int:
    return _built(entry_id)[1]


def model_ids() -> list[str]:
    return [entry.id for entry in catalog.entries("model")]


def all_layer_types(entry_ids=None) -> frozenset[str]:
    return frozenset().union(*(layer_types(e) for e in (entry_ids or model_ids())))


def cover(candidates=None, start=()) -> list[str]:
    """``start`` plus the fewest candidates the greedy rule needs to hold every layer type of the
    candidates (all model entries by default); in the order chosen."""
    candidates = list(candidates or model_ids())
    chosen = list(start)
    missing = set(all_layer_types(candidates)) - set(all_layer_types(chosen) if chosen else ())
    while missing:
        best = min((e for e in candidates if e not in chosen),
                   key=lambda e: (-len(layer_types(e) & missing), parameters(e), e))
        if not layer_types(best) & missing:
            break
        chosen.append(best)
        missing -= layer_types(best)
    return chosen


def uncovered(entry_ids) -> list[str]:
    """Layer types of the catalogue's models that none of ``entry_ids`` holds."""
    return sorted(all_layer_types() - all_layer_types(list(entry_ids)))
