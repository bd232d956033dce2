"""Where a gate run's time goes, side by side for several runs.

    python -m keras_upgrade_gate.reporting.timing tf215 tf221                      # env names under reports/
    python -m keras_upgrade_gate.reporting.timing reports/*/results.json           # the whole matrix

One column per run: its wall time, how it ran (serial or N xdist workers), TensorFlow's import
(the floor every process pays), and the seconds each check kind took (the checks' own durations
summed, so under workers they add up to more than the wall time).
"""
from __future__ import annotations

import argparse
import pathlib
import sys

from keras_upgrade_gate.reporting import results
from keras_upgrade_gate.reporting.diff import resolve


def table(runs: dict[str, dict]) -> list[str]:
    """Rows of a plain-text table: kinds by total time (largest first), then the run's totals."""
    kinds: dict[str, float] = {}
    for data in runs.values():
        for kind, seconds in data.get("timing", {}).get("per_kind", {}).items():
            kinds[kind] = kinds.get(kind, 0.0) + seconds
    names = list(runs)
    width = max([12, *(len(n) for n in names)])

    def row(label, cells):
        return f"{label:28}" + "".join(f"{c:>{width + 2}}" for c in cells)

    def how(data):
        workers = data.get("timing", {}).get("workers")
        return "?" if workers is None else ("serial" if workers == 0 else f"-n {workers}")

    lines = [row("", names), row("ran", [how(d) for d in runs.values()]),
             row("wall (s)", [f"{d.get('wall_seconds', float('nan')):.0f}" for d in runs.values()]),
             row("import, the floor (s)",
                 [f"{d.get('timing', {}).get('import_seconds', float('nan')):.1f}" for d in runs.values()])]
    for kind in sorted(kinds, key=lambda k: -kinds[k]):
        lines.append(row(kind, [f"{d.get('timing', {}).get('per_kind', {}).get(kind, 0.0):.1f}"
                                for d in runs.values()]))
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="environment names under --reports, or results.json paths")
    parser.add_argument("--reports", type=pathlib.Path, default=pathlib.Path("reports"))
    args = parser.parse_args(argv)
    runs = {}
    for name in args.runs:
        path = resolve(name, args.reports)
        runs[path.parent.name] = results.load(path)
    print("\n".join(table(runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
