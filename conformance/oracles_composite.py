"""NumPy references for the composite layers: multi-head attention, TimeDistributed, and the seeds'
custom layers, built from the primitives of conformance/oracles.py.

A composite layer chains products, sums and element-wise functions; each step here takes References
(value and float32 bound) and returns one, so the bound follows the error through the whole chain by
the same rules as oracles.py (Higham's gamma(n) for every sum of n products, a few ulps per rounding,
an input's bound carried through by the step's derivative).  Weights are exact inputs: they are the
float32 numbers Keras holds.
"""
from __future__ import annotations

import numpy as np

from keras_upgrade_gate.conformance.oracles import (
    ULPS,
    Reference,
    U,
    activation,
    gamma,
    global_average_pool2d,
    sigmoid,
    softmax,
)


def exact(x) -> Reference:
    value = np.asarray(x, dtype="float64")
    return Reference(value, np.zeros_like(value))


def contract(subscripts: str, a: Reference, b: Reference, n: int) -> Reference:
    """einsum of two inexact operands over n products per result: the rounding of the sum of the
    carried magnitudes plus each operand's error times the other's magnitude."""
    size_a, size_b = np.abs(a.value) + a.bound, np.abs(b.value) + b.bound
    value = np.einsum(subscripts, a.value, b.value)
    bound = (gamma(n) * np.einsum(subscripts, size_a, size_b) + np.einsum(subscripts, a.bound, np.abs(b.value))
             + np.einsum(subscripts, size_a, b.bound))
    return Reference(value, bound)


def plus(a: Reference, b) -> Reference:
    b = b if isinstance(b, Reference) else exact(b)
    value = a.value + b.value
    return Reference(value, a.bound + b.bound + U * np.abs(value))


def times(a: Reference, b) -> Reference:
    b = b if isinstance(b, Reference) else exact(b)
    value = a.value * b.value
    return Reference(value, a.bound * (np.abs(b.value) + b.bound) + np.abs(a.value) * b.bound + U * np.abs(value))


def scaled(a: Reference, factor: float) -> Reference:
    """a times a constant Keras rounds to float32 first (one rounding of the factor, one of the product)."""
    value = a.value * factor
    return Reference(value, a.bound * abs(factor) + 2 * U * np.abs(value))


def dense(x: Reference, kernel, bias=None, activation_name="linear") -> Reference:
    """The affine map over the last axis of an inexact input."""
    out = contract("...i,io->...o", x, exact(kernel), kernel.shape[0] + 1)
    if bias is not None:
        out = plus(out, bias)
    return activation(out, activation_name)


def layer_norm(x: Reference, gamma_, beta, epsilon) -> Reference:
    """LayerNormalization of an inexact input: the input's error moves the centred value by at most
    twice its largest element error and the variance by the matching amount; plus the rounding of the
    computation itself (oracles.layer_norm's rule)."""
    gamma_, beta = np.asarray(gamma_, "float64"), np.asarray(beta, "float64")
    width = x.value.shape[-1]
    mean = x.value.mean(axis=-1, keepdims=True)
    centred = x.value - mean
    variance = (centred ** 2).mean(axis=-1, keepdims=True)
    scale = 1.0 / np.sqrt(variance + epsilon)
    value = gamma_ * centred * scale + beta
    error = x.bound.max(axis=-1, keepdims=True)
    variance_error = 4 * error * np.abs(centred).mean(axis=-1, keepdims=True) + 4 * error ** 2
    carried = np.abs(gamma_) * scale * (2 * error + np.abs(centred) * variance_error / (2 * (variance + epsilon)))
    rounding = gamma(2 * width + 8) * (np.abs(gamma_) * (np.abs(centred) + np.abs(mean) + np.sqrt(variance)) * scale
                                       + np.abs(beta)) + ULPS * U * np.abs(value)
    return Reference(value, carried + rounding)


def batch_norm_inference(x: Reference, gamma_, beta, moving_mean, moving_variance, epsilon) -> Reference:
    gamma_, beta, moving_mean, moving_variance = (np.asarray(a, "float64") for a in
                                                  (gamma_, beta, moving_mean, moving_variance))
    scale = gamma_ / np.sqrt(moving_variance + epsilon)
    value = (x.value - moving_mean) * scale + beta
    rounding = 8 * U * ((np.abs(x.value) + np.abs(moving_mean)) * np.abs(scale) + np.abs(beta)) + ULPS * U * np.abs(value)
    return Reference(value, x.bound * np.abs(scale) + rounding)


# --- multi-head attention -------------------------------------------------------------------------

def projection_bias(x: Reference, bias, along_axis_1: bool = False) -> Reference:
    """x + bias, by NumPy broadcasting; with ``along_axis_1`` as Keras 3.10+'s TensorFlow ``ops.add`` does
    it: a bias that squeezes to one axis of length n, added to an x whose axis 1 has length n and whose
    last axis has not, goes along axis 1 (tf.nn.bias_add, NCHW) instead of its own axes (the row
    ``oracle:EinsumDense.bias_broadcast`` says which a version does)."""
    bias = np.asarray(bias, dtype="float64")
    long_axes = [d for d in bias.shape if d > 1]
    shape = x.value.shape
    if along_axis_1 and len(long_axes) == 1 and shape[1] == long_axes[0] and shape[-1] != long_axes[0]:
        bias = bias.reshape((1, -1) + (1,) * (len(shape) - 2))
    return plus(x, bias)


def multi_head_attention(query, value, weights, key=None, keep=None, bias_along_axis_1=False) -> Reference:
    """keras.layers.MultiHeadAttention without dropout: the query, key and value projections
    (kernels (width, heads, key_dim)), the query scaled by 1/sqrt(key_dim), scores per head, a softmax
    over the keys (``keep``: (batch, queries, keys), False where the attention mask hides a key), the
    weighted sum of the values and the output projection (kernel (heads, key_dim, width)).
    ``bias_along_axis_1``: the projections' bias as Keras 3.10+ adds it (``projection_bias``)."""
    query_kernel, query_bias, key_kernel, key_bias, value_kernel, value_bias, out_kernel, out_bias = weights
    query, value = exact(query), exact(value)
    key = value if key is None else exact(key)
    width, heads, key_dim = query_kernel.shape
    q = projection_bias(contract("btw,whk->bthk", query, exact(query_kernel), width), query_bias, bias_along_axis_1)
    k = projection_bias(contract("btw,whk->bthk", key, exact(key_kernel), key.value.shape[-1]), key_bias,
                        bias_along_axis_1)
    v = projection_bias(contract("btw,whk->bthk", value, exact(value_kernel), value.value.shape[-1]), value_bias,
                        bias_along_axis_1)
    q = scaled(q, 1.0 / np.sqrt(float(key_dim)))
    scores = contract("bqhk,bshk->bhqs", q, k, key_dim)
    attention = softmax(scores, -1, None if keep is None else np.asarray(keep)[:, None])
    attended = contract("bhqs,bshk->bqhk", attention, v, k.value.shape[1])
    out = contract("bqhk,hko->bqo", attended, exact(out_kernel), heads * key_dim)
    return plus(out, out_bias)


# --- the seeds' custom layers (layers/custom.py) --------------------------------------------------

def attention_over_time(x, kernel, keep=None) -> Reference:
    """AttentionLayer (seed 000): x * softmax over time of x . W."""
    x = exact(x)
    logits = contract("btw,wo->bto", x, exact(kernel), kernel.shape[0])
    return times(x, softmax(logits, 1, None if keep is None else np.asarray(keep)[:, :, None]))


def prob_attention(x, kernel, keep=None) -> Reference:
    """ProbAttention (seed 003): the sum over time of softmax(x . w) x (masked steps weigh 0)."""
    x = exact(x)
    logits = contract("btw,wo->bto", x, exact(kernel), kernel.shape[0])
    weights = softmax(logits, 1, None if keep is None else np.asarray(keep)[:, :, None])
    return contract("bto,btw->bw", weights, x, x.value.shape[1])


def squeeze_excitation(x, dense_1, norm_1, dense_2, norm_2, epsilon) -> Reference:
    """SELayer (seed 002) at inference: the channel means, Dense, BatchNorm, relu, Dense, BatchNorm,
    sigmoid; the channel weights scale the input.  dense_*: (kernel, bias); norm_*: (gamma, beta,
    moving mean, moving variance)."""
    squeezed = global_average_pool2d(x)
    x = exact(x)
    hidden = batch_norm_inference(dense(squeezed, *dense_1), *norm_1, epsilon)
    hidden = activation(hidden, "relu")
    channel = batch_norm_inference(dense(hidden, *dense_2), *norm_2, epsilon).then(sigmoid, 0.25)
    return times(x, Reference(channel.value[:, None, None, :], channel.bound[:, None, None, :]))


def self_attention_block(x, attention_weights, norm_1, proj, out, norm_2, epsilon, bias_along_axis_1=False) -> Reference:
    """SelfAttentionLayer (seed 001): MultiHeadAttention(x, x), residual + LayerNorm, Dense(relu),
    Dense, residual + LayerNorm.  norm_*: (gamma, beta); proj/out: (kernel, bias)."""
    attended = multi_head_attention(x, x, attention_weights, bias_along_axis_1=bias_along_axis_1)
    hidden = layer_norm(plus(exact(x), attended), *norm_1, epsilon)
    block = dense(dense(hidden, *proj, "relu"), *out)
    return layer_norm(plus(hidden, block), *norm_2, epsilon)
