"""Other CPUs, emulated on this one: where the CPU enters a run, and how to make it another CPU.

A run's numbers depend on the CPU in three places, each with its own switch read at start-up:
- NumPy picks SIMD kernels at run time (``NPY_DISABLE_CPU_FEATURES`` turns dispatch targets off);
- oneDNN JIT-compiles its kernels for the best instruction set it finds (``ONEDNN_MAX_CPU_ISA``
  caps it), and TensorFlow's matrix products go through oneDNN's sgemm;
- TensorFlow's oneDNN graph rewrites (``TF_ENABLE_ONEDNN_OPTS=0`` leaves Eigen's own kernels).

Each emulation sets these before TensorFlow starts, in a child process:

    python -m keras_upgrade_gate.conformance.cpus measure          # golden errors per emulation -> fixtures/measurements/
    python -m keras_upgrade_gate.conformance.cpus run [PYTEST...]  # the gate's default tier under every emulation

(``tox -e cpus`` runs the second on the default TensorFlow.)
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
MEASUREMENTS = ROOT / "fixtures" / "measurements"


def _numpy_dispatch() -> list[str]:
    try:
        from numpy._core import _multiarray_umath as umath  # NumPy 2
    except ImportError:  # NumPy 1.x
        from numpy.core import _multiarray_umath as umath
    return list(umath.__cpu_dispatch__)


def _numpy_targets_above(level: str) -> str:
    """NumPy's dispatch targets above AVX2 ("avx2") or above SSE4.2 ("sse42"), as its switch takes them."""
    avx2_level = {"AVX", "F16C", "FMA3", "AVX2", "X86_V3"}
    targets = [t for t in _numpy_dispatch() if t.startswith("AVX512") or t == "X86_V4"
               or (level == "sse42" and t in avx2_level)]
    return " ".join(targets)


def emulations(everything: bool = False) -> dict[str, dict[str, str]]:
    """name -> the environment that makes this machine compute like that CPU.  The gate's verdict is
    promised on x86-64 CPUs with AVX2 (and FMA) or better; ``everything`` adds the older ones it is
    measured on but not promised for (see OUT_OF_SCOPE)."""
    found = {
        "native": {},
        # An AVX2 CPU without AVX-512 (the AMD EPYC of the golden issue, Intel before Skylake-SP).
        "avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2", "NPY_DISABLE_CPU_FEATURES": _numpy_targets_above("avx2")},
        # The same CPU with oneDNN's rewrites off, as the report also ran it.
        "avx2-no-onednn": {"ONEDNN_MAX_CPU_ISA": "AVX2", "TF_ENABLE_ONEDNN_OPTS": "0",
                           "NPY_DISABLE_CPU_FEATURES": _numpy_targets_above("avx2")},
    }
    if everything:
        # The oldest CPU TensorFlow's wheels start on: AVX without AVX2 or FMA (Sandy Bridge, 2011).
        found["avx"] = {"ONEDNN_MAX_CPU_ISA": "AVX", "NPY_DISABLE_CPU_FEATURES": _numpy_targets_above("sse42")}
    return found


OUT_OF_SCOPE = {
    "avx": "no FMA: every multiply-add rounds twice, and after a step a ReLU input that sat within rounding "
           "of 0 can fall on the other side, which reroutes the gradients below it (seq.vgg_like's "
           "convolutions: 0.3% at step 1, 3% at step 2; measured, fixtures/measurements/golden-*.json)",
}


# What an emulation cannot imitate, and the checks it leaves to real CPUs of that kind.  TensorFlow
# decides whether to hand a low-precision dtype to oneDNN from the real CPUID: bfloat16 where the CPU has
# AVX512_BF16, float16 where it has AVX512_FP16 (the Sapphire Rapids of this stop has both: mixed_float16
# parity then crashed the worker with a segmentation fault under the AVX2 cap, seed and team models alike);
# oneDNN capped below AVX-512 has no kernel for it and aborts the process.  A real AVX2 CPU is never handed
# them (issue 14's AMD EPYC passed every mixed-precision parity case), and with oneDNN's rewrites off
# nothing is routed, so those emulations run every case.
ROUTED_TO_ONEDNN = {"avx512_bf16": "cpu_mixed_bfloat16", "avx512_fp16": "cpu_mixed_float16"}


def not_emulated(name: str, cpu_flags=None) -> tuple[list[str], str]:
    """(pytest arguments leaving out what this emulation cannot imitate on this CPU, why)."""
    emulation = emulations(everything=True)[name]
    if "ONEDNN_MAX_CPU_ISA" not in emulation or emulation.get("TF_ENABLE_ONEDNN_OPTS") == "0":
        return [], ""
    flags = set(cpu_description()["isa"] if cpu_flags is None else cpu_flags)
    paths = [path for flag, path in ROUTED_TO_ONEDNN.items() if flag in flags]
    if not paths:
        return [], ""
    return (["-k", " and ".join(f"not {path}" for path in paths)],
            f"{', '.join(paths)} parity: TensorFlow routes the dtype to oneDNN by the real CPUID "
            f"({', '.join(f for f in ROUTED_TO_ONEDNN if f in flags)}), and oneDNN capped at "
            f"{emulation['ONEDNN_MAX_CPU_ISA']} aborts; a real CPU of that kind runs them unrouted")


def cpu_description() -> dict:
    flags = []
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "flags")):
                key, _, value = line.partition(":")
                flags.append((key.strip(), value.strip()))
    except OSError:
        pass
    info = dict(flags)
    isa = [f for f in info.get("flags", "").split() if f.startswith(("avx", "fma", "sse4"))]
    return {"model": info.get("model name", platform.processor()), "isa": isa, "cores": os.cpu_count()}


def child_env(emulation: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("ONEDNN_MAX_CPU_ISA", "NPY_DISABLE_CPU_FEATURES", "TF_ENABLE_ONEDNN_OPTS"):
        env.pop(key, None)
    env.update(emulation)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def measure(env_name: str, modules: list[str]) -> pathlib.Path:
    """Run each module's ``--errors`` under every emulation; write the largest errors per entry."""
    found = {}
    for name, emulation in emulations(everything=True).items():
        found[name] = {"environment": emulation, "errors": {}, "promised": name not in OUT_OF_SCOPE,
                       **({"why_not": OUT_OF_SCOPE[name]} if name in OUT_OF_SCOPE else {})}
        for module in modules:
            print(f"cpus: {module} under {name} {emulation}", file=sys.stderr, flush=True)
            done = subprocess.run([sys.executable, "-m", module, "--errors"], env=child_env(emulation),
                                  cwd=ROOT, check=True, capture_output=True, text=True)
            errors = json.loads(done.stdout.strip().splitlines()[-1])
            for entry_id, quantities in errors.items():
                found[name]["errors"].setdefault(entry_id, {}).update(quantities)
    from keras_upgrade_gate.layers import compat

    path = MEASUREMENTS / f"golden-{env_name}.json"
    path.write_text(json.dumps({
        "what": "each golden quantity's largest error against this generation's baseline, divided by its scale "
                "(conformance/golden.py: scale_of), per emulated CPU (conformance/cpus.py)",
        "tensorflow": compat.TF_VERSION, "keras": compat.KERAS_VERSION, "cpu": cpu_description(),
        "emulations": found}, indent=1, sort_keys=True) + "\n")
    return path


def run_gate(env_name: str, pytest_args: list[str], everything: bool = False, only=None) -> int:
    """The gate's default tier once per emulation; reports in reports/<env>-cpu-<emulation>/."""
    failed = []
    chosen = {name: e for name, e in emulations(everything or bool(only)).items() if not only or name in only}
    for name, emulation in chosen.items():
        print(f"\ncpus: the gate as a {name} CPU: {emulation or 'no switches'}", flush=True)
        left_out, why = not_emulated(name)
        if left_out:
            print(f"cpus: not emulated here ({' '.join(left_out)}): {why}", flush=True)
        code = subprocess.call([sys.executable, "-m", "keras_upgrade_gate.conformance.gate", "--env", f"{env_name}-cpu-{name}",
                                *left_out, *pytest_args], env=child_env(emulation))  # here: a team's checkout too
        if code:
            failed.append(name)
    print(f"\ncpus: {len(chosen) - len(failed)} of {len(chosen)} emulated CPUs pass"
          + (f"; failing: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("measure", "run", "list"))
    parser.add_argument("--env", default=os.environ.get("GATE_ENV", "local"))
    parser.add_argument("--all", action="store_true", help="also the CPUs older than AVX2 (not promised)")
    parser.add_argument("--only", nargs="+", choices=sorted(emulations(everything=True)), metavar="CPU",
                        help="only these emulations (run)")
    args, rest = parser.parse_known_args(argv)
    if args.command == "list":
        print(json.dumps(emulations(everything=True), indent=1))
        return 0
    if args.command == "measure":
        print(f"wrote {measure(args.env, ['keras_upgrade_gate.conformance.golden', 'keras_upgrade_gate.conformance.golden_fit'])}")
        return 0
    return run_gate(args.env, rest, everything=args.all, only=args.only)


if __name__ == "__main__":
    sys.exit(main())
