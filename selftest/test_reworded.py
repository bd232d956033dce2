"""An expected error raised in new words (same class, same cause named) passes the gate and is shown as
reworded in results.json, the index and the upgrade diff: drift to read, not a regression."""
from __future__ import annotations

import pytest

from keras_upgrade_gate.reporting import compare
from keras_upgrade_gate.selftest.injections import REWORDINGS
from keras_upgrade_gate.selftest.run import keras3, run_gate

pytestmark = pytest.mark.selftest


@pytest.mark.parametrize("rewording", REWORDINGS, ids=lambda r: r.name)
def test_a_reworded_error_passes_and_is_reported_as_reworded(rewording):
    if rewording.patch_for(keras3()) is None:
        pytest.skip(f"{rewording.name} has no Keras 2 form: {rewording.keras2_reason}")
    run = run_gate(rewording.name, rewording.select, inject=rewording.name, extra=("-p", "no:randomly"))
    assert run.returncode == 0 and not run.failures, (
        f"{rewording.name} ({rewording.what}): a reworded error failed the gate: "
        + "; ".join(t["message"][:200] for t in run.failures[:5]) + "\n" + run.output[-1500:])
    shown = {(t["snippet"], compare.reworded(t)["check"]) for t in run.tests if compare.status(t) == compare.REWORDED}
    missing = [pair for pair in rewording.reworded if pair not in shown]
    assert not missing, f"{rewording.name}: not reported as reworded: {missing} (reported: {sorted(shown)})"
