"""A saved model file in the catalogue: what a team registers to have the gate check the file it ships.

    register(SavedFile(id="team.churn_h5", path="models/churn.h5", inputs="models/churn_inputs.npz"))

The checks are conformance/saved_files.py's; this module is only the entry, so that registering one
imports neither TensorFlow nor the checks.
"""
from __future__ import annotations

import dataclasses
import pathlib
from typing import Any, Callable

FORMATS = ("keras", "h5", "savedmodel", "weights")  # compat.SAVE_FORMATS is this (here: no TensorFlow import)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Training:
    """Going on training a loaded file: ``compile()`` gives compile's keyword arguments, ``batch`` a
    labelled batch (an .npz holding ``x`` and ``y``, or a function returning (x, y))."""
    compile: Callable[[], dict]
    batch: str | Callable[[], tuple]


@dataclasses.dataclass(frozen=True, kw_only=True)
class SavedFile:
    """A saved model the gate checks: ``path`` (a .keras or .h5 file, a SavedModel folder, or a
    .weights.h5 with the ``builder`` it belongs to), relative to the team's checkout; ``inputs`` (an .npz
    whose arrays are the model's inputs in order, or a function returning them); ``custom_objects`` as
    import paths ("team.layers:Scaled" or "team.layers.Scaled"); ``training`` to go on training it."""
    id: str
    path: str | pathlib.Path
    inputs: str | Callable[[], Any]
    format: str | None = None  # from the path when not given
    builder: Callable[[], Any] | None = None
    custom_objects: tuple[str, ...] = ()
    training: Training | None = None
    title: str = ""  # how `keras-gate list` names it; the path and format by default
    apart: bool = True  # checked in a process of its own: a hang or a crash is this file's failure, not the run's

    def __post_init__(self):
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"a saved file needs an id (a non-empty string), got {self.id!r}")
        fmt = self.format or format_of(pathlib.Path(self.path))
        if fmt not in FORMATS:
            raise ValueError(f"{self.id}: {self.path} is not a format the gate reads ({', '.join(FORMATS)}); "
                             "name it with format=")
        if fmt == "weights" and self.builder is None:
            raise ValueError(f"{self.id}: {self.path} holds weights only: give the builder they belong to")
        object.__setattr__(self, "format", fmt)
        object.__setattr__(self, "custom_objects", tuple(self.custom_objects))
        object.__setattr__(self, "title", self.title or f"{self.path} ({fmt})")

    @property
    def location(self) -> pathlib.Path:
        return pathlib.Path(self.path) if pathlib.Path(self.path).is_absolute() else pathlib.Path.cwd() / self.path

    def record_path(self, suffix: str) -> pathlib.Path:
        return self.location.with_name(self.location.name + suffix)


def format_of(path: pathlib.Path) -> str | None:
    name = path.name.lower()
    if name.endswith(".weights.h5"):
        return "weights"
    if name.endswith((".h5", ".hdf5")):
        return "h5"
    if name.endswith(".keras"):
        return "keras"
    if path.is_dir() or not path.suffix:
        return "savedmodel"
    return None
