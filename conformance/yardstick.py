"""The budget in units of the machine: a fixed workload timed at the start of every run.

The default tier's budget is 120 s on the reference machine; on another machine it is 120 s times this
machine's yardstick over the reference's (a 2-core AMD EPYC measured every kind of check 1.8-2.5 times slower
than the reference's Xeon: a fixed 120 s was a property of one machine).  The workload is compute of the kind
the checks do: one small Keras model trained for a fixed number of steps (150) on fixed rows, after one warm-up
step (tracing is not compute), in the process that runs the gate, on one thread as the checks run.

    python -m keras_upgrade_gate.conformance.yardstick            # time it here
    python -m keras_upgrade_gate.conformance.yardstick --write    # record this machine as the reference

The reference (fixtures/measurements/yardstick.json) holds the fastest of REPEATS timings, the machine it was
measured on and the default tier's wall time there; test_yardstick re-derives the budget from it.
"""
from __future__ import annotations

import json
import time

from keras_upgrade_gate.conformance import baselines

REFERENCE = baselines.PROJECT_MEASUREMENTS / "yardstick.json"
REFERENCE_BUDGET_SECONDS = 120.0  # the default tier's budget on the reference machine, two workers
STEPS, BATCH, FEATURES, WIDTH = 150, 64, 32, 256
REPEATS = 5  # timings per measurement; the fastest is kept (noise from other processes only adds time)


def _workload():
    import numpy as np

    from keras_upgrade_gate.layers import compat

    keras = compat.keras
    rng = np.random.default_rng(0)
    x = rng.normal(size=(STEPS * BATCH, FEATURES)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.Input(shape=(FEATURES,)), keras.layers.Dense(WIDTH, activation="relu"),
                              keras.layers.Dense(WIDTH, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x[:BATCH], y[:BATCH], batch_size=BATCH, epochs=1, verbose=0)  # warm-up: tracing, not compute
    return model, x, y


def measure() -> float:
    """Seconds this machine takes for the workload (the fastest of REPEATS)."""
    model, x, y = _workload()
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
        timings.append(time.perf_counter() - start)
    return round(min(timings), 3)


def reference() -> dict:
    return json.loads(REFERENCE.read_text())


def budget(yardstick_here: float, reference_record: dict | None = None) -> float:
    """The default tier's budget here: REFERENCE_BUDGET_SECONDS scaled by this machine's yardstick."""
    record = reference_record or reference()
    return round(REFERENCE_BUDGET_SECONDS * yardstick_here / record["yardstick_seconds"], 1)


def main(argv=None) -> int:
    import argparse

    from keras_upgrade_gate.conformance import cpus

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record this machine as the reference")
    parser.add_argument("--default-tier-seconds", type=float, help="with --write: the default tier's wall time here")
    args = parser.parse_args(argv)
    seconds = measure()
    cpu = cpus.cpu_description()
    print(f"yardstick: {seconds} s on {cpu['model']} ({cpu['cores']} cores)")
    if REFERENCE.exists():
        print(f"budget here: {budget(seconds)} s (reference {reference()['yardstick_seconds']} s = "
              f"{REFERENCE_BUDGET_SECONDS:g} s)")
    if args.write:
        REFERENCE.write_text(json.dumps({
            "yardstick_seconds": seconds, "machine": f"{cpu['model']}, {cpu['cores']} cores",
            "isa": [f for f in cpu["isa"] if f.startswith(("avx2", "avx512f"))],
            "default_tier_seconds": args.default_tier_seconds, "budget_seconds": REFERENCE_BUDGET_SECONDS,
            "workload": f"{STEPS} steps of batch {BATCH}, Dense {FEATURES}->{WIDTH}->{WIDTH}->1, adam, the fastest of {REPEATS}",
            "rule": "budget = budget_seconds x yardstick here / yardstick_seconds",
            "measured": time.strftime("%Y-%m-%d")}, indent=1) + "\n")
        print(f"wrote {REFERENCE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
