"""Command line: ``python -m layers list`` and ``python -m layers show ID``."""
from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _show(entry_id: str) -> int:
    from keras_upgrade_gate.layers import catalog

    try:
        entry = catalog.get(entry_id)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 2
    print(f"id:        {entry.id}")
    # a seed entry names its seed document; a team's names its own source file, in its checkout
    print(f"seed:      {'../shared/seeds/' if catalog.is_seed_catalogue() else ''}{entry.seed}")
    print(f"title:     {entry.title}")
    print(f"kind:      {entry.kind}")
    if entry.refers_to:
        print(f"refers to: {entry.refers_to}")
    if entry.small_note:
        print(f"small:     {entry.small_note}")
    if entry.recipe:
        fit = ", ".join(f"{k}={v}" for k, v in entry.recipe.fit.items())
        print(f"recipe:    model {entry.recipe.model_id}; fit {fit}" + (f"; {entry.recipe.notes}" if entry.recipe.notes else ""))
        quick = entry.recipe.quick
        print(f"quick:     default tier: {quick.scale:g}x the data, "
              f"{quick.epochs or entry.recipe.fit['epochs']} epochs, {'small' if quick.small or entry.recipe.small else 'documented'} model")
    if entry.figures:
        print(f"documented figures: {', '.join(entry.figures)}")
    if entry.as_written is not None:
        variants = sorted(entry.as_written) if isinstance(entry.as_written, dict) else ["(one)"]
        print(f"as written: {', '.join(variants)}")
    print("changed from the seed:")
    for change in entry.changes or ("none",):
        print(f"  - {change}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m layers", description="The snippet catalogue.")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="print the implemented ids, one per line")
    listing.add_argument("--kind", help="only entries of this kind (model, layer, helper, recipe, plot)")
    show = commands.add_parser("show", help="print one entry")
    show.add_argument("id")
    args = parser.parse_args(argv)
    if args.command == "list":
        from keras_upgrade_gate.layers import catalog

        for entry_id in catalog.ids(args.kind):
            print(entry_id)
        return 0
    return _show(args.id)


if __name__ == "__main__":
    sys.exit(main())
