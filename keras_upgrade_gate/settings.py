"""Where the gate's settings come from, in one place.

A team sets the gate in the ``[tool.keras-upgrade-gate]`` table of the pyproject.toml where it runs (``models``,
``baselines``: layers/sources.py reads them) and on the command line (``keras-gate run --env --tier``, pytest
arguments after ``--``).  Environment variables remain as overrides, and every one the gate reads is listed
below with what it sets; ``test_settings`` fails on a variable read anywhere in the gate and missing here.
"""
from __future__ import annotations

# Overrides a person may set.
OVERRIDES = {
    "GATE_MODELS": "the modules that register the catalogue (the table's models); comma-separated",
    "GATE_BASELINES": "the folder of the catalogue's baselines (the table's baselines)",
    "GATE_ENV": "the environment's name: reports/<env>/ and the writer name of its saved files (--env; tox sets it)",
    "GATE_TIER": "default or full (--tier)",
    "GATE_WORKERS": "pytest-xdist workers (default: one per core; 1 runs serially; toxfile.py shares the cores)",
    "GATE_BUDGET_SECONDS": "the default tier's budget, instead of the yardstick's (conformance/yardstick.py)",
    "GATE_SUMMARY_LAYOUT": "the summary snapshot layout, for a Keras the gate does not know yet (layers/compat.py)",
    "GATE_CONFIG_LAYOUT": "the config snapshot layout, likewise",
    "GATE_BROWSER": "the Chromium the report tools' tests drive",
    "GATE_TRACE_CALLS": "1: record the Keras callables each check reaches into results.json (tox sets it; conformance/calls.py)",
    "HYPOTHESIS_PROFILE": "thorough: the oracles' hypothesis search wider, not derandomized",
}

# Set by the gate for its own processes, never by a person.
CHANNELS = {
    "GATE_SUPERVISED": "the watched child of conformance/gate.py runs the checks itself",
    "GATE_IMPORT_SECONDS": "TensorFlow's import time, from the runner to the report",
    "GATE_YARDSTICK_SECONDS": "this machine's yardstick, from the runner to the report",
    "GATE_SELECTED": "whether the runner's arguments chose checks, from the runner to results.json",
    "GATE_INJECT": "the selftest's injected regression (selftest/plugin.py)",
    "GATE_CHILD_IMPORTS": "modules a check's own child process imports first (the selftest's injections reach it)",
    "GATE_ENTRIES": "the entries whose checks a selftest run keeps (selftest/perturb.py; (suite): checks about Keras)",
    "GATE_PERTURB": "the selftest's perturbed Keras callable (selftest/perturb.py)",
    "GATE_MUTANT": "the selftest's mechanical mutation (selftest/mutants.py)",
    "SELFTEST_FORK": "0: the selftest starts each gate run as a fresh interpreter instead of a fork",
    "SELFTEST_STABILITY": "1: the selftest's stability check also on Keras 2",
    "SELFTEST_TIERS": "the tiers the selftest's injections run in",
}

# Read from TensorFlow's, Keras's and the terminal's own settings: not the gate's.
NOT_THE_GATES = ("COLUMNS", "TF_CPP_MIN_LOG_LEVEL", "TF_FORCE_GPU_ALLOW_GROWTH", "TF_NUM_INTRAOP_THREADS",
                 "TF_NUM_INTEROP_THREADS", "TF_USE_LEGACY_KERAS", "CUDA_VISIBLE_DEVICES")
