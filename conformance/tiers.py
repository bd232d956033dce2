"""Two tiers: the default tier (every upgrade pull request) and the full tier (scheduled, release branches).

Every check runs in both tiers for every entry, except three expensive kinds, where the default
tier keeps a covering subset of entries:

    parity       the XLA and mixed-precision paths (one XLA compilation per entry and path)
    training     the recipe trainings: the convergence run and its determinism repeat
    savedmodel   the SavedModel write, its read-back and the golden SavedModels' loads (the slowest
                 writer and reader: 2-3 s per model on Keras 2; the other formats are written, read
                 back and loaded for every model)

The rule: the subset holds every feature the kind's candidates hold (the layer types of the
entry's small model; for a training also its optimizer and its losses), chosen greedily by the
most features not yet held per measured second (fixtures/measurements/costs.json, re-measured by
``python -m keras_upgrade_gate.conformance.tiers --costs reports/<env>-full``; an unmeasured entry costs as much as the
dearest measured one, so it is chosen last).  conformance/test_tiers.py checks the covering property.

The tier is ``--tier`` (pytest option), else $GATE_TIER, else "default".  Checks of an expensive
kind carry ``@pytest.mark.expensive("<kind>")`` (on the test or on one parameter); the gate reads
the entry from the check's ``entry`` or ``entry_id`` parameter.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import pathlib
import sys
from typing import Callable

from keras_upgrade_gate.conformance import baselines
from keras_upgrade_gate.plugin import TIERS  # noqa: E402  (one list, the option's choices)
from keras_upgrade_gate.reporting import results

COSTS = baselines.MEASUREMENTS / "costs.json"


@dataclasses.dataclass(frozen=True)
class ExpensiveKind:
    name: str
    what: str
    candidates: Callable[[], list]
    features: Callable[[str], frozenset]
    # entries with a check of their own inside the kind (the attention vector of one recipe's run):
    # always in the default tier
    required: Callable[[], tuple] = tuple


@functools.cache
def _kinds() -> dict[str, ExpensiveKind]:
    from keras_upgrade_gate.conformance import coverage, grid, thresholds
    from keras_upgrade_gate.layers import catalog

    return {kind.name: kind for kind in (
        ExpensiveKind("parity", "XLA and mixed-precision parity paths",
                      lambda: [e.id for e in catalog.buildable()], coverage.layer_types),
        ExpensiveKind("training", "recipe trainings (convergence, determinism repeat)",
                      lambda: [e.id for e in catalog.with_recipe()], coverage.recipe_features,
                      required=lambda: (thresholds.ATTENTION.entry_id,)),
        # the live grid's models (a cover of every layer type), so the grid reads every writer's SavedModels
        ExpensiveKind("savedmodel", "SavedModel writes and read-backs",
                      coverage.model_ids, coverage.layer_types, required=lambda: tuple(grid.grid_models())),
    )}


KINDS = ("parity", "training", "savedmodel")  # importable without Keras; test_tiers checks it names _kinds()


def chosen_tier(option: str | None = None) -> str:
    tier = option or os.environ.get("GATE_TIER") or "default"
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r} (--tier or $GATE_TIER): choose one of {', '.join(TIERS)}")
    return tier


@functools.cache
def measured_costs() -> dict[str, dict[str, float]]:
    if not COSTS.exists():
        from keras_upgrade_gate.layers import catalog

        if not catalog.is_seed_catalogue():
            return {}  # a team's catalogue before its first full-tier run: every entry costs the same
        raise FileNotFoundError(f"{COSTS} is missing: measure it with python -m keras_upgrade_gate.conformance.tiers --costs "
                                "reports/<env>-full (a full-tier run's folder)")
    return json.loads(COSTS.read_text())["seconds"]


@functools.cache
def default_subset(kind: str) -> tuple[str, ...]:
    """The entries of an expensive kind that the default tier keeps, in the order the rule chose them."""
    from keras_upgrade_gate.conformance import coverage

    spec = _kinds()[kind]
    costs = measured_costs().get(kind, {})
    dearest = max(costs.values(), default=1.0)
    return tuple(coverage.weighted_cover(spec.candidates(), spec.features,
                                         lambda entry_id: costs.get(entry_id, dearest), start=required(kind)))


def required(kind: str) -> tuple[str, ...]:
    """The entries a kind always keeps in the default tier, among this catalogue's (a team's holds no seed recipe)."""
    spec = _kinds()[kind]
    candidates = set(spec.candidates())
    return tuple(entry_id for entry_id in spec.required() if entry_id in candidates)


def expensive_kind(item) -> str | None:
    marker = item.get_closest_marker("expensive")
    return marker.args[0] if marker else None


def runs_in(item, tier: str) -> bool:
    kind = expensive_kind(item)
    return tier == "full" or kind is None or results.entry_of(item) in default_subset(kind)


def measured_cost(item) -> float:
    """The measured seconds of the entry's checks of the item's expensive kind (0 for other checks)."""
    kind = expensive_kind(item)
    return measured_costs().get(kind, {}).get(entry_id, 0.0) if kind and (entry_id := results.entry_of(item)) else 0.0


def saves_in(fmt: str, entry_id: str, tier: str) -> bool:
    """Whether the tier writes (and reads back) this format for this entry."""
    return fmt != "savedmodel" or tier == "full" or entry_id in default_subset("savedmodel")


def costs_from(data: dict) -> dict[str, dict[str, float]]:
    """Seconds per expensive kind and entry from a full-tier results.json: the checks' durations; for a
    write check, the write's own seconds (all formats are written inside whichever check runs first)."""
    seconds: dict[str, dict[str, float]] = {kind: {} for kind in KINDS}
    for test in data["tests"]:
        kind = test.get("expensive")
        if kind:
            recorded = test["values"].get("seconds")
            spent = test["duration"] if recorded is None else float(recorded)
            by_entry = seconds[kind]
            by_entry[test["snippet"]] = round(by_entry.get(test["snippet"], 0.0) + spent, 2)
    return {kind: dict(sorted(v.items())) for kind, v in seconds.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="the default tier's covering subsets and their measured costs")
    parser.add_argument("--costs", type=pathlib.Path,
                        help="write fixtures/measurements/costs.json from this full-tier report folder")
    args = parser.parse_args(argv)
    if args.costs:
        data = results.load(args.costs / "results.json")
        if data.get("tier") != "full":
            parser.error(f"{args.costs} is a {data.get('tier', 'unknown')!r} tier run: measure a full-tier run")
        timing = data["timing"]
        COSTS.write_text(json.dumps({
            "measured": {"env": data["env"], "environment": data["environment"], "workers": timing["workers"],
                         "how": "per entry: the durations of its checks of the kind (setup, call, teardown); "
                                "for the SavedModel write, the write's own seconds"},
            "seconds": costs_from(data)}, indent=1) + "\n")
        print(f"wrote {COSTS}")
    for kind in KINDS:
        subset, spec = default_subset(kind), _kinds()[kind]
        print(f"{kind} ({spec.what}): {len(subset)} of {len(spec.candidates())}: {', '.join(subset)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
