"""The Keras upgrade gate: does your model, your saved file, still do what it did on the next Keras?

A team registers its models in a module of its own and names it in ``pyproject.toml``::

    from keras_upgrade_gate import Entry, Recipe, register, keras

    register(Entry(id="team.classifier", builder=lambda: my_model(), sample_input=(12,)))

    [tool.keras-upgrade-gate]
    models = ["team.models"]
    baselines = "gate-baselines"

then ``keras-gate baselines`` records what the model does on the TensorFlow it runs today, and
``keras-gate run`` checks every other version against it (README: "Gate your own models").

The installed package is this one import name; its parts are subpackages: ``layers`` (the catalogue and
the one module that knows Keras 2 from Keras 3), ``conformance`` (the checks), ``fixtures`` (data,
baselines, measurements) and ``reporting`` (results, pages, reproduction scripts).  Importing it imports
neither TensorFlow nor Keras: the names below load on first use.
"""
from __future__ import annotations

import pathlib

_HERE = pathlib.Path(__file__).resolve().parent


def _in_the_checkout() -> bool:
    """Whether this is the gate's own repository, whose subpackages sit beside this folder (the layout the
    design fixes: layers/, conformance/, fixtures/ at the top); an installed wheel holds them inside it."""
    root = _HERE.parent
    return (not (_HERE / "layers").is_dir() and (root / "layers" / "catalog.py").is_file()
            and (root / "conformance" / "gate.py").is_file())


if _in_the_checkout():
    __path__.append(str(_HERE.parent))  # noqa: F821 (a package's __path__): keras_upgrade_gate.layers -> ./layers

# The public API for a team's module: name -> the module that defines it (loaded on first use).
_PUBLIC = {
    "Entry": "keras_upgrade_gate.layers.catalog",
    "Recipe": "keras_upgrade_gate.layers.catalog",
    "Quick": "keras_upgrade_gate.layers.catalog",
    "register": "keras_upgrade_gate.layers.catalog",
    "SavedFile": "keras_upgrade_gate.layers.saved_file",
    "Training": "keras_upgrade_gate.layers.saved_file",
    "uniform_input": "keras_upgrade_gate.layers.building",
    "token_input": "keras_upgrade_gate.layers.building",
    "built_layer": "keras_upgrade_gate.layers.building",
    "keras": "keras_upgrade_gate.layers.compat",
    "parametrize_with_checks": "keras_upgrade_gate.checks",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'keras_upgrade_gate' has no attribute {name!r}")
