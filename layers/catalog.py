"""The catalogue: one entry per id of shared/SNIPPETS.md.

Tests are parametrized over this registry, never over hand-written lists, so a
new entry is checked as soon as it is registered.
"""
from __future__ import annotations

import dataclasses
import functools
import sys
from typing import Any, Callable, Mapping

KINDS = ("model", "layer", "helper", "recipe", "plot")
BUILDABLE_KINDS = ("model", "layer")


@dataclasses.dataclass(frozen=True)
class Quick:
    """How the default tier scales a recipe to run in seconds on a 2-core CPU."""
    scale: float = 1.0  # fraction of the seed's sample count
    epochs: int | None = None  # None: the seed's epochs
    small: bool = False  # train the model's small configuration


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How the seed trains a model: data, compile and fit settings.

    ``data(seed=0, scale=1.0, small=False)`` returns keyword arguments for ``fit``
    (``x``, and ``y`` or ``validation_data`` and step counts), plus ``x_test``/``y_test``
    where the seed evaluates.  ``scale`` shrinks sample counts for quick runs (1.0 is
    the seed's size); ``small`` matches the data to the model's small configuration.
    """
    model_id: str
    data: Callable[..., Any]
    compile: Callable[[], dict]
    fit: dict
    small: bool = False  # train the model's small configuration (the documented one is too heavy)
    notes: str = ""
    quick: Quick = Quick()  # the default tier's scaled version; the slow tier runs the seed's own
    monitor: str = "accuracy"  # the metric judged on validation data (val_<monitor>)
    # builder(small) when the recipe trains the model at a shape other than the entry's own
    # (seed 000 trains on 8x8 digits, not 28x28 MNIST); None: catalog.build(model_id, small).
    builder: Callable[[bool], Any] | None = None

    @property
    def quick_small(self) -> bool:
        """Whether the default tier trains the small configuration."""
        return self.quick.small or self.small

    def build_model(self, small: bool):
        """The model this recipe trains, at the small or documented size."""
        return self.builder(small) if self.builder else build(self.model_id, small=small)


@dataclasses.dataclass(frozen=True)
class SharedLayer:
    """A layer (or model) the seed calls more than once, and what each call must give.

    ``inputs[i]`` is the index of the model input that call i received; ``outputs[i]``
    the index of the model output it produced, where the call's result is an output.
    Shapes are at the documented size.
    """
    name: str
    inputs: tuple[int, ...]
    input_shapes: tuple[tuple, ...]
    output_shapes: tuple[tuple, ...]
    outputs: tuple[int, ...] | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Entry:
    """One thing the gate checks: a model (or layer) and how to feed it, with optional training.

    A team fills in ``id``, ``builder`` and ``sample_input`` (and ``recipe`` to gate training); the other
    fields describe the seed catalogue's entries (their seed document, what the canonical form changed).
    ``builder`` is ``builder()``, or ``builder(small)`` when it names a parameter ``small`` (two sizes); ``sample_input`` is a per-sample shape such as
    ``(12,)`` (uniform floats) or ``sample_input(small, batch_size, rng)`` returning the model's inputs.
    """
    id: str
    builder: Callable[..., Any] | None = None  # builder(small) -> built model or layer
    # The sample input for a forward pass: sample_input(small, batch_size, rng).
    sample_input: Callable[..., Any] | tuple | None = None
    kind: str = "model"
    title: str = ""
    seed: str = ""  # the seed document; for a team's entry, the file that registered it (filled by register)
    helper: Callable[..., Any] | None = None  # the canonical function of a helper entry
    changes: tuple[str, ...] = ()  # what the canonical form changed from the seed, and why
    # The seed's literal code, run as is: one callable, or {variant: callable} where a seed
    # shows several spellings of one thing.
    as_written: Callable[[], Any] | Mapping[str, Callable[[], Any]] | None = None
    recipe: Recipe | None = None
    figures: tuple[str, ...] = ()  # keys into fixtures.documented.FIGURES
    refers_to: str | None = None  # the model a recipe or plot belongs to
    small_note: str = ""  # how the small configuration differs from the documented size
    # The small configuration with its free dimensions (sequence length, image size) left as
    # None, for shape properties over those dimensions.
    flexible: Callable[[], Any] | None = None
    shared: tuple[SharedLayer, ...] = ()  # layers called more than once, for the node checks

    def __post_init__(self):
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"an entry needs an id (a non-empty string), got {self.id!r}")
        if self.kind not in KINDS:
            raise ValueError(f"{self.id}: unknown kind {self.kind!r} (one of {', '.join(KINDS)})")
        if self.kind in BUILDABLE_KINDS and (self.builder is None or self.sample_input is None):
            raise ValueError(f"{self.id}: a {self.kind} entry needs a builder and a sample_input")
        if self.builder is not None and not _takes_small(self.builder):
            object.__setattr__(self, "builder", _ignoring_size(self.builder))
        if isinstance(self.sample_input, (tuple, list)):
            from keras_upgrade_gate.layers.building import uniform_input

            object.__setattr__(self, "sample_input", uniform_input(tuple(self.sample_input)))
        if not self.title:
            object.__setattr__(self, "title", self.id)


def _takes_small(function) -> bool:
    """Whether a builder is builder(small): it names the parameter, or takes exactly one (a seed's lambda)."""
    import inspect

    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):  # a builtin or C callable: called as builder(small)
        return True
    required = [p for p in parameters.values() if p.default is p.empty and p.kind is not p.VAR_KEYWORD]
    return "small" in parameters or len(required) == 1


def _ignoring_size(builder):
    """builder() as builder(small): a team's model has one size; the gate's small one is the same."""
    def sized(small=False):
        return builder()
    sized.__wrapped__ = builder
    return sized


_REGISTRY: dict[str, Entry] = {}
_ORIGIN: dict[str, str] = {}  # entry id: the module that registered it


def register(entry):
    """Add an entry to the catalogue: the one public registration, for the seed modules and a team's alike.
    It takes an Entry (a model, layer, helper, recipe or plot) or a SavedFile (a file the team ships)."""
    from keras_upgrade_gate.layers.saved_file import SavedFile

    caller = sys._getframe(1).f_globals
    if not isinstance(entry, (Entry, SavedFile)):
        raise TypeError(f"register() takes an Entry or a SavedFile, got {type(entry).__name__} "
                        "(from keras_upgrade_gate import Entry, SavedFile)")
    if entry.id in _REGISTRY:
        raise ValueError(f"catalogue id {entry.id!r} is registered twice: by {_ORIGIN[entry.id]} and by "
                         f"{caller.get('__name__', '?')}; give one of them another id")
    if isinstance(entry, Entry) and not entry.seed and caller.get("__file__"):
        entry = dataclasses.replace(entry, seed=_shown(caller["__file__"]))
    _REGISTRY[entry.id] = entry
    # The caller's module decides whether the entry belongs to this run's catalogue: a check that imports
    # a seed module for its constants must not put seed entries into a team's catalogue.
    _ORIGIN[entry.id] = caller.get("__name__", "")
    return entry


def _shown(path: str) -> str:
    import pathlib

    try:
        return str(pathlib.Path(path).resolve().relative_to(pathlib.Path.cwd().resolve()))
    except ValueError:
        return path


def _in_catalogue(entry_id: str) -> bool:
    from keras_upgrade_gate.layers import sources

    origin, modules = _ORIGIN[entry_id], sources.configured().modules
    if not modules:
        return origin.startswith("keras_upgrade_gate.layers.seed")
    return any(origin == m or origin.startswith(m + ".") for m in modules)


@functools.cache
def _load_all() -> None:
    """Register the catalogue: a team's modules where it names them (layers/sources.py), else the seed
    modules (layers/seed*.py, found, not listed). Both register with the same ``register``."""
    import importlib
    import pkgutil

    from keras_upgrade_gate import layers
    from keras_upgrade_gate.layers import sources

    if not sources.configured().is_seed_catalogue:
        sources.import_team_modules()
        return
    for module in pkgutil.iter_modules(layers.__path__):
        if module.name.startswith("seed"):
            importlib.import_module(f"{layers.__name__}.{module.name}")


def is_seed_catalogue() -> bool:
    """Whether the catalogue is this project's seed entries (no team's modules named)."""
    from keras_upgrade_gate.layers import sources

    return sources.configured().is_seed_catalogue


def entries(kind: str | None = None) -> list[Entry]:
    _load_all()
    found = [e for e in _REGISTRY.values()
             if isinstance(e, Entry) and (kind is None or e.kind == kind) and _in_catalogue(e.id)]
    return sorted(found, key=lambda e: e.id)


def saved_files() -> list:
    """The catalogue's saved files (layers/saved_file.py), by id."""
    from keras_upgrade_gate.layers.saved_file import SavedFile

    _load_all()
    return sorted((e for e in _REGISTRY.values() if isinstance(e, SavedFile) and _in_catalogue(e.id)),
                  key=lambda e: e.id)


def ids(kind: str | None = None) -> list[str]:
    return [e.id for e in entries(kind)]


def get(entry_id: str) -> Entry:
    _load_all()
    try:
        if not _in_catalogue(entry_id):
            raise KeyError(entry_id)
        return _REGISTRY[entry_id]
    except KeyError:
        raise KeyError(f"no catalogue entry {entry_id!r}; `python -m layers list` shows the ids") from None


def with_flexible() -> list[Entry]:
    return [e for e in entries() if e.flexible is not None]


def buildable() -> list[Entry]:
    return [e for e in entries() if e.kind in BUILDABLE_KINDS]


def with_recipe() -> list[Entry]:
    return [e for e in entries() if e.recipe is not None]


def as_written_cases() -> list[tuple[str, str, Callable[[], Any]]]:
    """Every as-written reproduction as (entry id, variant, callable); variant "" when single."""
    cases = []
    for entry in entries():
        if entry.as_written is None:
            continue
        variants = entry.as_written if isinstance(entry.as_written, Mapping) else {"": entry.as_written}
        cases.extend((entry.id, name, fn) for name, fn in variants.items())
    return cases


def build(entry_id: str, small: bool = False):
    """The model or layer of an entry, built, at the documented (or small) size."""
    entry = get(entry_id)
    if entry.builder is None:
        raise TypeError(f"{entry_id} is a {entry.kind} entry; only model and layer entries build")
    return entry.builder(small)


def sample_input(entry_id: str, small: bool = True, batch_size: int = 2, seed: int = 0):
    import numpy as np

    entry = get(entry_id)
    if entry.sample_input is None:
        raise TypeError(f"{entry_id} has no sample input")
    return entry.sample_input(small, batch_size, np.random.default_rng(seed))
