"""NumPy references for the Keras layers, activations, losses and optimizer steps the catalogue uses.

Every numeric baseline elsewhere (golden runs, snapshots, saved outputs) was produced by Keras; a
regression present when a baseline was written is baked into it.  These references are written from
the definitions, in float64, so they do not depend on any Keras being right.

Each reference returns the expected value and a bound on what float32 may differ from it
(``Reference``).  The bounds are the standard forward-error bounds of float32 arithmetic, not
measurements: a sum of n products differs from the exact sum by at most gamma(n) times the sum of the
absolute products, gamma(n) = n u / (1 - n u), u = 2**-24, whatever the summation order, blocking or
fused multiply-add a CPU uses (Higham, Accuracy and Stability of Numerical Algorithms, 3.1).  A
transcendental function (exp, tanh, sigmoid) adds a few units in the last place of its result
(ULPS).  So a bound holds on every CPU; conformance/test_oracles.py records the observed error as a
fraction of its bound, and `python -m keras_upgrade_gate.conformance.cpus run --only avx2 -- -k oracles` re-runs it on
emulated CPUs.
"""
from __future__ import annotations

import dataclasses

import numpy as np

U = 2.0 ** -24  # float32 unit roundoff
ULPS = 8  # units in the last place allowed for one float32 transcendental function (a margin over the
          # few ulps float32 math libraries reach; the measured use of whole bounds is at most 0.48)


# What each oracle check covers: a layer class name, "optimizer:<class>", "loss:<name>", "metric:<name>" or
# "schedule:<class>", to the checks that compare it (filled by @covers; conformance/test_oracle_coverage.py
# requires an entry for everything the catalogue uses).
COVERED: dict[str, list[str]] = {}


def covers(*components: str):
    def mark(test):
        for component in components:
            COVERED.setdefault(component, []).append(test.__name__)
        return test
    return mark


def gamma(n: int) -> float:
    return n * U / (1 - n * U)


@dataclasses.dataclass
class Reference:
    value: np.ndarray
    bound: np.ndarray  # element-wise allowed |float32 result - value|

    def then(self, function, derivative_bound: float, ulps: int = ULPS) -> "Reference":
        """Apply an element-wise function: its float32 rounding and the propagated input error."""
        value = function(self.value)
        return Reference(value, derivative_bound * self.bound + ulps * U * np.abs(value) + ulps * U * 1e-30)


def _f64(*arrays):
    return [np.asarray(a, dtype="float64") for a in arrays]


# --- building blocks ------------------------------------------------------------------------------

def affine(x, kernel, bias=None) -> Reference:
    """x @ kernel + bias over the last axis of x."""
    x, kernel = _f64(x, kernel)
    value = x @ kernel
    magnitude = np.abs(x) @ np.abs(kernel)
    n = kernel.shape[0] + 1
    if bias is not None:
        (bias,) = _f64(bias)
        value, magnitude = value + bias, magnitude + np.abs(bias)
    return Reference(value, gamma(n) * magnitude)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# name: (function, bound on its derivative, ulps of its float32 rounding)
ACTIVATIONS = {
    "linear": (lambda x: x, 1.0, 0),
    "relu": (lambda x: np.maximum(x, 0.0), 1.0, 0),
    "sigmoid": (sigmoid, 0.25, ULPS),
    "tanh": (np.tanh, 1.0, ULPS),
}


def activation(reference: Reference, name: str) -> Reference:
    if name == "softmax":
        return softmax(reference)
    function, derivative, ulps = ACTIVATIONS[name]
    return reference.then(function, derivative, ulps)


def softmax(reference: Reference, axis: int = -1, keep=None) -> Reference:
    """exp(x - max) / sum: a logit error d moves each probability by at most 2 d relatively; so does
    the rounding of x - max itself, one ulp of |x - max| (a probability of 4e-8 sits 17 below the
    maximum: 17 ulps of its own size before exp rounds at all).  Where ``keep`` is False the weight is
    exactly 0 (Keras's masked softmax: a large negative addend, whose exp underflows)."""
    keep = np.ones(reference.value.shape, dtype=bool) if keep is None else \
        np.broadcast_to(np.asarray(keep, dtype=bool), reference.value.shape)
    logits = np.where(keep, reference.value, -np.inf)
    gap = logits - logits.max(axis=axis, keepdims=True)
    shifted = np.exp(gap)
    value = shifted / shifted.sum(axis=axis, keepdims=True)
    width = logits.shape[axis]
    logit_error = (np.where(keep, reference.bound, 0).max(axis=axis, keepdims=True)
                   + U * np.where(keep, np.abs(gap), 0))
    return Reference(value, value * (2 * logit_error + (ULPS + gamma(width) / U + 2) * U))


# --- layers ---------------------------------------------------------------------------------------

def dense(x, kernel, bias, activation_name: str) -> Reference:
    return activation(affine(x, kernel, bias), activation_name)


def _same_padding(size: int, window: int, stride: int) -> tuple[int, int]:
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def conv2d(x, kernel, bias, strides=(1, 1), padding="valid", activation_name="linear") -> Reference:
    """NHWC convolution (cross-correlation, as Keras computes it) by explicit patches."""
    x, kernel, bias = _f64(x, kernel, bias)
    kh, kw, cin, cout = kernel.shape
    if padding == "same":
        (top, bottom), (left, right) = (_same_padding(x.shape[1], kh, strides[0]),
                                        _same_padding(x.shape[2], kw, strides[1]))
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    rows = (x.shape[1] - kh) // strides[0] + 1
    cols = (x.shape[2] - kw) // strides[1] + 1
    patches = np.stack([x[:, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw, :]
                        for i in range(rows) for j in range(cols)], axis=1)
    patches = patches.reshape(x.shape[0], rows, cols, kh * kw * cin)
    return activation(affine(patches, kernel.reshape(kh * kw * cin, cout), bias), activation_name)


def max_pool2d(x, pool=(2, 2), strides=None, padding="valid") -> Reference:
    (x,) = _f64(x)
    strides = strides or pool
    if padding == "same":
        (top, bottom), (left, right) = (_same_padding(x.shape[1], pool[0], strides[0]),
                                        _same_padding(x.shape[2], pool[1], strides[1]))
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=-np.inf)
    rows = (x.shape[1] - pool[0]) // strides[0] + 1
    cols = (x.shape[2] - pool[1]) // strides[1] + 1
    value = np.stack([np.stack([x[:, i * strides[0]:i * strides[0] + pool[0],
                                  j * strides[1]:j * strides[1] + pool[1], :].max(axis=(1, 2))
                                for j in range(cols)], axis=1) for i in range(rows)], axis=1)
    return Reference(value, np.zeros_like(value))  # a maximum is exact


def global_average_pool2d(x) -> Reference:
    (x,) = _f64(x)
    n = x.shape[1] * x.shape[2]
    return Reference(x.mean(axis=(1, 2)), (gamma(n) + 2 * U) * np.abs(x).mean(axis=(1, 2)))


def conv1d(x, kernel, bias, stride=1, padding="valid", activation_name="linear") -> Reference:
    """NWC convolution: the 2-D one over a height of 1."""
    reference = conv2d(np.asarray(x)[:, None], np.asarray(kernel)[None], bias, (1, stride), padding,
                       activation_name)
    return Reference(reference.value[:, 0], reference.bound[:, 0])


def max_pool1d(x, pool=2, padding="valid") -> Reference:
    reference = max_pool2d(np.asarray(x)[:, None], (1, pool), padding=padding)
    return Reference(reference.value[:, 0], reference.bound[:, 0])


def global_average_pool1d(x) -> Reference:
    (x,) = _f64(x)
    n = x.shape[1]
    return Reference(x.mean(axis=1), (gamma(n) + 2 * U) * np.abs(x).mean(axis=1))


def add(*inputs) -> Reference:
    inputs = _f64(*inputs)
    value = sum(inputs)
    return Reference(value, gamma(len(inputs) - 1) * sum(np.abs(x) for x in inputs))


def multiply(*inputs) -> Reference:
    inputs = _f64(*inputs)
    value = np.prod(inputs, axis=0)
    return Reference(value, gamma(len(inputs) - 1) * np.abs(value))  # each product rounds once


def concatenate(inputs, axis=-1) -> Reference:
    value = np.concatenate(_f64(*inputs), axis=axis)
    return Reference(value, np.zeros_like(value))  # copies are exact


def dot_attention(query, value, key=None) -> Reference:
    """Luong (dot-product) attention, as keras.layers.Attention computes it by default: scores
    query . key^T, a softmax over the keys, the weighted sum of the values."""
    query, value = _f64(query, value)
    key = value if key is None else _f64(key)[0]
    scores = Reference(np.einsum("bqd,bkd->bqk", query, key),
                       gamma(query.shape[-1]) * np.einsum("bqd,bkd->bqk", np.abs(query), np.abs(key)))
    weights = softmax(scores)
    out = weights.value @ value
    return Reference(out, weights.bound @ np.abs(value) + gamma(key.shape[1]) * (weights.value @ np.abs(value)))


def embedding(ids, table) -> Reference:
    (table,) = _f64(table)
    value = table[np.asarray(ids)]
    return Reference(value, np.zeros_like(value))  # a lookup is exact


def _normalized(x, mean, variance, gamma_, beta, epsilon, n) -> Reference:
    """gamma (x - mean) / sqrt(variance + epsilon) + beta, with the error of computing mean and
    variance over n values in float32 (relative gamma(2n + 8) on the centred magnitude)."""
    scale = 1.0 / np.sqrt(variance + epsilon)
    value = gamma_ * (x - mean) * scale + beta
    centred = (np.abs(x - mean) + np.abs(mean) + np.sqrt(variance)) * scale
    return Reference(value, gamma(2 * n + 8) * (np.abs(gamma_) * centred + np.abs(beta)) + ULPS * U * np.abs(value))


def layer_norm(x, gamma_, beta, epsilon) -> Reference:
    x, gamma_, beta = _f64(x, gamma_, beta)
    mean = x.mean(axis=-1, keepdims=True)
    variance = x.var(axis=-1, keepdims=True)
    return _normalized(x, mean, variance, gamma_, beta, epsilon, x.shape[-1])


def batch_norm_inference(x, gamma_, beta, moving_mean, moving_variance, epsilon) -> Reference:
    x, gamma_, beta, moving_mean, moving_variance = _f64(x, gamma_, beta, moving_mean, moving_variance)
    return _normalized(x, moving_mean, moving_variance, gamma_, beta, epsilon, 1)


def batch_norm_training(x, gamma_, beta, moving_mean, moving_variance, epsilon, momentum, unbiased=False):
    """(output, new moving mean, new moving variance): normalized by the batch's own statistics
    (the biased variance), the moving statistics moved towards them by 1 - momentum; with
    ``unbiased`` the moving variance moves towards n / (n - 1) times the batch variance (Bessel's
    correction, as TensorFlow's fused batch norm does)."""
    x, gamma_, beta, moving_mean, moving_variance = _f64(x, gamma_, beta, moving_mean, moving_variance)
    axes = tuple(range(x.ndim - 1))
    n = int(np.prod([x.shape[a] for a in axes]))
    mean, variance = x.mean(axis=axes), x.var(axis=axes)
    output = _normalized(x, mean, variance, gamma_, beta, epsilon, n)
    new_mean = moving_mean * momentum + mean * (1 - momentum)
    new_variance = moving_variance * momentum + variance * (n / (n - 1) if unbiased else 1) * (1 - momentum)
    stat_bound = gamma(2 * n + 8)
    return (output,
            Reference(new_mean, stat_bound * (np.abs(moving_mean) + np.abs(x).mean(axis=axes))),
            Reference(new_variance, stat_bound * (moving_variance + (np.abs(x) ** 2).mean(axis=axes) * 4)))


def lstm(x, kernel, recurrent_kernel, bias, mask=None) -> Reference:
    """The last output of an LSTM (gates i, f, c, o; tanh and sigmoid), with a bound that follows the
    error through every step: each gate is bounded like an affine map whose inputs carry the previous
    step's bound.  Where ``mask`` (batch, steps) is False the step is skipped: state and output carry
    over unchanged, so the last output is that of the last unmasked step."""
    x, kernel, recurrent_kernel, bias = _f64(x, kernel, recurrent_kernel, bias)
    keep = np.ones(x.shape[:2], dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    batch, steps, _ = x.shape
    units = recurrent_kernel.shape[0]
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    h_bound = np.zeros_like(h)
    c_bound = np.zeros_like(c)
    n = kernel.shape[0] + units + 1
    for t in range(steps):
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        z_bound = (gamma(n) * (np.abs(x[:, t]) @ np.abs(kernel) + np.abs(h) @ np.abs(recurrent_kernel) + np.abs(bias))
                   + h_bound @ np.abs(recurrent_kernel))
        i, f, g, o = (z[:, k * units:(k + 1) * units] for k in range(4))
        bi, bf, bg, bo = (z_bound[:, k * units:(k + 1) * units] for k in range(4))
        i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
        ulp = ULPS * U
        bi, bf, bo = (0.25 * b + ulp for b in (bi, bf, bo))
        bg = bg + ulp
        c_new = f * c + i * g
        c_bound_new = np.abs(c) * bf + f * c_bound + np.abs(g) * bi + i * bg + 3 * U * np.abs(c_new)
        tanh_c = np.tanh(c_new)
        h_new = o * tanh_c
        h_bound_new = np.abs(tanh_c) * bo + o * (c_bound_new + ulp) + 2 * U * np.abs(h_new)
        step = keep[:, t:t + 1]
        c, c_bound = np.where(step, c_new, c), np.where(step, c_bound_new, c_bound)
        h, h_bound = np.where(step, h_new, h), np.where(step, h_bound_new, h_bound)
    return Reference(h, h_bound)


# --- losses ---------------------------------------------------------------------------------------

EPSILON = 1e-7  # Keras clips probabilities to [epsilon, 1 - epsilon] before taking logs


def categorical_crossentropy(y_true, y_pred) -> Reference:
    y_true, y_pred = _f64(y_true, y_pred)
    y_pred = y_pred / y_pred.sum(axis=-1, keepdims=True)
    clipped = np.clip(y_pred, EPSILON, 1 - EPSILON)
    value = -(y_true * np.log(clipped)).sum(axis=-1)
    width = y_pred.shape[-1]
    return Reference(value, (gamma(2 * width + 4) + ULPS * U) * ((np.abs(y_true) * np.abs(np.log(clipped))).sum(axis=-1) + 1))


def sparse_categorical_crossentropy(labels, y_pred) -> Reference:
    (y_pred,) = _f64(y_pred)
    one_hot = np.eye(y_pred.shape[-1])[np.asarray(labels)]
    return categorical_crossentropy(one_hot, y_pred)


def binary_crossentropy_from_logits(y_true, logits) -> Reference:
    """mean over the last axis of max(z, 0) - z y + log(1 + exp(-|z|)): the stable form Keras uses."""
    y_true, logits = _f64(y_true, logits)
    terms = np.maximum(logits, 0) - logits * y_true + np.log1p(np.exp(-np.abs(logits)))
    magnitude = (np.abs(logits) * (1 + np.abs(y_true)) + 1).mean(axis=-1)
    return Reference(terms.mean(axis=-1), (gamma(logits.shape[-1] + 4) + ULPS * U) * magnitude)


def binary_crossentropy(y_true, y_pred, epsilon_in_log: bool = False) -> Reference:
    """mean over the last axis of -(y log p + (1 - y) log(1 - p)), p clipped to [eps, 1 - eps]; with
    ``epsilon_in_log`` the logs are of p + eps and 1 - p + eps (Keras 2's TensorFlow backend form: a row
    of conformance/expectations.py says which form a version uses)."""
    y_true, y_pred = _f64(y_true, y_pred)
    p = np.clip(y_pred, EPSILON, 1 - EPSILON)
    shift = EPSILON if epsilon_in_log else 0.0
    logs = np.log(p + shift), np.log(1 - p + shift)
    terms = -(y_true * logs[0] + (1 - y_true) * logs[1])
    magnitude = (np.abs(y_true) * np.abs(logs[0]) + np.abs(1 - y_true) * np.abs(logs[1])
                 + 1 / p + 1 / (1 - p)).mean(axis=-1)  # 1/p: the rounding of p and 1 - p through the log
    return Reference(terms.mean(axis=-1), (gamma(y_pred.shape[-1] + 6) + ULPS * U) * magnitude)


# --- metrics: hits per example, and the fraction of them (one rounded mean) -----------------------

def _fraction(hits) -> Reference:
    value = np.asarray(hits, dtype="float64").mean(axis=-1)
    return Reference(value, gamma(np.shape(hits)[-1] + 1) * np.abs(value))


def _hits(hits) -> Reference:
    value = np.asarray(hits, dtype="float64")
    return Reference(value, np.zeros_like(value))  # one 0 or 1 per example: exact


def binary_accuracy(y_true, y_pred, threshold=0.5, per_element=False) -> Reference:
    """The fraction of hits over the last axis per example; ``per_element``: each hit (Keras 3's function
    leaves the mean to the metric object; a row of conformance/expectations.py says which a version does)."""
    y_true, y_pred = _f64(y_true, y_pred)
    hits = y_true == (y_pred > threshold)
    return _hits(hits) if per_element else _fraction(hits)


def categorical_accuracy(y_true, y_pred) -> Reference:
    return _hits(np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1))


def sparse_categorical_accuracy(labels, y_pred) -> Reference:
    return _hits(np.asarray(labels).reshape(np.shape(y_pred)[:-1]) == np.argmax(y_pred, axis=-1))


def streamed_mean(batches: list) -> Reference:
    """A metric object's result after several update_state calls: every example's value weighs the same."""
    values = np.concatenate([np.asarray(b, dtype="float64").ravel() for b in batches])
    value = values.mean()
    return Reference(np.asarray(value), np.asarray(gamma(values.size + 2) * (np.abs(values).mean() + abs(value))))


# --- learning-rate schedules ------------------------------------------------------------------------

def inverse_time_decay(step, initial_rate, decay_steps, decay_rate, staircase=False) -> Reference:
    """initial / (1 + decay_rate * step / decay_steps) (the quotient floored with ``staircase``)."""
    progress = np.asarray(step, dtype="float64") / decay_steps
    progress = np.floor(progress) if staircase else progress
    value = initial_rate / (1 + decay_rate * progress)
    # float32 holds the two rates (2 roundings) and computes the quotient, product, sum and division (4):
    # 6 ulps of the result at most; 8 leaves two in hand.
    return Reference(value, 8 * U * np.abs(value))


# --- one optimizer step ---------------------------------------------------------------------------

def _steps(weight, gradients):
    weight = np.asarray(weight, dtype="float64")
    return weight, [np.asarray(g, dtype="float64") for g in gradients]


def _held(*hyperparameters) -> list[float]:
    """The hyperparameters as the optimizer's arithmetic sees them: float32 numbers.  0.999 is
    0.99900001287 in float32, so its powers (the bias correction) differ from float64's by 1.3e-5 of
    1 - beta: a difference of the definition's inputs, not of its arithmetic, so not the bound's."""
    return [float(np.float32(h)) for h in hyperparameters]


def _complement(beta: float) -> float:
    """1 - beta as Keras forms it: in Python's float64 from the hyperparameter, then float32 (0.001 for
    beta_2 = 0.999, where 1 - float32(0.999) would be 0.00099998713)."""
    return float(np.float32(1 - beta))


def sgd_steps(weight, gradients, learning_rate, momentum=0.0, nesterov=False) -> Reference:
    """One SGD update per gradient: v = m v - lr g; w += m v - lr g (Nesterov) or v."""
    weight, gradients = _steps(weight, gradients)
    learning_rate, momentum = _held(learning_rate, momentum)
    velocity = np.zeros_like(weight)
    for gradient in gradients:
        velocity = momentum * velocity - learning_rate * gradient
        weight = weight + (momentum * velocity - learning_rate * gradient if nesterov else velocity)
    scale = np.abs(weight) + 3 * learning_rate * sum(np.abs(g) for g in gradients)
    return Reference(weight, 8 * len(gradients) * U * scale)


def adam_steps(weight, gradients, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7) -> Reference:
    """One Adam update per gradient, Keras's form: the bias correction folded into the rate, epsilon
    added to sqrt(v) (not to the corrected v).  The gradients must differ from step to step: with a
    constant gradient the corrected m / sqrt(v) is the gradient's sign whatever the betas."""
    weight, gradients = _steps(weight, gradients)
    keep_1, keep_2 = _complement(beta_1), _complement(beta_2)
    learning_rate, beta_1, beta_2, epsilon = _held(learning_rate, beta_1, beta_2, epsilon)
    m = np.zeros_like(weight)
    m_size = np.zeros_like(weight)  # m's terms without cancellation: what its rounding is relative to
    v = np.zeros_like(weight)
    bound = np.zeros_like(weight)
    for t, gradient in enumerate(gradients, start=1):
        rate = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        m = m + (gradient - m) * keep_1
        m_size = m_size * beta_1 + np.abs(gradient) * keep_1
        v = v + (gradient ** 2 - v) * keep_2
        step = rate * m / (np.sqrt(v) + epsilon)
        weight = weight - step
        # float32 rounds beta ** t by one ulp of 1, which 1 - beta ** t magnifies by 1 / (1 - beta ** t):
        # the rate's relative error; m's rounding is relative to its terms' size (gradients of opposite
        # signs cancel in m); a few ulps for v, the root, the quotient and the weight's subtraction.
        rate_error = U / (2 * (1 - beta_2 ** t)) + U / (1 - beta_1 ** t) + 8 * U
        bound = bound + np.abs(step) * rate_error + 8 * U * rate * m_size / (np.sqrt(v) + epsilon) + 2 * U * np.abs(weight)
    return Reference(weight, bound)


def rmsprop_steps(weight, gradients, learning_rate, rho=0.9, epsilon=1e-7) -> Reference:
    """One RMSprop update per gradient (not centred, no momentum): v = rho v + (1 - rho) g^2;
    w -= lr g / sqrt(v + eps)."""
    weight, gradients = _steps(weight, gradients)
    keep = _complement(rho)
    learning_rate, rho, epsilon = _held(learning_rate, rho, epsilon)
    v = np.zeros_like(weight)
    for gradient in gradients:
        v = rho * v + keep * gradient ** 2
        weight = weight - learning_rate * gradient / np.sqrt(v + epsilon)  # epsilon inside the root
    return Reference(weight, 16 * len(gradients) * U * (np.abs(weight) + learning_rate * 4 / np.sqrt(1 - rho)))
