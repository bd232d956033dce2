"""Numerical parity: the float32 CPU reference against XLA, mixed precision and GPU paths.

Forward outputs, gradients of a scalar loss w.r.t. every weight, and the weights after a
few SGD steps from the same NumPy-drawn start.  Tolerances: conformance/tolerances.py.
GPU cases skip with "no GPU visible" here and run unchanged where TensorFlow sees a GPU.
"""
from __future__ import annotations

import pytest

from keras_upgrade_gate.conformance import baselines, expect, repro
from keras_upgrade_gate.conformance.expectations import expected, outcome_of
from keras_upgrade_gate.conformance.parity import REFERENCE, TARGETS, errors, gpu_visible, run_path
from keras_upgrade_gate.conformance.tolerances import tolerance
from keras_upgrade_gate.layers import catalog, compat

pytestmark = pytest.mark.parity

ENTRIES = catalog.buildable()
CASES = [pytest.param(entry, path, id=f"{entry.id}-{path.name}",
                      marks=[pytest.mark.expensive("parity"), *([pytest.mark.gpu] if path.device == "GPU" else [])])
         for entry in ENTRIES for path in TARGETS]

_REFERENCES: dict = {}


def _reference(entry_id):
    if entry_id not in _REFERENCES:
        _REFERENCES[entry_id] = run_path(entry_id, REFERENCE)
    return _REFERENCES[entry_id]


@pytest.fixture
def float32_on_gpu():
    """TF32 would round float32 matmuls on Ampere and later: off for float32 parity."""
    compat.set_tensor_float_32(False)
    yield
    compat.set_tensor_float_32(True)


@pytest.mark.shared_cache("parity")
@pytest.mark.parametrize("entry,path", CASES)
def test_path_matches_the_cpu_reference(entry, path, record_property, float32_on_gpu):
    if path.device == "GPU" and not gpu_visible():
        pytest.skip("no GPU visible")
    if path.generic_rnn and not compat.CAN_CHOOSE_RNN_KERNEL:
        pytest.skip("Keras 2 chooses the recurrent kernel itself")
    reference = _reference(entry.id)
    row = expected(f"parity:{entry.id}:{path.name}")
    if row is not None:  # a path that some versions cannot run: its outcome is recorded and strict
        observed, target = outcome_of(lambda: run_path(entry.id, path))
        expect.outcome(entry.id, row.check, f"parity {path.name} runs", observed, record_property)
        if observed != "ok":
            return
    else:
        target = run_path(entry.id, path)
    if path.device == "GPU" and target["rnn_kernels"]:
        record_property("rnn_kernels", target["rnn_kernels"])
    # A failure records its reproduction: both paths from the gate's weights, compared with its tolerances.
    if path.generic_rnn:  # the script cannot choose the recurrent kernel: judged without one
        _compare(entry, path, reference, target, record_property)
        return
    with repro.on_failure(record_property, lambda: repro.parity(entry.id, f"parity {path.name}", path)):
        _compare(entry, path, reference, target, record_property)


def _compare(entry, path, reference, target, record_property):
    pair = f"{REFERENCE.name} vs {path.name}"
    for kind in ("outputs", "gradients", "weights"):
        names = ([f"output {i}" for i in range(len(reference[kind]))] if kind == "outputs"
                 else reference["weight_names"])
        atol, rtol, source = tolerance(entry.id, path.name, path.dtype, kind)
        worst = {"max_abs": 0.0, "max_rel": 0.0}
        for _name, a, b in zip(names, reference[kind], target[kind]):
            observed = errors(a, b)
            worst = {k: max(worst[k], observed[k]) for k in worst}
        record_property(f"parity {pair} {kind}", worst)
        for name, a, b in zip(names, reference[kind], target[kind]):
            expect.close(entry.id, f"parity {pair}, {kind} ({source})", a, b, atol=atol, rtol=rtol,
                         what=f"{kind[:-1]} {name}")


@baselines.SEEDS_ONLY  # the overrides name seed entries
def test_tolerance_overrides_name_existing_cases():
    from keras_upgrade_gate.conformance.tolerances import OVERRIDES

    known = {(entry.id, path.name) for entry in ENTRIES for path in TARGETS}
    stale = sorted(key for key in OVERRIDES if key[:2] not in known)
    assert not stale, f"conformance/tolerances.py overrides cases that no longer exist: {stale}"
