"""Run a catalogue recipe: seeded data, model, compile and fit, with what the checks judge."""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from keras_upgrade_gate.layers import catalog, compat
from keras_upgrade_gate.layers.catalog import Quick

HOLDOUT = 0.2  # recipes the seed trains without validation are judged on a 20% holdout


@dataclasses.dataclass
class TrainingRun:
    entry_id: str
    seed: int
    settings: Quick
    history: dict
    initial_loss: float
    chance: float
    monitor: str
    seconds: float
    model: object = dataclasses.field(repr=False, default=None)
    data: dict = dataclasses.field(repr=False, default=None)
    first_epoch_weights: list = dataclasses.field(repr=False, default=None)
    """Every weight after the first epoch: a repeat run of one epoch must reproduce them exactly."""

    @property
    def final_loss(self) -> float:
        return float(self.history["loss"][-1])

    @property
    def loss_drop(self) -> float:
        """The fraction by which training reduced the loss (from before the first step)."""
        return 1.0 - self.final_loss / self.initial_loss

    @property
    def final_metric(self) -> float:
        return float(self.history[f"val_{self.monitor}"][-1])

    def summary(self) -> dict:
        return {"entry": self.entry_id, "seed": self.seed, "initial_loss": self.initial_loss,
                "final_loss": self.final_loss, "loss_drop": self.loss_drop, "final_metric": self.final_metric,
                "chance": self.chance, "seconds": round(self.seconds, 2),
                "history": {k: [float(v) for v in values] for k, values in self.history.items()}}


class _FirstEpochWeights(compat.keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = None

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            self.weights = [np.array(w) for w in self.model.get_weights()]


def _labels(y, monitor):
    if isinstance(y, dict):
        y = y[monitor.rsplit("_", 1)[0]] if monitor != "accuracy" else next(iter(y.values()))
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1 and set(np.unique(y)) <= {0, 1}:
        y = y.argmax(axis=1)  # one-hot
    return y.reshape(-1)


def chance_level(y, monitor="accuracy") -> float:
    """The accuracy of always answering the most frequent class."""
    labels = _labels(y, monitor)
    _, counts = np.unique(labels, return_counts=True)
    return float(counts.max() / counts.sum())


def _split(value, fraction):
    """Keras's validation_split, unshuffled: (the samples it trains on, the held-out tail)."""
    if isinstance(value, dict):
        parts = {k: _split(v, fraction) for k, v in value.items()}
        return {k: head for k, (head, _) in parts.items()}, {k: tail for k, (_, tail) in parts.items()}
    if isinstance(value, list):
        parts = [_split(v, fraction) for v in value]
        return [head for head, _ in parts], [tail for _, tail in parts]
    at = int(len(value) * (1 - fraction))
    return value[:at], value[at:]


def quick_epochs(recipe, fit: dict | None = None) -> int:
    """The epochs the default tier trains: the quick version's own, else the seed's (``fit``'s)."""
    return recipe.quick.epochs or (fit or recipe.fit)["epochs"]


def prepare(entry_id: str, seed: int, quick: bool, epochs: int | None, scale: float | None):
    """The seeded data, the compiled model and fit's keyword arguments of one recipe run."""
    entry = catalog.get(entry_id)
    recipe = entry.recipe
    # A recipe whose documented model is too heavy trains the small configuration in both tiers.
    settings = recipe.quick if quick else Quick(scale=1.0, epochs=None, small=recipe.small)
    if recipe.small and not settings.small:
        settings = dataclasses.replace(settings, small=True)
    if scale is not None:
        settings = dataclasses.replace(settings, scale=scale)
    compat.reset_session(seed)
    data = recipe.data(seed=seed, scale=settings.scale, small=settings.small)
    model = recipe.build_model(settings.small)
    model.compile(**recipe.compile())
    fit = dict(recipe.fit)
    fit["epochs"] = epochs or (quick_epochs(recipe) if quick else fit["epochs"])
    fit.update({k: v for k, v in data.items() if k not in ("x_test", "y_test")})
    if "validation_data" not in fit and "validation_split" not in fit:
        fit["validation_split"] = HOLDOUT
    return recipe, settings, data, model, fit


def run_recipe(entry_id: str, seed: int = 0, quick: bool = True, epochs: int | None = None,
               scale: float | None = None) -> TrainingRun:
    """Train a recipe: its quick (default-tier) version, or the seed's own with quick=False.
    ``epochs`` and ``scale`` override the version's for short runs."""
    recipe, settings, data, model, fit = prepare(entry_id, seed, quick, epochs, scale)
    if "y" in fit:
        initial = model.evaluate(fit["x"], fit["y"], verbose=0, batch_size=256)
        _, validation_labels = _split(fit["y"], fit["validation_split"])
        chance = chance_level(validation_labels, recipe.monitor)
    else:  # a generator of balanced classes
        initial = model.evaluate(fit["x"], steps=fit.get("steps_per_epoch"), verbose=0)
        chance = 0.5
    initial_loss = float(initial[0] if isinstance(initial, (list, tuple)) else initial)
    first_epoch = _FirstEpochWeights()
    fit["callbacks"] = list(fit.get("callbacks", [])) + [first_epoch]
    start = time.perf_counter()
    history = model.fit(verbose=0, **fit).history
    return TrainingRun(entry_id=entry_id, seed=seed, settings=settings, history=history,
                       initial_loss=initial_loss, chance=chance, monitor=recipe.monitor,
                       seconds=time.perf_counter() - start, model=model, data=data,
                       first_epoch_weights=first_epoch.weights)


def first_epoch_again(entry_id: str, seed: int = 0) -> tuple[float, list]:
    """The first epoch of a recipe's quick run, trained again from scratch: its training loss and
    every weight after it (``first_epoch_setup``)."""
    model, fit = first_epoch_setup(entry_id, seed)
    first_epoch = _FirstEpochWeights()
    fit["callbacks"] = list(fit.get("callbacks", [])) + [first_epoch]
    history = model.fit(verbose=0, **fit).history
    return float(history["loss"][0]), first_epoch.weights


def first_epoch_setup(entry_id: str, seed: int = 0) -> tuple[object, dict]:
    """The compiled model and fit's arguments of a recipe's first epoch, training only: without the
    validation pass after it and, for arrays, without the evaluation before it: neither draws from what
    the training uses, and skipping them spares a second traced function.  A generator's evaluation does
    advance the generator the training then reads, so it stays."""
    _, _, _, model, fit = prepare(entry_id, seed, quick=True, epochs=1, scale=None)
    if "y" not in fit:
        model.evaluate(fit["x"], steps=fit.get("steps_per_epoch"), verbose=0)
    fraction = fit.pop("validation_split", None)
    if fraction:  # the same training samples Keras keeps: everything before the held-out tail
        fit["x"], _ = _split(fit["x"], fraction)
        if "y" in fit:
            fit["y"], _ = _split(fit["y"], fraction)
    for key in [k for k in fit if k.startswith("validation_")]:
        del fit[key]
    return model, fit


def initial_state(entry_id: str, seed: int) -> tuple[list, object]:
    """A recipe's freshly initialised weights and its first training batch for one seed, untrained."""
    recipe = catalog.get(entry_id).recipe
    settings = recipe.quick
    compat.reset_session(seed)
    data = recipe.data(seed=seed, scale=settings.scale, small=settings.small or recipe.small)
    model = (recipe.builder(settings.small) if recipe.builder
             else catalog.build(recipe.model_id, small=settings.small or recipe.small))
    x = data["x"]
    first = next(iter(x)) if not isinstance(x, (np.ndarray, dict, list)) else x
    return [np.array(w) for w in model.get_weights()], first
