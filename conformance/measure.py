"""Measure the recipes over several seeds, to set and re-check convergence thresholds.

    .tox/tf221/bin/python -m keras_upgrade_gate.conformance.measure --seeds 5        # every recipe, quick tier
    .tox/tf215/bin/python -m keras_upgrade_gate.conformance.measure --seeds 5 --only attn.se_cnn.recipe
    .tox/tf221/bin/python -m keras_upgrade_gate.conformance.measure --seeds 5 --seed-size   # the slow tier's runs

Writes fixtures/measurements/convergence-<env>.json (env: $GATE_ENV, else tf<major><minor>),
or convergence-seedsize-<env>.json for the seed's own configurations.
Thresholds in conformance/thresholds.py are set from these files, with their margin, one table per
Keras generation from the files of that generation's environments (--print-thresholds prints them).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

from keras_upgrade_gate.conformance import baselines
from keras_upgrade_gate.layers import catalog, compat

OUT_DIR = baselines.MEASUREMENTS


def env_name() -> str:
    major, minor = compat.TF_VERSION.split(".")[:2]
    return os.environ.get("GATE_ENV") or f"tf{major}{minor}"


def attention_vectors(run, seed: int) -> dict:
    """The seed's single-sample attention vector, and the mean over 1,000 fresh samples."""
    from keras_upgrade_gate.fixtures.generators import get_data
    from keras_upgrade_gate.layers.seed003 import INPUT_DIM, get_activations

    one, _ = get_data(1, INPUT_DIM, seed=seed + 100)
    many, _ = get_data(1000, INPUT_DIM, seed=seed + 200)
    return {
        "one_sample": [float(v) for v in get_activations(run.model, one.astype("float32"), "attention_vec")[0]],
        "mean": [float(v) for v in get_activations(run.model, many.astype("float32"), "attention_vec").mean(axis=0)],
    }


def _generation(records: dict) -> str:
    return f"keras{records['environment']['keras'].split('.')[0]}"


def measured_runs(prefix: str, generation: str | None = None) -> dict:
    """{recipe: {environment: [run summaries]}} from the measurement files ``<prefix>-<env>.json``,
    only those of one Keras generation ("keras2", "keras3") if given."""
    measured = {}
    for path in sorted(OUT_DIR.glob(f"{prefix}-tf*.json")):
        env = path.stem[len(prefix) + 1:]
        records = json.loads(path.read_text())
        if generation and _generation(records) != generation:
            continue
        for entry_id, runs in records.items():
            if entry_id != "environment":
                measured.setdefault(entry_id, {})[env] = runs
    return measured


def generations(prefix: str) -> list[str]:
    return sorted({_generation(json.loads(path.read_text())) for path in OUT_DIR.glob(f"{prefix}-tf*.json")})


def measured_table(prefix: str, generation: str | None = None) -> dict:
    """Per recipe and environment, the (worst, median) loss drop and metric and the median seconds
    of the measurement files: the ``measured`` field of a Threshold."""
    import statistics

    table = {}
    for entry_id, by_env in measured_runs(prefix, generation).items():
        for env, runs in by_env.items():
            table.setdefault(entry_id, {})[env] = {
                "seeds": len(runs),
                **{key: (round(min(r[field] for r in runs), 3), round(statistics.median(r[field] for r in runs), 3))
                   for key, field in (("loss_drop", "loss_drop"), ("metric", "final_metric"))},
                "seconds": round(statistics.median(r["seconds"] for r in runs), 1)}
    return table


def rule_for(prefix: str, generation: str) -> dict:
    """{recipe: (min_loss_drop, min_metric)} by the margin rule from the worst run of every
    environment of one generation."""
    from keras_upgrade_gate.conformance.thresholds import by_the_rule

    every = {entry_id: [r for runs in by_env.values() for r in runs]
             for entry_id, by_env in measured_runs(prefix, generation).items()}
    return {entry_id: by_the_rule(min(r["loss_drop"] for r in runs), min(r["final_metric"] for r in runs))
            for entry_id, runs in every.items()}


def main(argv=None) -> int:
    from keras_upgrade_gate.layers.training import run_recipe

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated recipe ids")
    parser.add_argument("--seed-size", action="store_true",
                        help="train the seed's own configuration (the slow tier) instead of the quick one")
    parser.add_argument("--print-thresholds", action="store_true",
                        help="measure nothing: print the thresholds the margin rule gives from the files")
    args = parser.parse_args(argv)
    prefix = "convergence-seedsize" if args.seed_size else "convergence"
    if args.print_thresholds:
        for generation in generations(prefix):
            print(f"    {generation!r}: {{")
            rules = rule_for(prefix, generation)
            for entry_id, measured in sorted(measured_table(prefix, generation).items()):
                drop, metric = rules[entry_id]
                print(f"        {entry_id!r}: Threshold({drop}, {metric}, {measured!r}),")
            print("    },")
        return 0
    warnings.simplefilter("ignore")
    compat.enable_op_determinism()
    ids = args.only.split(",") if args.only else [e.id for e in catalog.with_recipe()]
    path = OUT_DIR / f"{prefix}-{env_name()}.json"
    records = json.loads(path.read_text()) if path.exists() else {}
    records["environment"] = compat.environment()
    for entry_id in ids:
        runs = []
        for seed in range(args.seeds):
            run = run_recipe(entry_id, seed, quick=not args.seed_size)
            summary = run.summary()
            summary.pop("history")
            if entry_id == "attn.dense_attention.recipe":
                summary["attention"] = attention_vectors(run, seed)
            runs.append(summary)
            print(json.dumps(summary), flush=True)
        records[entry_id] = runs
        OUT_DIR.mkdir(parents=True, exist_ok=True)  # written after each recipe: a crash keeps the rest
        path.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
