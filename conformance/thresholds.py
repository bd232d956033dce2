"""Convergence thresholds, one table per Keras generation, each with the measurements it was set from.

How a threshold is set: every recipe's default-tier version was trained with seeds 0-4 on
environments of each Keras generation (fixtures/measurements/convergence-<env>.json, written by
`python -m keras_upgrade_gate.conformance.measure --seeds 5`).  For each recipe and generation:
    min_loss_drop = worst seed's loss drop  - 0.10, rounded down to 0.01
    min_metric    = worst seed's val metric - 0.05, rounded down to 0.01
over every measured environment of that generation.  The loss drop is 1 - final training loss /
loss before training.  ``measured`` gives per environment (worst, median) over the seeds, and the
median training time in seconds.  A floor is per generation because the generations train
differently (attn.prob_attention_model drops its loss by at least 0.945 on Keras 3 and 0.555 on
Keras 2): one floor for both would be loose on one of them.
test_thresholds_follow_the_rule re-derives every floor from the files, both ways: a floor above the
rule leaves no margin, one below it by more than the rounding is loose and fails as well.

The slow tier trains each seed's own configuration (its sizes and epochs), which learns
differently from the quick version (seq.vgg_like: 80 training images and 30 SGD steps drop the loss
by 0.05-0.47 over 10 runs, against at least 0.875 for the quick tier's 400 images; there the
loss-drop floor only catches a loss that grows, and val accuracy, 0.35 against chance 0.20-0.25 on
20 held-out images, carries the check).  Its thresholds, SEED_SIZE_THRESHOLDS, follow the same rule
from their own measurements (convergence-seedsize-<env>.json, `python -m keras_upgrade_gate.conformance.measure
--seeds 5 --seed-size`).  `python -m keras_upgrade_gate.conformance.measure --print-thresholds [--seed-size]` prints
the tables below from the files.
"""
from __future__ import annotations

import dataclasses
import math

DROP_MARGIN = 0.10
METRIC_MARGIN = 0.05
ROUNDING = 0.01  # the rule rounds down to this step: a floor may sit that much below the rule, no more


@dataclasses.dataclass(frozen=True)
class Threshold:
    min_loss_drop: float
    min_metric: float
    measured: dict

    @property
    def source(self) -> str:  # noqa: D401 - the provenance a failure message prints
        worst = min(m["metric"][0] for m in self.measured.values())
        return (f"set by the margin rule below the worst of {sum(m['seeds'] for m in self.measured.values())} "
                f"measured runs (val metric {worst}) on {', '.join(sorted(self.measured))}")


def by_the_rule(worst_loss_drop: float, worst_metric: float) -> tuple[float, float]:
    """(min_loss_drop, min_metric): the margins below the worst run of every environment."""
    def floor(value):  # down to 0.01
        return round(math.floor(value * 100 + 1e-9) / 100, 2)
    return floor(worst_loss_drop - DROP_MARGIN), floor(worst_metric - METRIC_MARGIN)


# Metric floors set above the rule, where a stated requirement asks for more and every measured run
# supports it (the test still checks they stay below every measured run).
METRIC_ABOVE_THE_RULE = {
    "attn.dense_attention.recipe": (0.99, "the attention issue's 0.99: 0.009 below the worst measured 0.999"),
}


@dataclasses.dataclass(frozen=True)
class AttentionThreshold:
    entry_id: str
    column: int
    min_weight: float
    source: str


# Seed 003's attention vector.  The seed prints one sample's vector from one run, with 0.72 on the
# label column (column 1).  Measured over seeds 0-4 on tf215 and tf221: one sample's weight on
# column 1 ranges 0.16-0.81 and is the largest in only 6 of 10 runs, so a single sample cannot carry
# a threshold.  The mean over 1,000 fresh samples peaks on column 1 in 10 of 10 runs, with weight
# 0.371-0.505 (the next largest column at most 0.311).  Threshold: the mean peaks on column 1 with
# at least 0.32 (0.05 below the worst run).  The issue asked for 0.5; no run supports it.
ATTENTION = AttentionThreshold(
    entry_id="attn.dense_attention.recipe", column=1, min_weight=0.32,
    source="0.05 below the worst of 10 measured runs (0.371), mean over 1,000 samples")

THRESHOLDS = {  # Keras generation: {entry id: Threshold(min_loss_drop, min_metric, measured)}
    'keras2': {
        'attn.dense_attention.recipe': Threshold(0.86, 0.94, {'tf212': {'seeds': 5, 'loss_drop': (0.963, 0.968), 'metric': (0.999, 1.0), 'seconds': 23.5}, 'tf215': {'seeds': 5, 'loss_drop': (0.963, 0.968), 'metric': (0.999, 1.0), 'seconds': 6.0}}),
        'attn.prob_attention_model': Threshold(0.45, 0.95, {'tf212': {'seeds': 5, 'loss_drop': (0.555, 0.758), 'metric': (1.0, 1.0), 'seconds': 3.0}, 'tf215': {'seeds': 5, 'loss_drop': (0.555, 0.758), 'metric': (1.0, 1.0), 'seconds': 2.4}}),
        'attn.se_cnn.recipe': Threshold(0.89, 0.95, {'tf212': {'seeds': 5, 'loss_drop': (0.993, 0.995), 'metric': (1.0, 1.0), 'seconds': 62.7}, 'tf215': {'seeds': 5, 'loss_drop': (0.993, 0.995), 'metric': (1.0, 1.0), 'seconds': 21.4}}),
        'func.dense': Threshold(0.8, 0.72, {'tf212': {'seeds': 5, 'loss_drop': (0.905, 0.91), 'metric': (0.775, 0.985), 'seconds': 3.1}, 'tf215': {'seeds': 5, 'loss_drop': (0.905, 0.91), 'metric': (0.775, 0.99), 'seconds': 2.2}}),
        'func.multi_io': Threshold(0.66, 0.89, {'tf212': {'seeds': 5, 'loss_drop': (0.764, 0.866), 'metric': (0.95, 0.975), 'seconds': 10.7}, 'tf215': {'seeds': 5, 'loss_drop': (0.764, 0.866), 'metric': (0.95, 0.975), 'seconds': 5.5}}),
        'func.shared_lstm': Threshold(0.56, 0.95, {'tf212': {'seeds': 5, 'loss_drop': (0.668, 0.766), 'metric': (1.0, 1.0), 'seconds': 24.4}, 'tf215': {'seeds': 5, 'loss_drop': (0.668, 0.766), 'metric': (1.0, 1.0), 'seconds': 8.6}}),
        'func.shared_vision': Threshold(0.89, 0.94, {'tf212': {'seeds': 5, 'loss_drop': (0.993, 0.994), 'metric': (0.995, 1.0), 'seconds': 45.5}, 'tf215': {'seeds': 5, 'loss_drop': (0.993, 0.994), 'metric': (0.995, 1.0), 'seconds': 6.0}}),
        'rnn.attention_lstm.mnist_recipe': Threshold(0.13, 0.32, {'tf212': {'seeds': 5, 'loss_drop': (0.239, 0.252), 'metric': (0.378, 0.413), 'seconds': 23.6}, 'tf215': {'seeds': 5, 'loss_drop': (0.239, 0.252), 'metric': (0.378, 0.413), 'seconds': 9.7}}),
        'seq.conv1d_classifier': Threshold(0.83, 0.95, {'tf212': {'seeds': 5, 'loss_drop': (0.934, 0.962), 'metric': (1.0, 1.0), 'seconds': 14.2}, 'tf215': {'seeds': 5, 'loss_drop': (0.934, 0.962), 'metric': (1.0, 1.0), 'seconds': 6.3}}),
        'seq.fit_binary': Threshold(0.89, 0.95, {'tf212': {'seeds': 5, 'loss_drop': (0.994, 0.995), 'metric': (1.0, 1.0), 'seconds': 7.0}, 'tf215': {'seeds': 5, 'loss_drop': (0.994, 0.995), 'metric': (1.0, 1.0), 'seconds': 2.0}}),
        'seq.fit_categorical': Threshold(0.78, 0.95, {'tf212': {'seeds': 5, 'loss_drop': (0.888, 0.913), 'metric': (1.0, 1.0), 'seconds': 7.3}, 'tf215': {'seeds': 5, 'loss_drop': (0.888, 0.913), 'metric': (1.0, 1.0), 'seconds': 2.1}}),
        'seq.lstm_classifier': Threshold(0.61, 0.9, {'tf212': {'seeds': 5, 'loss_drop': (0.718, 0.862), 'metric': (0.955, 0.975), 'seconds': 5.6}, 'tf215': {'seeds': 5, 'loss_drop': (0.718, 0.862), 'metric': (0.955, 0.975), 'seconds': 10.3}}),
        'seq.mlp_binary': Threshold(0.89, 0.95, {'tf212': {'seeds': 5, 'loss_drop': (0.995, 0.996), 'metric': (1.0, 1.0), 'seconds': 1.8}, 'tf215': {'seeds': 5, 'loss_drop': (0.995, 0.996), 'metric': (1.0, 1.0), 'seconds': 2.8}}),
        'seq.mlp_softmax': Threshold(0.74, 0.95, {'tf212': {'seeds': 5, 'loss_drop': (0.843, 0.859), 'metric': (1.0, 1.0), 'seconds': 1.6}, 'tf215': {'seeds': 5, 'loss_drop': (0.843, 0.859), 'metric': (1.0, 1.0), 'seconds': 2.8}}),
        'seq.vgg_like': Threshold(0.76, 0.95, {'tf212': {'seeds': 5, 'loss_drop': (0.869, 0.884), 'metric': (1.0, 1.0), 'seconds': 43.0}, 'tf215': {'seeds': 5, 'loss_drop': (0.875, 0.897), 'metric': (1.0, 1.0), 'seconds': 8.3}}),
    },
    'keras3': {
        'attn.dense_attention.recipe': Threshold(0.86, 0.94, {'tf216': {'seeds': 5, 'loss_drop': (0.963, 0.969), 'metric': (0.999, 1.0), 'seconds': 29.1}, 'tf221': {'seeds': 5, 'loss_drop': (0.963, 0.969), 'metric': (0.999, 1.0), 'seconds': 11.0}}),
        'attn.prob_attention_model': Threshold(0.84, 0.95, {'tf216': {'seeds': 5, 'loss_drop': (0.945, 0.967), 'metric': (1.0, 1.0), 'seconds': 11.0}, 'tf221': {'seeds': 5, 'loss_drop': (0.945, 0.967), 'metric': (1.0, 1.0), 'seconds': 5.8}}),
        'attn.se_cnn.recipe': Threshold(0.15, 0.95, {'tf216': {'seeds': 5, 'loss_drop': (0.257, 0.93), 'metric': (1.0, 1.0), 'seconds': 17.6}, 'tf221': {'seeds': 5, 'loss_drop': (0.256, 0.93), 'metric': (1.0, 1.0), 'seconds': 20.2}}),
        'func.dense': Threshold(0.8, 0.92, {'tf216': {'seeds': 5, 'loss_drop': (0.908, 0.925), 'metric': (0.97, 0.98), 'seconds': 3.0}, 'tf221': {'seeds': 5, 'loss_drop': (0.908, 0.925), 'metric': (0.97, 0.98), 'seconds': 4.1}}),
        'func.multi_io': Threshold(0.83, 0.94, {'tf216': {'seeds': 5, 'loss_drop': (0.932, 0.944), 'metric': (0.99, 0.995), 'seconds': 6.1}, 'tf221': {'seeds': 5, 'loss_drop': (0.932, 0.944), 'metric': (0.99, 0.995), 'seconds': 8.4}}),
        'func.shared_lstm': Threshold(0.5, 0.95, {'tf216': {'seeds': 5, 'loss_drop': (0.61, 0.727), 'metric': (1.0, 1.0), 'seconds': 8.8}, 'tf221': {'seeds': 5, 'loss_drop': (0.61, 0.727), 'metric': (1.0, 1.0), 'seconds': 9.1}}),
        'func.shared_vision': Threshold(0.87, 0.94, {'tf216': {'seeds': 5, 'loss_drop': (0.977, 0.993), 'metric': (0.995, 0.995), 'seconds': 8.5}, 'tf221': {'seeds': 5, 'loss_drop': (0.977, 0.993), 'metric': (0.995, 0.995), 'seconds': 9.6}}),
        'rnn.attention_lstm.mnist_recipe': Threshold(0.14, 0.35, {'tf216': {'seeds': 5, 'loss_drop': (0.246, 0.258), 'metric': (0.408, 0.411), 'seconds': 9.5}, 'tf221': {'seeds': 5, 'loss_drop': (0.246, 0.258), 'metric': (0.408, 0.411), 'seconds': 11.1}}),
        'seq.conv1d_classifier': Threshold(0.75, 0.95, {'tf216': {'seeds': 5, 'loss_drop': (0.859, 0.961), 'metric': (1.0, 1.0), 'seconds': 5.1}, 'tf221': {'seeds': 5, 'loss_drop': (0.859, 0.961), 'metric': (1.0, 1.0), 'seconds': 10.2}}),
        'seq.fit_binary': Threshold(0.89, 0.95, {'tf216': {'seeds': 5, 'loss_drop': (0.994, 0.995), 'metric': (1.0, 1.0), 'seconds': 2.5}, 'tf221': {'seeds': 5, 'loss_drop': (0.994, 0.995), 'metric': (1.0, 1.0), 'seconds': 4.0}}),
        'seq.fit_categorical': Threshold(0.78, 0.95, {'tf216': {'seeds': 5, 'loss_drop': (0.889, 0.913), 'metric': (1.0, 1.0), 'seconds': 2.9}, 'tf221': {'seeds': 5, 'loss_drop': (0.889, 0.913), 'metric': (1.0, 1.0), 'seconds': 5.2}}),
        'seq.lstm_classifier': Threshold(0.77, 0.89, {'tf216': {'seeds': 5, 'loss_drop': (0.874, 0.905), 'metric': (0.95, 0.975), 'seconds': 7.1}, 'tf221': {'seeds': 5, 'loss_drop': (0.874, 0.905), 'metric': (0.95, 0.975), 'seconds': 13.2}}),
        'seq.mlp_binary': Threshold(0.89, 0.95, {'tf216': {'seeds': 5, 'loss_drop': (0.997, 0.997), 'metric': (1.0, 1.0), 'seconds': 4.0}, 'tf221': {'seeds': 5, 'loss_drop': (0.997, 0.997), 'metric': (1.0, 1.0), 'seconds': 5.4}}),
        'seq.mlp_softmax': Threshold(0.74, 0.95, {'tf216': {'seeds': 5, 'loss_drop': (0.848, 0.852), 'metric': (1.0, 1.0), 'seconds': 3.1}, 'tf221': {'seeds': 5, 'loss_drop': (0.848, 0.852), 'metric': (1.0, 1.0), 'seconds': 4.4}}),
        'seq.vgg_like': Threshold(0.77, 0.95, {'tf216': {'seeds': 5, 'loss_drop': (0.876, 0.911), 'metric': (1.0, 1.0), 'seconds': 10.2}, 'tf221': {'seeds': 5, 'loss_drop': (0.875, 0.916), 'metric': (1.0, 1.0), 'seconds': 10.5}}),
    },
}

SEED_SIZE_THRESHOLDS = {  # the slow tier's, by the same rule from convergence-seedsize-<env>.json
    'keras2': {
        'attn.dense_attention.recipe': Threshold(0.86, 0.94, {'tf215': {'seeds': 5, 'loss_drop': (0.963, 0.968), 'metric': (0.999, 1.0), 'seconds': 6.5}}),
        'attn.prob_attention_model': Threshold(0.45, 0.95, {'tf215': {'seeds': 5, 'loss_drop': (0.555, 0.758), 'metric': (1.0, 1.0), 'seconds': 2.5}}),
        'attn.se_cnn.recipe': Threshold(0.89, 0.95, {'tf215': {'seeds': 5, 'loss_drop': (1.0, 1.0), 'metric': (1.0, 1.0), 'seconds': 556.0}}),
        'func.dense': Threshold(0.8, 0.72, {'tf215': {'seeds': 5, 'loss_drop': (0.905, 0.91), 'metric': (0.775, 0.99), 'seconds': 2.8}}),
        'func.multi_io': Threshold(0.89, 0.82, {'tf215': {'seeds': 5, 'loss_drop': (1.0, 1.0), 'metric': (0.875, 0.915), 'seconds': 17.1}}),
        'func.shared_lstm': Threshold(0.56, 0.95, {'tf215': {'seeds': 5, 'loss_drop': (0.668, 0.766), 'metric': (1.0, 1.0), 'seconds': 7.8}}),
        'func.shared_vision': Threshold(0.89, 0.94, {'tf215': {'seeds': 5, 'loss_drop': (0.993, 0.994), 'metric': (0.995, 1.0), 'seconds': 6.8}}),
        'rnn.attention_lstm.mnist_recipe': Threshold(0.19, 0.39, {'tf215': {'seeds': 5, 'loss_drop': (0.292, 0.323), 'metric': (0.446, 0.464), 'seconds': 18.2}}),
        'seq.conv1d_classifier': Threshold(0.83, 0.95, {'tf215': {'seeds': 5, 'loss_drop': (0.934, 0.962), 'metric': (1.0, 1.0), 'seconds': 6.2}}),
        'seq.fit_binary': Threshold(0.89, 0.95, {'tf215': {'seeds': 5, 'loss_drop': (0.994, 0.995), 'metric': (1.0, 1.0), 'seconds': 1.8}}),
        'seq.fit_categorical': Threshold(0.78, 0.95, {'tf215': {'seeds': 5, 'loss_drop': (0.888, 0.913), 'metric': (1.0, 1.0), 'seconds': 1.5}}),
        'seq.lstm_classifier': Threshold(0.61, 0.9, {'tf215': {'seeds': 5, 'loss_drop': (0.718, 0.862), 'metric': (0.955, 0.975), 'seconds': 12.8}}),
        'seq.mlp_binary': Threshold(0.89, 0.95, {'tf215': {'seeds': 5, 'loss_drop': (0.995, 0.996), 'metric': (1.0, 1.0), 'seconds': 3.2}}),
        'seq.mlp_softmax': Threshold(0.74, 0.95, {'tf215': {'seeds': 5, 'loss_drop': (0.843, 0.859), 'metric': (1.0, 1.0), 'seconds': 3.5}}),
        'seq.vgg_like': Threshold(-0.06, 0.35, {'tf215': {'seeds': 5, 'loss_drop': (0.046, 0.255), 'metric': (0.4, 0.65), 'seconds': 6.5}}),
    },
    'keras3': {
        'attn.dense_attention.recipe': Threshold(0.86, 0.94, {'tf221': {'seeds': 5, 'loss_drop': (0.963, 0.969), 'metric': (0.999, 1.0), 'seconds': 11.4}}),
        'attn.prob_attention_model': Threshold(0.84, 0.95, {'tf221': {'seeds': 5, 'loss_drop': (0.945, 0.967), 'metric': (1.0, 1.0), 'seconds': 3.8}}),
        'attn.se_cnn.recipe': Threshold(0.89, 0.94, {'tf221': {'seeds': 5, 'loss_drop': (0.993, 1.0), 'metric': (0.994, 1.0), 'seconds': 386.0}}),
        'func.dense': Threshold(0.8, 0.92, {'tf221': {'seeds': 5, 'loss_drop': (0.908, 0.925), 'metric': (0.97, 0.98), 'seconds': 3.7}}),
        'func.multi_io': Threshold(0.89, 0.84, {'tf221': {'seeds': 5, 'loss_drop': (1.0, 1.0), 'metric': (0.895, 0.92), 'seconds': 30.2}}),
        'func.shared_lstm': Threshold(0.5, 0.95, {'tf221': {'seeds': 5, 'loss_drop': (0.61, 0.727), 'metric': (1.0, 1.0), 'seconds': 8.7}}),
        'func.shared_vision': Threshold(0.87, 0.94, {'tf221': {'seeds': 5, 'loss_drop': (0.977, 0.993), 'metric': (0.995, 0.995), 'seconds': 9.2}}),
        'rnn.attention_lstm.mnist_recipe': Threshold(0.21, 0.4, {'tf221': {'seeds': 5, 'loss_drop': (0.32, 0.323), 'metric': (0.458, 0.471), 'seconds': 25.6}}),
        'seq.conv1d_classifier': Threshold(0.75, 0.95, {'tf221': {'seeds': 5, 'loss_drop': (0.859, 0.961), 'metric': (1.0, 1.0), 'seconds': 11.4}}),
        'seq.fit_binary': Threshold(0.89, 0.95, {'tf221': {'seeds': 5, 'loss_drop': (0.994, 0.995), 'metric': (1.0, 1.0), 'seconds': 5.7}}),
        'seq.fit_categorical': Threshold(0.78, 0.95, {'tf221': {'seeds': 5, 'loss_drop': (0.889, 0.913), 'metric': (1.0, 1.0), 'seconds': 6.9}}),
        'seq.lstm_classifier': Threshold(0.77, 0.89, {'tf221': {'seeds': 5, 'loss_drop': (0.874, 0.905), 'metric': (0.95, 0.975), 'seconds': 17.8}}),
        'seq.mlp_binary': Threshold(0.89, 0.95, {'tf221': {'seeds': 5, 'loss_drop': (0.997, 0.997), 'metric': (1.0, 1.0), 'seconds': 10.5}}),
        'seq.mlp_softmax': Threshold(0.74, 0.95, {'tf221': {'seeds': 5, 'loss_drop': (0.848, 0.852), 'metric': (1.0, 1.0), 'seconds': 8.0}}),
        'seq.vgg_like': Threshold(0.06, 0.35, {'tf221': {'seeds': 5, 'loss_drop': (0.164, 0.179), 'metric': (0.4, 0.65), 'seconds': 6.6}}),
    },
}


def _raised(table: dict) -> dict:
    return {generation: {entry_id: dataclasses.replace(t, min_metric=METRIC_ABOVE_THE_RULE[entry_id][0])
                         if entry_id in METRIC_ABOVE_THE_RULE else t for entry_id, t in by_id.items()}
            for generation, by_id in table.items()}


THRESHOLDS = _raised(THRESHOLDS)


def for_recipe(entry_id: str, generation: str, seed_size: bool = False) -> Threshold:
    """A recipe's floors in one Keras generation: the seeds' tables above; for a team's recipe the same
    rule applied to its own measurement files (its baselines folder), which need no table to paste."""
    from keras_upgrade_gate.layers import catalog

    if catalog.is_seed_catalogue():
        return (SEED_SIZE_THRESHOLDS if seed_size else THRESHOLDS)[generation][entry_id]
    from keras_upgrade_gate.conformance import measure

    prefix = "convergence-seedsize" if seed_size else "convergence"
    rules = measure.rule_for(prefix, generation)
    if entry_id not in rules:
        raise LookupError(f"no {generation} convergence measurement of {entry_id} in {measure.OUT_DIR}: measure it "
                          f"with `python -m keras_upgrade_gate.conformance.measure --seeds 5 --only {entry_id}"
                          f"{' --seed-size' if seed_size else ''}` in an environment of that generation")
    drop, metric = rules[entry_id]
    return Threshold(drop, metric, measure.measured_table(prefix, generation)[entry_id])
