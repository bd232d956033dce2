"""The figures the seeds draw, as PNG files for the HTML reports (matplotlib, no display)."""
from __future__ import annotations


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display on CI machines
    import matplotlib.pyplot as plt

    return plt


def plot_history(history: dict, path: str, title: str = "") -> str:
    """Seed 002's two plots: accuracy and loss per epoch, training against validation."""
    plt = _pyplot()
    figure, (acc_axis, loss_axis) = plt.subplots(1, 2, figsize=(9, 3.5))
    for axis, metric in ((acc_axis, "accuracy"), (loss_axis, "loss")):
        for prefix, label in (("", "Train"), ("val_", "Valid")):
            values = history.get(prefix + metric)
            if values:
                axis.plot(range(len(values)), values, label=f"{label} {metric}")
        axis.set_xlabel("epoch")
        axis.legend()
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def plot_attention_vector(vector, path: str, title: str = "Attention as a function of input dimensions") -> str:
    """Seed 003's bar chart of the attention weight per input column."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(5, 3.5))
    axis.bar(range(len(vector)), vector)
    axis.set_xlabel("input dimension")
    axis.set_ylabel("attention")
    axis.set_title(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
