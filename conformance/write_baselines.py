"""Every baseline the catalogue lacks in this environment, with one command (``keras-gate baselines``):

    keras-gate baselines                      # what is missing here, for every entry of a team's catalogue
    keras-gate baselines --only ID [ID ...]   # those entries' missing baselines
    keras-gate baselines --only ID --force    # rewrite them

runs, for those entries only and in this Keras's layouts, what the per-kind commands write (each keeps the
other entries' baselines): the recorded traits (every model's: they decide rows and subsets), the summary
and config snapshots (conformance.snapshots), the golden trajectories (models) and golden fits (recipes),
this environment's golden saved artifacts (``<saved>/<env>``, env from $GATE_ENV: run it in each writer
environment), the convergence measurements (recipes, ``--seeds`` runs each) and, for a team's saved files,
their records beside each file (outputs, a training step, the tolerance from emulated CPUs: run it where
the file was written).  Run from a team's
checkout it writes into the team's baselines folder (conformance/baselines.py).  ``--skip KIND`` leaves
a kind out; ``--dry-run`` prints the steps.  Each step prints its seconds.
"""
from __future__ import annotations

import argparse
import sys
import time

KINDS = ("traits", "snapshots", "golden", "golden_fit", "saved", "convergence", "files")


def entries_of_each_kind(only: list[str]) -> dict[str, list[str]]:
    """Of the given entries, those each kind of baseline is written for."""
    from keras_upgrade_gate.conformance import coverage
    from keras_upgrade_gate.layers import catalog

    files = {f.id for f in catalog.saved_files()}
    entries = [e for e in only if e not in files]
    models = [e for e in entries if catalog.get(e).kind == "model"]
    recipes = [e for e in entries if catalog.get(e).recipe is not None]
    golden_saved = set(coverage.golden_models())
    return {"traits": models, "snapshots": entries, "golden": models, "golden_fit": recipes,
            "saved": [e for e in models if e in golden_saved], "convergence": recipes,
            "files": [e for e in only if e in files]}


# What a run compares against in this environment, a team's saved files' records included (the golden saved
# artifacts and convergence runs of other environments are read where they exist; this one's own are not needed
# to judge it).
NEEDED_TO_RUN = ("traits", "snapshots", "golden", "golden_fit", "files")


def missing_to_run() -> dict[str, list[str]]:
    """{entry: [kinds]} of the baselines a run here needs and the folder lacks."""
    missing: dict[str, list[str]] = {}
    for kind, ids in entries_of_each_kind(all_ids()).items():
        for entry_id in ids:
            if kind in NEEDED_TO_RUN and not stored(kind, entry_id):
                missing.setdefault(entry_id, []).append(kind)
    return missing


def all_ids() -> list[str]:
    """The catalogue's entries and saved files."""
    from keras_upgrade_gate.layers import catalog

    return catalog.ids() + [f.id for f in catalog.saved_files()]


def stored(kind: str, entry_id: str) -> bool:
    """Whether this environment already has the entry's baseline of this kind (in its Keras's layouts)."""
    import json

    from keras_upgrade_gate.conformance import baselines, golden, golden_fit, measure
    from keras_upgrade_gate.layers import catalog, compat

    def names(path):
        return path.exists() and f"[{entry_id}" in path.read_text()

    def recorded(path, *keys):
        if not path.exists():
            return False
        data = json.loads(path.read_text())
        for key in keys:
            data = data.get(key, {}) if isinstance(data, dict) else {}
        return bool(data)

    if kind == "files":
        about = next(f for f in catalog.saved_files() if f.id == entry_id).record_path(".gate.json")
        try:  # an unreadable record is missing: `keras-gate baselines` writes it again
            return about.exists() and "tolerances" in json.loads(about.read_text())
        except ValueError:
            return False
    if kind == "traits":
        return recorded(baselines.MEASUREMENTS / "traits.json", compat.GENERATION, "traits", entry_id)
    if kind == "snapshots":  # configs for every buildable entry; summaries for models
        summaries = (("", "test_summary.ambr"), (compat.SUMMARY_LAYOUT, "test_summary_text.ambr"))
        wanted = ((f"configs-{compat.CONFIG_LAYOUT}", "test_configs.ambr"),
                  *(summaries if catalog.get(entry_id).kind == "model" else ()))
        return all(names(baselines.SNAPSHOTS / layout / name) for layout, name in wanted)
    if kind == "golden":
        return (golden.generation_dir() / f"{entry_id}.npz").exists()
    if kind == "golden_fit":
        return golden_fit.path_for(entry_id).exists()
    if kind == "saved":
        return (baselines.SAVED / measure.env_name() / entry_id).is_dir()
    return recorded(baselines.MEASUREMENTS / f"convergence-{measure.env_name()}.json", entry_id)


def steps(only: list[str], seeds: int, missing_only: bool = False) -> list[tuple[str, list[str] | None]]:
    """(kind, argv for that kind's command) for the given entries; None where no entry needs that kind
    (with ``missing_only``, where every entry of the kind already has its baseline here)."""
    from keras_upgrade_gate.conformance import baselines, measure

    chosen = {kind: [e for e in ids if not (missing_only and stored(kind, e))]
              for kind, ids in entries_of_each_kind(only).items()}
    saved_folder = str(baselines.SAVED / measure.env_name())
    argv = {
        "traits": [],
        "snapshots": ["--only", *chosen["snapshots"]],
        "golden": ["--write", "--only", *chosen["golden"]],
        "golden_fit": ["--write", "--only", *chosen["golden_fit"]],
        "saved": ["--write", saved_folder, "--golden", "--only", *chosen["saved"]],
        "convergence": ["--seeds", str(seeds), "--only", ",".join(chosen["convergence"])],
        "files": ["--record", *chosen["files"]],
    }
    return [(kind, argv[kind] if chosen[kind] else None) for kind in KINDS]


def _command(kind: str):
    from keras_upgrade_gate.conformance import coverage, golden, golden_fit, measure, saved_files, saving, snapshots

    def traits(_argv):
        coverage.write_traits()
        print(f"wrote traits to {coverage.TRAITS}")
        return 0

    return {"traits": traits, "snapshots": snapshots.main, "golden": golden.main, "golden_fit": golden_fit.main,
            "saved": saving.main, "convergence": measure.main,
            "files": saved_files.main}[kind]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="ID", help="the entries whose baselines to write (default: all)")
    parser.add_argument("--force", action="store_true",
                        help="rewrite every baseline of those entries; without it only the missing ones are written")
    parser.add_argument("--seeds", type=int, default=5, help="convergence runs per recipe (the rule reads 5)")
    parser.add_argument("--skip", nargs="+", default=(), choices=KINDS, help="kinds to leave as they are")
    parser.add_argument("--dry-run", action="store_true", help="print the steps, write nothing")
    args = parser.parse_args(argv)
    from keras_upgrade_gate.layers import catalog

    unknown = sorted(set(args.only or ()) - set(all_ids()))
    if unknown:
        parser.error(f"not in this catalogue: {', '.join(unknown)} (`keras-gate list` shows the ids)")
    from keras_upgrade_gate.conformance import baselines

    baselines.refuse_another_layout()
    only = args.only or all_ids()
    if args.only is None and catalog.is_seed_catalogue() and not args.force:
        only = []  # the seed catalogue's baselines are committed; rewrite them with --only or --force
    if not args.dry_run:
        baselines.stamp_the_layout()
    for kind, kind_argv in steps(only, args.seeds, missing_only=not args.force):
        if kind in args.skip or kind_argv is None:
            print(f"{kind}: {'skipped' if kind in args.skip else 'nothing to write (every baseline is stored)'}")
            continue
        print(f"{kind}: {' '.join(kind_argv) or 'every model'}", flush=True)
        if args.dry_run:
            continue
        start = time.perf_counter()
        code = _command(kind)(kind_argv)
        print(f"{kind}: {time.perf_counter() - start:.1f} s", flush=True)
        if code:
            print(f"{kind} failed (exit {code}); the steps after it did not run", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
