"""Pytest plugin for the gate's subprocess: applies the injection named by $GATE_INJECT, the call perturbation
$GATE_PERTURB names (selftest/perturb.py), or the mechanical mutant $GATE_MUTANT specifies (selftest/mutants.py).

Loaded with ``-p keras_upgrade_gate.selftest.plugin``; without $GATE_INJECT it does nothing (the clean run).
"""
from __future__ import annotations

import os

from keras_upgrade_gate.selftest.injections import BY_NAME, Patcher

_patcher = Patcher()


def pytest_configure(config):
    apply(_patcher)
    # A check that runs a child process of its own (a team's saved files) imports this there too.
    os.environ["GATE_CHILD_IMPORTS"] = "keras_upgrade_gate.selftest.child"


def apply(patcher) -> None:
    """The injection or mutant the environment names, applied with ``patcher``."""
    name = os.environ.get("GATE_INJECT")
    if name:
        from keras_upgrade_gate.layers import compat

        patch = BY_NAME[name].patch_for(compat.IS_KERAS3)  # a KeyError names an unknown injection
        if patch is None:
            raise RuntimeError(f"injection {name!r} has no form for Keras {compat.KERAS_VERSION}")
        patch(patcher)
    perturbed = os.environ.get("GATE_PERTURB")
    if perturbed:
        from keras_upgrade_gate.selftest import perturb

        perturb.apply(perturbed, patcher)
    mutant = os.environ.get("GATE_MUTANT")
    if mutant:
        from keras_upgrade_gate.selftest import mutants

        mutants.apply(mutant, patcher)


def pytest_report_header(config):
    name, mutant, perturbed = (os.environ.get(v) for v in ("GATE_INJECT", "GATE_MUTANT", "GATE_PERTURB"))
    return (f"selftest: injected regression {name!r}" if name else f"selftest: mutant {mutant}" if mutant else
            f"selftest: perturbed {perturbed}" if perturbed else None)


def pytest_unconfigure(config):
    if os.environ.get("GATE_PERTURB") and os.environ.get("GATE_ENV"):
        from keras_upgrade_gate.selftest import perturb

        perturb.record_changes(os.environ["GATE_ENV"])
    _patcher.undo()
