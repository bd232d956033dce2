"""The results.json format: one file per environment, read by the index and the upgrade diff.

{
  "format": 1, "env": "tf221", "environment": {"tensorflow": ..., "keras": ..., "python": ..., "gpus": [...]},
  "started": ISO time, "wall_seconds": float,
  "tests": [{"nodeid", "snippet", "kind", "outcome", "duration", "message", "values", "expected"}]
}

``outcome`` is passed, failed, error or skipped.  ``values`` are the test's recorded values
(record_property).  ``expected`` lists the rows of conformance/expectations.py that applied.
"""
from __future__ import annotations

import json
import os
import pathlib
import platform
from importlib import metadata

FORMAT = 1
SUITE = "(suite)"  # the snippet of a check that is about the gate itself, not one snippet
SNIPPET_IDS_FILE = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "snippet_ids.txt"


def snippet_ids() -> list[str]:
    return SNIPPET_IDS_FILE.read_text().split()


def entry_of(item) -> str | None:
    """The catalogue entry a collected check belongs to, read from its data, never from its node id: its
    ``entry`` (an Entry) or ``entry_id`` parameter, else its ``snippet`` marker; None for a suite check."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    entry = params.get("entry") or params.get("entry_id")
    if isinstance(entry, str):
        return entry
    if hasattr(entry, "id"):  # an Entry; an empty parametrization leaves pytest's NOTSET, no entry
        return entry.id
    marker = item.get_closest_marker("snippet")
    return marker.args[0] if marker else None


def kind_of(nodeid: str) -> str:
    """The check kind: the test module's name without ``test_`` (summary_text, parity, ...)."""
    module = nodeid.split("::")[0].rsplit("/", 1)[-1]
    return module.removeprefix("test_").removesuffix(".py")


def gate_nodeid(nodeid: str) -> str:
    """A check's node id as the gate's repository names it (conformance/test_x.py::...), wherever it ran: pytest
    names it from its rootdir, which is a team's folder when the gate runs installed (test_x.py::...), so two
    runs compare check by check however each was started."""
    path, sep, rest = nodeid.partition("::")
    name = path.rsplit("/", 1)[-1]
    return f"conformance/{name}{sep}{rest}" if sep and name.startswith("test_") else nodeid


def check_of(nodeid: str) -> str:
    """The node id without the module's folder: the row label in the index."""
    return nodeid.split("/", 1)[-1] if "/" in nodeid.split("::")[0] else nodeid


DIED_NODEID = "gate::the environment ran to the end"  # the one check a dead environment reports


def died_test(reason: str) -> dict:
    """A failed check standing for a gate run that died: the index shows it, the upgrade diff counts it."""
    return {"nodeid": DIED_NODEID, "snippet": SUITE, "kind": "environment", "outcome": "failed", "duration": 0.0,
            "message": reason[:2000], "values": {}, "expected": []}


def installed_versions() -> dict:
    """TensorFlow's and Keras's versions from the installed distributions (no import: the process that
    asks may be the one watching a TensorFlow that crashed)."""
    def first(*names):
        for name in names:
            try:
                return metadata.version(name)
            except metadata.PackageNotFoundError:
                continue
        return "unknown"

    keras = ("tf-keras", "keras") if os.environ.get("TF_USE_LEGACY_KERAS") == "1" else ("keras", "tf-keras")
    return {"tensorflow": first("tensorflow", "tf-nightly", "tensorflow-cpu"), "keras": first(*keras),
            "python": platform.python_version(), "gpus": []}


def repro_name(nodeid: str) -> str:
    """The file name (without .py) of a check's reproduction script under reports/<env>/repro/."""
    check = check_of(nodeid).replace(".py::", "-").replace("::", "-")
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in check).strip("_")[:150]


def load(path) -> dict:
    data = json.loads(pathlib.Path(path).read_text())
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: results format {data.get('format')!r}, this gate reads {FORMAT}")
    return data


def write(path, data: dict) -> None:
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True, default=_jsonable))


def _jsonable(value):
    """NumPy scalars and arrays, tuples and shapes become plain JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)
