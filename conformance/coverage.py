"""Covering subsets of the catalogue: sets of entries that hold every feature (layer type, optimizer, loss)
the catalogue's entries hold.

Where a check is too costly for every entry (committed golden artifacts, the live saved-model grid,
the default tier's expensive kinds: conformance/tiers.py), it runs on a subset derived here, never on
a hand list: a greedy cover that takes, while a feature is missing, the entry bringing the most missing
features (``cover``: ties the fewer parameters, then the id; ``weighted_cover``: per measured second).
"""
from __future__ import annotations

import dataclasses
import functools
import json

from keras_upgrade_gate.conformance import baselines
from keras_upgrade_gate.layers import catalog, compat


@dataclasses.dataclass(frozen=True)
class Built:
    """What an entry's small model is and holds, read off the model once per process: the traits that
    decide which checks and which expected-difference rows apply to it (never a hand list of ids)."""
    layer_types: frozenset[str] = frozenset()  # class names of every layer, nested ones included
    parameters: int = 0
    container: str = ""  # the model's own class (Sequential, Functional); "" where it does not build here
    custom_layers: frozenset[str] = frozenset()  # classes of the gate's own layers (layers/custom.py)
    # holds a nested model, or one of the gate's custom layers that makes layers of its own
    nests_layers: bool = False


# The traits of every model as measured where each generation's models all build (tf215, tf221): a model
# that does not build here (Keras 3.0-3.3 cannot build TimeDistributed over a model) keeps its recorded
# traits, so the rows and subsets derived from traits are the same on every version of a generation.
# Rewrite: `python -m keras_upgrade_gate.conformance.coverage --write-traits` in tf215 and tf221 (test_traits checks it).
TRAITS = baselines.MEASUREMENTS / "traits.json"


KERAS_PACKAGES = ("keras", "tf_keras", "tensorflow")  # where Keras's own layer classes live


def is_custom(layer) -> bool:
    """A layer of the catalogue's own classes (the seeds' layers/custom.py, a team's module), not Keras's."""
    return type(layer).__module__.split(".")[0] not in KERAS_PACKAGES


@functools.cache
def measured_traits(entry_id: str) -> Built | None:
    """An entry's traits as this Keras builds them; None where the model does not build here."""
    compat.reset_session(0)
    try:
        with compat.bookkeeping():
            model = catalog.build(entry_id, small=True)
    except Exception:  # noqa: BLE001 - the catalogue checks report the build error, with its entry
        return None
    layers = compat.all_layers(model)
    custom = [layer for layer in layers if is_custom(layer)]
    nests = (any(type(layer).__name__ in ("Sequential", "Functional") for layer in layers)
             or any(compat.all_layers(layer) for layer in custom))
    return Built(frozenset(type(layer).__name__ for layer in layers), int(model.count_params()), type(model).__name__,
                 frozenset(type(layer).__name__ for layer in custom), nests)


@functools.cache
def recorded_traits() -> dict:
    """{entry id: Built} recorded for this Keras generation; {} where the file has none."""
    if not TRAITS.exists():
        return {}
    section = json.loads(TRAITS.read_text()).get(compat.GENERATION, {})
    return {entry_id: Built(frozenset(t["layer_types"]), t["parameters"], t["container"],
                            frozenset(t["custom_layers"]), t["nests_layers"])
            for entry_id, t in section.get("traits", {}).items()}


@functools.cache
def _built(entry_id: str) -> Built:
    """An entry's traits: measured here, else recorded (a regression that breaks a build must fail that
    entry's own checks, not the collection that derives the tiers and the rows), else none."""
    return measured_traits(entry_id) or recorded_traits().get(entry_id) or Built()


def write_traits() -> dict:
    """This generation's section of the traits file, measured here; every model must build."""
    traits = {}
    for entry_id in model_ids():
        built = measured_traits(entry_id)
        if built is None:
            raise SystemExit(f"{entry_id} does not build on Keras {compat.KERAS_VERSION}: record traits where all build")
        traits[entry_id] = {"layer_types": sorted(built.layer_types), "parameters": built.parameters,
                            "container": built.container, "custom_layers": sorted(built.custom_layers),
                            "nests_layers": built.nests_layers}
    data = json.loads(TRAITS.read_text()) if TRAITS.exists() else {}
    data[compat.GENERATION] = {"tensorflow": compat.TF_VERSION, "keras": compat.KERAS_VERSION, "traits": traits}
    TRAITS.parent.mkdir(parents=True, exist_ok=True)
    TRAITS.write_text(json.dumps(dict(sorted(data.items())), indent=1, sort_keys=True) + "\n")
    return data


def nesting_layers(among=None) -> tuple[str, ...]:
    """The model entries (or ``among``) holding a nested model or a custom layer with layers of its own."""
    return tuple(e for e in (among or model_ids()) if _built(e).nests_layers)


def feeding_shared_calls() -> tuple[str, ...]:
    """The model entries that call one layer more than once and feed those calls to other layers of the
    model (the catalogue's SharedLayer rows with no model output), rather than returning them."""
    return tuple(e.id for e in catalog.entries("model") if any(len(s.inputs) > 1 and s.outputs is None for s in e.shared))


def layer_types(entry_id: str) -> frozenset[str]:
    """The class names of every layer the entry's small model holds, nested models included."""
    return _built(entry_id).layer_types


def parameters(entry_id: str) -> int:
    return _built(entry_id).parameters


def container(entry_id: str) -> str:
    """Sequential or Functional (the model's class); "" where it does not build here."""
    return _built(entry_id).container


def custom_layers(entry_id: str) -> frozenset[str]:
    return _built(entry_id).custom_layers


def holding(layer_type: str, among=None) -> tuple[str, ...]:
    """The model entries (or ``among``) whose small model holds a layer of this class."""
    return tuple(e for e in (among or model_ids()) if layer_type in layer_types(e))


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


def _compiled(entry_id: str) -> dict | None:
    """A recipe's compile arguments; None where this Keras rejects them (Keras 3.0's BinaryAccuracy takes
    no threshold outside (0, 1)): the recipe's own checks report that, the collection goes on."""
    try:
        return catalog.get(entry_id).recipe.compile()
    except Exception:  # noqa: BLE001 - reported by the recipe's checks, with its entry
        return None


def recipe_features(entry_id: str) -> frozenset[str]:
    """What a recipe's training exercises: its model's layer types, its optimizer's class and each
    loss by name (from_logits marked: it is another computation)."""
    recipe = catalog.get(entry_id).recipe
    compiled = _compiled(entry_id)
    if compiled is None:
        return layer_types(recipe.model_id)
    keras = compat.keras
    optimizer = compiled["optimizer"]
    optimizer = keras.optimizers.get(optimizer) if isinstance(optimizer, str) else optimizer
    loss = compiled["loss"]
    losses = flat(loss)
    model_id = recipe.model_id
    return (layer_types(model_id) | {f"optimizer:{type(optimizer).__name__}"}
            | {f"loss:{_loss_name(item)}" for item in losses})


def training_components(entry_id: str) -> frozenset[str]:
    """What a recipe's compile hands to Keras's training machinery, named as the oracles name it:
    "optimizer:<class>", "schedule:<class>" (a learning-rate schedule), "loss:<name>", "metric:<name or class>"."""
    compiled = _compiled(entry_id)
    if compiled is None:
        return frozenset()
    optimizer = compiled["optimizer"]
    optimizer = compat.keras.optimizers.get(optimizer) if isinstance(optimizer, str) else optimizer
    schedule = compat.schedule_of(optimizer)
    metrics = flat(compiled.get("metrics") or [])
    return (frozenset(f for f in recipe_features(entry_id) if f.startswith(("optimizer:", "loss:")))
            | ({f"schedule:{type(schedule).__name__}"} if schedule is not None else set())
            | {f"metric:{m if isinstance(m, str) else type(m).__name__}" for m in metrics})


def flat(value) -> list:
    """The items of a compile argument given per output (dict), as a list, or alone."""
    if isinstance(value, dict):
        return [v for item in value.values() for v in flat(item)]
    return [v for item in value for v in flat(item)] if isinstance(value, (list, tuple)) else [value]


def recipe_ids() -> list[str]:
    return [entry.id for entry in catalog.entries() if getattr(entry, "recipe", None)]


def _loss_name(loss) -> str:
    if isinstance(loss, str):
        return loss
    name = getattr(loss, "name", None) or getattr(loss, "__name__", type(loss).__name__)
    logits = getattr(loss, "from_logits", None) or getattr(loss, "_fn_kwargs", {}).get("from_logits")
    return f"{name}(from_logits)" if logits else name


def weighted_cover(candidates, features, cost, start=()) -> list[str]:
    """``start`` plus the candidates that together hold every feature any of them holds, taken greedily
    by the most features not yet held per unit of cost (ties: the id); in the order chosen."""
    chosen: list[str] = list(start)
    missing = set().union(*(features(c) for c in candidates)) - set().union(*(features(c) for c in chosen))
    while missing:
        best = max((c for c in candidates if c not in chosen),
                   key=lambda c: (len(features(c) & missing) / max(cost(c), 1e-3), c))
        chosen.append(best)
        missing -= features(best)
    return chosen


def uncovered(entry_ids) -> list[str]:
    """Layer types of the catalogue's models that none of ``entry_ids`` holds."""
    return sorted(all_layer_types() - all_layer_types(list(entry_ids)))


# The golden saved models: every model up to this many parameters in its small configuration, and the
# fewest larger ones that bring the other layer types (sizes and reasons: conformance/saving.py).
GOLDEN_PARAMETER_LIMIT = 8000


def golden_models() -> list[str]:
    small = [e for e in model_ids() if 0 < parameters(e) <= GOLDEN_PARAMETER_LIMIT]
    return sorted(cover(start=small))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="record the catalogue models' traits for this Keras generation")
    parser.add_argument("--write-traits", action="store_true", help=f"write this generation's section of {TRAITS.name}")
    if parser.parse_args().write_traits:
        write_traits()
        print(f"wrote {compat.GENERATION} traits to {TRAITS}")
