"""Every baseline of some entries, in this environment, with one command:

    GATE_ENV=tf221 .tox/tf221/bin/python -m conformance.write_baselines --only ID [ID ...]

runs, for those entries only and in this Keras's layouts, what the per-kind commands write (each keeps the
other entries' baselines): the recorded traits (every model's: they decide rows and subsets), the summary
and config snapshots (conformance.snapshots), the golden trajectories (models) and golden fits (recipes),
this environment's golden saved artifacts (``<saved>/<env>``, env from $GATE_ENV: run it in each writer
environment) and the convergence measurements (recipes, ``--seeds`` runs each).  Run from a team's
checkout it writes into the team's baselines folder (conformance/baselines.py).  ``--skip KIND`` leaves
a kind out; ``--dry-run`` prints the steps.  Each step prints its seconds.
"""
from __future__ import annotations

import argparse
import sys
import time

KINDS = ("traits", "snapshots", "golden", "golden_fit", "saved", "convergence")


def steps(only: list[str], seeds: int) -> list[tuple[str, list[str] | None]]:
    """(kind, argv for that kind's command) for the given entries; None where no entry has that kind."""
    from conformance import baselines, coverage, measure
    from layers import catalog

    models = [e for e in only if catalog.get(e).kind == "model"]
    recipes = [e for e in only if catalog.get(e).recipe is not None]
    golden_saved = [e for e in models if e in coverage.golden_models()]
    saved_folder = str(baselines.SAVED / measure.env_name())
    return [
        ("traits", []),
        ("snapshots", ["--only", *only]),
        ("golden", ["--write", "--only", *models] if models else None),
        ("golden_fit", ["--write", "--only", *recipes] if recipes else None),
        ("saved", ["--write", saved_folder, "--golden", "--only", *golden_saved] if golden_saved else None),
        ("convergence", ["--seeds", str(seeds), "--only", ",".join(recipes)] if recipes else None),
    ]


def _command(kind: str):
    from conformance import coverage, golden, golden_fit, measure, saving, snapshots

    def traits(_argv):
        coverage.write_traits()
        print(f"wrote traits to {coverage.TRAITS}")
        return 0

    return {"traits": traits, "snapshots": snapshots.main, "golden": golden.main, "golden_fit": golden_fit.main,
            "saved": saving.main, "convergence": measure.main}[kind]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", required=True, metavar="ID", help="the entries whose baselines to write")
    parser.add_argument("--seeds", type=int, default=5, help="convergence runs per recipe (the rule reads 5)")
    parser.add_argument("--skip", nargs="+", default=(), choices=KINDS, help="kinds to leave as they are")
    parser.add_argument("--dry-run", action="store_true", help="print the steps, write nothing")
    args = parser.parse_args(argv)
    from layers import catalog

    unknown = sorted(set(args.only) - set(catalog.ids()))
    if unknown:
        parser.error(f"not in this catalogue: {', '.join(unknown)} (`python -m layers list` shows the ids)")
    for kind, kind_argv in steps(args.only, args.seeds):
        if kind in args.skip or kind_argv is None:
            print(f"{kind}: {'skipped' if kind in args.skip else 'no entry of this kind'}")
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
