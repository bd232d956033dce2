"""Every argument a recipe sets explicitly, and another valid value for it: the argument meta-test's input.

Derived from the catalogue: for each recipe, the arguments its ``compile`` passes (the optimizer, by
name or as an object with every hyperparameter that differs from the class's default, a schedule's
settings included; the loss and its settings; loss weights; metrics and their settings) and the
arguments its ``fit`` passes (batch size, validation split, epochs).  ``perturbations(entry_id)``
gives, per argument, the compile or fit overrides that change it to another valid value.
selftest/test_arguments.py asserts that a default-tier check sees each change.
"""
from __future__ import annotations

import dataclasses
import inspect

from keras_upgrade_gate.layers import catalog, compat

OTHER_OPTIMIZER = {"adam": "rmsprop", "rmsprop": "adam", "sgd": "adam"}
OTHER_LOSS = "mean_squared_error"
OTHER_METRIC = "mean_absolute_error"


def _sparse(loss) -> bool:
    return isinstance(loss, str) and loss.startswith("sparse_")


def other_loss(loss):
    """Another loss the same labels and outputs accept."""
    if _sparse(loss):
        # Not from_logits=True: Keras 3 reads a softmax output's logits whatever from_logits says.
        return compat.keras.losses.SparseCategoricalCrossentropy(ignore_class=0)
    return OTHER_LOSS


def other_metric(loss) -> str:
    return "sparse_top_k_categorical_accuracy" if _sparse(loss) else OTHER_METRIC


@dataclasses.dataclass(frozen=True)
class Perturbation:
    recipe: str
    argument: str  # e.g. "compile.optimizer.momentum", "fit.batch_size"
    change: str  # what it became, for the table
    compile: dict = dataclasses.field(default_factory=dict)
    fit: dict = dataclasses.field(default_factory=dict)


def other_value(value):
    """Another valid value of the same kind: a flag flipped, a count halved, a rate halved or doubled."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value // 2 if value > 1 else value + 1
    if isinstance(value, float):
        if value == 0.0:
            return 0.5
        return value / 2 if 0 < value < 1 else value * 2
    return None


def _explicit(config: dict, default: dict) -> dict:
    return {k: v for k, v in config.items() if k != "name" and default.get(k, object()) != v}


def _optimizer_perturbations(optimizer) -> list[tuple[str, str, object]]:
    if isinstance(optimizer, str):
        other = OTHER_OPTIMIZER[optimizer.lower()]
        return [("optimizer", f"{optimizer} -> {other}", other)]
    cls = type(optimizer)
    config, default = optimizer.get_config(), cls().get_config()
    found = []
    for key, value in _explicit(config, default).items():
        schedule = compat.schedule_of(optimizer) if key == "learning_rate" else None
        if schedule is not None:
            for name, setting in _explicit(schedule.get_config(), _signature_defaults(type(schedule))).items():
                changed = other_value(setting)
                if changed is None:
                    continue
                new = type(schedule).from_config({**schedule.get_config(), name: changed})
                found.append((f"optimizer.{key}.{name}", f"{setting} -> {changed}",
                              cls.from_config({**config, key: new})))
            continue
        changed = other_value(value)
        if changed is not None:
            found.append((f"optimizer.{key}", f"{value} -> {changed}", cls.from_config({**config, key: changed})))
    return found


def _signature_defaults(cls) -> dict:
    return {name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()
            if p.default is not inspect.Parameter.empty}


def _object_perturbations(label: str, value) -> list[tuple[str, str, object]]:
    """A loss or metric given as an object: each setting that differs from its class's default."""
    cls = type(value)
    config = value.get_config()
    found = []
    for key, setting in _explicit(config, {**_signature_defaults(cls), "name": None}).items():
        changed = other_value(setting)
        if changed is not None:
            found.append((f"{label}.{key}", f"{setting} -> {changed}", cls.from_config({**config, key: changed})))
    return found


def _compile_perturbations(settings: dict) -> list[tuple[str, str, dict]]:
    """(argument, change, compile overrides) for every explicit compile argument."""
    found = [(f"compile.{name}", change, {"optimizer": value})
             for name, change, value in _optimizer_perturbations(settings["optimizer"])]
    loss = settings["loss"]
    if isinstance(loss, dict):
        for output, each in loss.items():
            found.append((f"compile.loss[{output}]", f"{each} -> {OTHER_LOSS}", {"loss": {**loss, output: OTHER_LOSS}}))
    elif isinstance(loss, str):
        # Integer labels leave fewer valid choices: a squared error against (batch,) labels does not broadcast.
        other = other_loss(loss)
        label = other if isinstance(other, str) else f"{type(other).__name__}(ignore_class=0)"
        found.append(("compile.loss", f"{loss} -> {label}", {"loss": other}))
    else:
        found.append(("compile.loss", f"{type(loss).__name__} -> {OTHER_LOSS}", {"loss": OTHER_LOSS}))
        found += [(f"compile.{name}", change, {"loss": value}) for name, change, value in _object_perturbations("loss", loss)]
    for output, weight in (settings.get("loss_weights") or {}).items():
        found.append((f"compile.loss_weights[{output}]", f"{weight} -> {other_value(float(weight))}",
                      {"loss_weights": {**settings["loss_weights"], output: other_value(float(weight))}}))
    metrics, other = settings.get("metrics"), other_metric(loss)
    if isinstance(metrics, dict):
        for output in metrics:
            found.append((f"compile.metrics[{output}]", f"{metrics[output]} -> {other}",
                          {"metrics": {**metrics, output: other}}))
    elif metrics:
        for i, metric in enumerate(metrics):
            changed = [*metrics[:i], other, *metrics[i + 1:]]
            label = metric if isinstance(metric, str) else type(metric).__name__
            found.append((f"compile.metrics[{i}]", f"{label} -> {other}", {"metrics": changed}))
            if not isinstance(metric, str):
                for name, change, value in _object_perturbations(f"metrics[{i}]", metric):
                    found.append((f"compile.{name}", change, {"metrics": [*metrics[:i], value, *metrics[i + 1:]]}))
    return found


def perturbations(entry_id: str) -> list[Perturbation]:
    recipe = catalog.get(entry_id).recipe
    found = [Perturbation(entry_id, argument, change, compile=overrides)
             for argument, change, overrides in _compile_perturbations(recipe.compile())]
    for name, value in recipe.fit.items():
        changed = other_value(value)
        if changed is not None:
            found.append(Perturbation(entry_id, f"fit.{name}", f"{value} -> {changed}", fit={name: changed}))
    return found


def all_perturbations() -> list[Perturbation]:
    return [p for entry in catalog.with_recipe() for p in perturbations(entry.id)]
