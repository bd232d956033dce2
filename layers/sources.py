"""Where the catalogue comes from: the seed modules of this project, or a team's own modules.

A team gates its own models by naming the modules that register them (with ``catalog.register``, as the
seed modules do) and the folder their baselines live in, either in the environment::

    GATE_MODELS=team.models GATE_BASELINES=gate-baselines python -m keras_upgrade_gate.conformance.gate --env tf221

or in the ``pyproject.toml`` of the directory the gate runs in::

    [tool.keras-upgrade-gate]
    models = ["team.models"]
    baselines = "gate-baselines"

The environment wins over the file.  Named modules replace the seed catalogue (a team's gate runs on its
own models); their directory is put on ``sys.path`` so ``team.models`` imports from the team's checkout.
With neither set, the catalogue is the gate's seed modules (``layers/seed*.py``) and the baselines are
the project's own (fixtures/, conformance/__snapshots__).
"""
from __future__ import annotations

import dataclasses
import functools
import os
import pathlib
import sys

TABLE = "keras-upgrade-gate"  # [tool.<TABLE>] in a team's pyproject.toml


@dataclasses.dataclass(frozen=True)
class Source:
    modules: tuple[str, ...]  # module names to import; () for the seed catalogue
    baselines: pathlib.Path | None  # the team's baselines folder; None: the project's own
    where: str  # what set them, for messages

    @property
    def is_seed_catalogue(self) -> bool:
        return not self.modules


def _pyproject_table(directory: pathlib.Path) -> dict:
    path = directory / "pyproject.toml"
    if not path.exists():
        return {}
    import tomllib

    try:
        return tomllib.loads(path.read_text()).get("tool", {}).get(TABLE, {})
    except tomllib.TOMLDecodeError as error:
        raise SystemExit(f"{path}: not valid TOML ({error}); the gate reads [tool.{TABLE}] from it") from None


@functools.cache
def configured() -> Source:
    """The catalogue's source for this process, read once: $GATE_MODELS/$GATE_BASELINES, else the
    [tool.keras-upgrade-gate] table of ./pyproject.toml, else the seed catalogue."""
    cwd = pathlib.Path.cwd()
    table = _pyproject_table(cwd) if not _is_this_project(cwd) else {}
    modules = os.environ.get("GATE_MODELS")
    where = "GATE_MODELS"
    if modules is None and table.get("models"):
        modules, where = table["models"], f"[tool.{TABLE}] in {cwd / 'pyproject.toml'}"
    names = tuple(m.strip() for m in (modules.split(",") if isinstance(modules, str) else modules or ()) if m.strip())
    baselines = os.environ.get("GATE_BASELINES") or table.get("baselines")
    if not names:
        if baselines:
            raise SystemExit(f"baselines {baselines!r} are set but no models: set GATE_MODELS (or models in [tool.{TABLE}])")
        return Source((), None, "the seed catalogue")
    if not baselines:
        raise SystemExit(f"{where} names {list(names)} but no baselines folder: set GATE_BASELINES "
                         f"(or baselines in [tool.{TABLE}]); the team's baselines live in its own checkout")
    return Source(names, (cwd / baselines).resolve(), where)


def _is_this_project(directory: pathlib.Path) -> bool:
    """The gate's own repository, whose pyproject.toml describes the gate, not a team's catalogue."""
    return directory.resolve() == pathlib.Path(__file__).resolve().parents[1]


def import_team_modules() -> None:
    """Import the named modules (each registers its entries), from the directory the gate runs in."""
    import importlib

    source = configured()
    if str(pathlib.Path.cwd()) not in sys.path:
        sys.path.insert(0, str(pathlib.Path.cwd()))
    for name in source.modules:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name and name.startswith(error.name):
                raise SystemExit(f"{source.where} names {name!r}, which does not import from {pathlib.Path.cwd()}: "
                                 f"{error}") from None
            raise SystemExit(_import_failed(source, name, error)) from error
        except Exception as error:  # the team's module raised: name it, with the line it raised at
            raise SystemExit(_import_failed(source, name, error)) from error


def _import_failed(source: Source, name: str, error: BaseException) -> str:
    import traceback

    frames = [f for f in traceback.extract_tb(error.__traceback__) if "importlib" not in f.filename]
    where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return (f"{source.where} names {name!r}, which raised on import{where}: {type(error).__name__}: {error}\n"
            f"fix the module (python -c 'import {name}' shows the whole traceback) and run the gate again")
