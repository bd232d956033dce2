"""Pytest plugin for the gate's subprocess: applies the injection named by $GATE_INJECT.

Loaded with ``-p selftest.plugin``; without $GATE_INJECT it does nothing (the clean run).
"""
from __future__ import annotations

import os

from selftest.injections import BY_NAME, Patcher

_patcher = Patcher()


def pytest_configure(config):
    name = os.environ.get("GATE_INJECT")
    if name:
        BY_NAME[name].patch(_patcher)  # a KeyError names an unknown injection


def pytest_report_header(config):
    name = os.environ.get("GATE_INJECT")
    return f"selftest: injected regression {name!r}" if name else None


def pytest_unconfigure(config):
    _patcher.undo()
