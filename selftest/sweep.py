"""Many gate runs, each with one change applied, a few at a time within a time budget; the score per area.

The mechanical mutants (selftest/mutants.py) and the call perturbations (selftest/perturb.py) are both
sweeps: a row per change, ``state`` killed (the gate failed as it must), survived, or not run (budget).
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

NOT_RUN = "not run (budget)"


def arguments(description: str, budget: float, what: str, argv=None):
    """The options every sweep takes: workers, a time budget, --only TEXT and --list."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--budget", type=float, default=budget, help=f"seconds; {what} not started by then are listed")
    parser.add_argument("--only", default="", help=f"only {what} whose name contains this text")
    parser.add_argument("--list", action="store_true", help=f"print the {what} and stop")
    return parser.parse_args(argv)


def sweep(items: list, workers: int, budget: float, judge: Callable) -> list[dict]:
    """``judge(index, item, server)`` for each item, in forked gate runs, ``workers`` at a time, until
    ``budget`` seconds have passed (later items get ``judge(..., None)``: the judge returns their row unrun)."""
    from keras_upgrade_gate.selftest.run import ForkServer

    start = time.monotonic()
    servers = [ForkServer() for _ in range(workers)]

    def lane(k):
        return [judge(i, item, servers[k] if time.monotonic() - start <= budget else None)
                for i, item in enumerate(items) if i % workers == k]

    with ThreadPoolExecutor(workers) as pool:
        done = list(pool.map(lane, range(workers)))
    for server in servers:
        server.close()
    return [row for rows in done for row in rows]


def score_table(rows: list[dict], name: str) -> list[str]:
    """Per area: changes killed of those run, and of those not listed as equivalent; the survivors."""
    lines = [f"{'area':16} {'killed':>7} {'run':>5} {'score':>6} {'of non-equivalent':>18}  survivors (= equivalent)"]
    for area in sorted({r["area"] for r in rows}):
        ran = [r for r in rows if r["area"] == area and r["state"] in ("killed", "survived")]
        killed = [r for r in ran if r["state"] == "killed"]
        survivors = [r for r in ran if r["state"] == "survived"]
        judged = len(ran) - sum(bool(r["equivalent"]) for r in survivors)
        score = f"{len(killed) / len(ran):.0%}" if ran else "-"
        sharp = f"{len(killed) / judged:.0%}" if judged else "-"
        names = ", ".join(("=" if r["equivalent"] else "") + r[name] for r in survivors)
        lines.append(f"{area:16} {len(killed):>7} {len(ran):>5} {score:>6} {sharp:>18}  {names}")
    skipped = sum(r["state"] == NOT_RUN for r in rows)
    if skipped:
        lines.append(f"{skipped} not run: the time budget ran out")
    dead = [r[name] for r in rows if r["state"] == "did not run"]
    if dead:
        lines.append(f"{len(dead)} runs gave no verdict (the gate died or selected nothing): {', '.join(dead)}")
    return lines
