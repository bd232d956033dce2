"""Run a reproduction script with an injected regression applied: ``python -m keras_upgrade_gate.selftest.under_injection
NAME SCRIPT``.  The script stays as a team would run it; only Keras is patched first (selftest/test_repro.py)."""
from __future__ import annotations

import runpy
import sys

from keras_upgrade_gate.layers import compat
from keras_upgrade_gate.selftest.injections import BY_NAME, Patcher

if __name__ == "__main__":
    name, script = sys.argv[1], sys.argv[2]
    BY_NAME[name].patch_for(compat.IS_KERAS3)(Patcher())
    runpy.run_path(script, run_name="__main__")
