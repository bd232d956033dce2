"""Golden tolerances: one rule applied to the measured differences between CPUs.

Every golden quantity is judged by its error divided by its scale (conformance/golden.py,
``scale_of``): forward outputs and gradients against their own magnitude, the loss against the
first loss, trained weights against what training moved them (never against their own magnitude),
a fit's history against each value (at least 1).

Measured: ``python -m keras_upgrade_gate.conformance.cpus measure`` on each baseline environment (tf215 for Keras 2,
tf221 for Keras 3) and on the oldest TensorFlow of each generation (tf212, tf216) writes fixtures/measurements/golden-<env>.json: the largest normalized error per
entry and quantity under each emulated CPU.  The gate promises one verdict on x86-64 CPUs with AVX2
or better, so the rule reads the emulations marked ``promised`` (AVX-512 native, AVX2, AVX2 without
oneDNN's rewrites); the older CPUs measured there say why they are not promised.
Observed elsewhere: fixtures/measurements/golden-observed.json (checked by test_golden).

The rule: per Keras generation (each has its own baselines, measured in its own environment), MARGIN
times the worst measured normalized error, rounded up to one significant digit, never below FLOOR.  ``python -m keras_upgrade_gate.conformance.golden_tolerances`` prints what the rule gives; a test
checks TOLERANCES against it.
"""
from __future__ import annotations

import json
import math
import pathlib

MEASUREMENTS = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "measurements"
MARGIN = 4  # rounding differences pass; a changed kernel, a dropped term or a scaled gradient do not
FLOOR = 1e-6  # about 8 float32 ulps: a quantity identical on every measured CPU still gets this much

TOLERANCES = {
    "keras2": {
        "fit_weights": 0.05,  # worst 0.012 (attn.se_cnn.recipe, avx2-no-onednn, tf215) x4
        "gradients": 0.0007,  # worst 0.00017 (attn.se_cnn, native, tf212) x4
        "history": 1e-06,  # worst 1.2e-07 x4 is below the floor
        "losses": 1e-06,  # worst 1.4e-07 x4 is below the floor
        "outputs": 2e-06,  # worst 3.2e-07 (seq.vgg_like, avx2, tf212) x4
        "schedule": 1e-06,  # worst 0 x4 is below the floor
        "weights": 0.0006,  # worst 0.00013 (attn.se_cnn, native, tf212) x4
    },
    "keras3": {
        "fit_weights": 0.05,  # worst 0.012 (attn.se_cnn.recipe, avx2-no-onednn, tf221) x4
        "gradients": 0.0007,  # worst 0.00017 (attn.se_cnn, avx2, tf216) x4
        "history": 1e-06,  # worst 1.2e-07 x4 is below the floor
        "losses": 1e-06,  # worst 1.4e-07 x4 is below the floor
        "outputs": 2e-06,  # worst 3.4e-07 (func.layer_nodes, avx2, tf216) x4
        "schedule": 1e-06,  # worst 0 x4 is below the floor
        "weights": 0.0008,  # worst 0.00018 (attn.se_cnn, avx2, tf221) x4
    },
}


def _round_up(value: float) -> float:
    """Up to one significant digit: 3.2e-5 -> 4e-5."""
    if value <= 0:
        return 0.0
    exponent = math.floor(math.log10(value))
    digit = math.ceil(round(value / 10 ** exponent, 9))
    return float(f"{digit}e{exponent}")


def measurement_files() -> list[pathlib.Path]:
    return sorted(MEASUREMENTS.glob("golden-tf*.json"))


def generation_of(keras_version: str) -> str:
    return f"keras{keras_version.split('.')[0]}"


def worst_measured(paths=None) -> dict[str, dict[str, tuple[float, str]]]:
    """generation -> quantity -> (worst normalized error over the promised emulations, where)."""
    worst: dict[str, dict[str, tuple[float, str]]] = {}
    for path in paths or measurement_files():
        data = json.loads(pathlib.Path(path).read_text())
        env = pathlib.Path(path).stem.removeprefix("golden-")
        found_here = worst.setdefault(generation_of(data["keras"]), {})
        for emulation, found in data["emulations"].items():
            if not found.get("promised", True):
                continue
            for entry_id, quantities in found["errors"].items():
                for quantity, error in quantities.items():
                    if error > found_here.get(quantity, (-1.0, ""))[0]:
                        found_here[quantity] = (error, f"{entry_id}, {emulation}, {env}")
    return worst


def by_the_rule(error: float) -> float:
    return max(_round_up(MARGIN * error), FLOOR)


def derive(paths=None) -> dict[str, dict[str, float]]:
    return {generation: {quantity: by_the_rule(error) for quantity, (error, _) in sorted(found.items())}
            for generation, found in sorted(worst_measured(paths).items())}


def table_source(paths=None) -> str:
    """TOLERANCES as the rule gives it, with each value's provenance, to paste above."""
    lines = ["TOLERANCES = {"]
    for generation, found in sorted(worst_measured(paths).items()):
        lines.append(f"    {generation!r}: {{")
        for quantity, (error, where) in sorted(found.items()):
            value = by_the_rule(error)
            why = (f"worst {error:.2g} ({where}) x{MARGIN}" if value > FLOOR
                   else f"worst {error:.2g} x{MARGIN} is below the floor")
            lines.append(f"        {quantity!r}: {value!r},  # {why}")
        lines.append("    },")
    return "\n".join(lines + ["}"]).replace("'", '"')


def for_this_generation() -> dict[str, float]:
    from keras_upgrade_gate.layers import compat

    return TOLERANCES[compat.GENERATION]


if __name__ == "__main__":
    print(table_source())
