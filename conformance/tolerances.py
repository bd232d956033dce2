"""Parity tolerances: one table keyed by (dtype, check kind), overrides next to their cases.

Starting points are torch.testing.assert_close's defaults (float32 rtol 1.3e-6 / atol 1e-5,
float16 1e-3 / 1e-5, bfloat16 1.6e-2 / 1e-5).  The rtol stays at those defaults; each atol
is set from measurement: the smallest atol that passes every entry on every environment of
the matrix (fixtures/measurements/parity-<env>.json, written by `python -m keras_upgrade_gate.conformance.parity`),
times the margin below, rounded up.  Multi-step training ("weights") and gradients get their
own rows because their errors compound.
"""
from __future__ import annotations

MARGIN = 4  # measured x4: rounding differences pass, a changed kernel or a dropped cast does not

RTOL = {
    ("float32", "outputs"): 1.3e-6, ("float32", "gradients"): 1.3e-6, ("float32", "weights"): 1.3e-6,
    ("float16", "outputs"): 1e-3, ("float16", "gradients"): 1e-3, ("float16", "weights"): 1e-3,
    ("bfloat16", "outputs"): 1.6e-2, ("bfloat16", "gradients"): 1.6e-2, ("bfloat16", "weights"): 1.6e-2,
}

# atol per (dtype, kind): the 90th percentile over every entry and environment of the smallest
# passing atol, x MARGIN, rounded up, never below torch's 1e-5.  Measured on tf215 and tf221
# (fixtures/measurements/parity-*.json).
ATOL = {
    ("bfloat16", "gradients"): 0.3,  # 90th percentile 0.064 x4; largest 0.45 (override below)
    ("bfloat16", "outputs"): 0.03,  # 90th percentile 0.0063 x4; largest 0.0082 (override below)
    ("bfloat16", "weights"): 0.004,  # 90th percentile 0.00077 x4; largest 0.018 (override below)
    ("float16", "gradients"): 0.06,  # 90th percentile 0.013 x4; largest 0.17 (override below)
    ("float16", "outputs"): 0.008,  # 90th percentile 0.002 x4; largest 0.055 (override below)
    ("float16", "weights"): 0.0002,  # 90th percentile 4.3e-05 x4; largest 0.013 (override below)
    ("float32", "gradients"): 1e-05,  # 90th percentile 2.4e-07 x4; largest 4.5e-06 (override below)
    ("float32", "outputs"): 1e-05,  # largest measured 1.6e-06
    ("float32", "weights"): 1e-05,  # largest measured 1.8e-07
}

# (entry id, path name, kind) -> (atol, reason): the cases above the table's atol, each at its
# own measured worst x MARGIN.  Low precision errors scale with the magnitude of the values.
OVERRIDES = {
    ("attn.se_cnn", "cpu_mixed_bfloat16", "gradients"): (2.0, "measured 0.45 on tf215; three BatchNorm bottlenecks and a 16k-wide Dense: gradients of O(10)"),
    ("attn.se_cnn", "cpu_mixed_bfloat16", "weights"): (0.08, "measured 0.018 on tf221; three BatchNorm bottlenecks and a 16k-wide Dense: gradients of O(10)"),
    ("attn.se_cnn", "cpu_mixed_float16", "gradients"): (0.8, "measured 0.17 on tf215; three BatchNorm bottlenecks and a 16k-wide Dense: gradients of O(10)"),
    ("attn.se_cnn", "cpu_mixed_float16", "weights"): (0.06, "measured 0.013 on tf221; three BatchNorm bottlenecks and a 16k-wide Dense: gradients of O(10)"),
    ("attn.se_cnn", "cpu_xla", "gradients"): (2e-05, "measured 4.5e-06 on tf221; three BatchNorm bottlenecks and a 16k-wide Dense: gradients of O(10)"),
    ("attn.self_attention_block", "cpu_mixed_bfloat16", "outputs"): (0.04, "measured 0.0082 on tf215; two LayerNorms and an 8-way softmax rounded to bfloat16's 8-bit mantissa"),
    ("attn.self_attention_seq", "cpu_mixed_bfloat16", "outputs"): (0.04, "measured 0.0082 on tf215; two LayerNorms and an 8-way softmax rounded to bfloat16's 8-bit mantissa"),
    ("func.layer_node_shapes", "cpu_mixed_bfloat16", "gradients"): (0.8, "measured 0.18 on tf215; a Conv2D with no activation on 64x64 inputs: gradients summed over 4k positions"),
    ("func.layer_node_shapes", "cpu_mixed_bfloat16", "weights"): (0.02, "measured 0.0042 on tf215; a Conv2D with no activation on 64x64 inputs: gradients summed over 4k positions"),
    ("func.residual", "cpu_mixed_bfloat16", "gradients"): (1.5, "measured 0.3 on tf215; a Conv2D with no activation plus its input: gradients summed over every position"),
    ("func.residual", "cpu_mixed_bfloat16", "weights"): (0.025, "measured 0.0062 on tf215; a Conv2D with no activation plus its input: gradients summed over every position"),
    ("func.shared_vision", "cpu_mixed_float16", "gradients"): (0.2, "measured 0.044 on tf221; two Conv2D layers with no activation: gradients of O(10)"),
    ("func.shared_vision", "cpu_mixed_float16", "weights"): (0.002, "measured 0.00043 on tf221; two Conv2D layers with no activation: gradients of O(10)"),
    ("func.time_distributed_model", "cpu_mixed_float16", "outputs"): (0.015, "measured 0.0032 on tf215; Dense over 784 inputs, 20 steps: outputs of O(1) accumulated in float16"),
    ("seq.add", "cpu_mixed_float16", "outputs"): (0.25, "measured 0.055 on tf215; Dense(32) over 784 inputs with no softmax after it: outputs of O(10)"),
    ("seq.conv1d_classifier", "cpu_mixed_float16", "gradients"): (0.1, "measured 0.021 on tf221; Conv1D over 100 channels: gradients of O(1) summed in float16"),
    ("seq.conv1d_classifier", "cpu_mixed_float16", "weights"): (0.0004, "measured 8.2e-05 on tf221; Conv1D over 100 channels: gradients of O(1) summed in float16"),
    ("seq.from_list", "cpu_mixed_float16", "outputs"): (0.01, "measured 0.0021 on tf215; Dense over 784 inputs: pre-softmax values of O(10)"),
}


def tolerance(entry_id: str, path_name: str, dtype: str, kind: str) -> tuple[float, float, str]:
    """(atol, rtol, where the numbers come from) for one comparison."""
    rtol = RTOL[(dtype, kind)]
    if (entry_id, path_name, kind) in OVERRIDES:
        atol, reason = OVERRIDES[(entry_id, path_name, kind)]
        return atol, rtol, f"override: {reason}"
    return ATOL[(dtype, kind)], rtol, "table"
