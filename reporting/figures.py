"""The pictures a person would rather look at than read, as PNG bytes for the HTML report."""
from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")  # no display on CI machines
import matplotlib.pyplot as plt  # noqa: E402


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def img_tag(png: bytes, alt: str) -> str:
    """An <img> with the picture inlined, so the report stays one self-contained file."""
    return f'<img alt="{alt}" src="data:image/png;base64,{base64.b64encode(png).decode()}"/>'


def training_curves(history: dict, title: str) -> bytes:
    """Loss and metric per epoch, training and validation (seed 002's two plots side by side)."""
    losses = {k: v for k, v in history.items() if "loss" in k}
    metrics = {k: v for k, v in history.items() if "loss" not in k}
    fig, axes = plt.subplots(1, 2 if metrics else 1, figsize=(8 if metrics else 4, 2.6), squeeze=False)
    for axis, series, label in zip(axes[0], (losses, metrics), ("loss", "metric")):
        for name, values in sorted(series.items()):
            axis.plot(range(1, len(values) + 1), values, marker="o", markersize=3, label=name)
        axis.set_xlabel("epoch")
        axis.set_ylabel(label)
        axis.legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    return _png(fig)


def attention_bars(vector, title: str) -> bytes:
    """Attention weight per input column (seed 003's bar chart)."""
    fig, axis = plt.subplots(figsize=(4, 2.4))
    axis.bar(range(len(vector)), vector)
    axis.set_xlabel("input column")
    axis.set_ylabel("attention weight")
    axis.set_title(title, fontsize=9)
    return _png(fig)


def parity_errors(errors: dict, title: str) -> bytes:
    """Largest absolute error per path pair and quantity (log scale): {pair: {kind: max_abs}}."""
    pairs = sorted(errors)
    kinds = sorted({kind for values in errors.values() for kind in values})
    fig, axis = plt.subplots(figsize=(max(4.0, 1.2 * len(pairs)), 2.6))
    width = 0.8 / max(len(kinds), 1)
    for k, kind in enumerate(kinds):
        heights = [max(errors[pair].get(kind, 0.0), 1e-12) for pair in pairs]
        axis.bar([p + k * width for p in range(len(pairs))], heights, width=width, label=kind)
    axis.set_yscale("log")
    axis.set_xticks([p + 0.4 - width / 2 for p in range(len(pairs))])
    axis.set_xticklabels(pairs, rotation=20, fontsize=7, ha="right")
    axis.set_ylabel("max abs error")
    axis.legend(fontsize=7)
    axis.set_title(title, fontsize=9)
    return _png(fig)
