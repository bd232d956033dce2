"""How to install this same gate somewhere else (a team's tox environment, an upgrade side's venv).

Read from the installed distribution's PEP 610 record (``direct_url.json``): a wheel file, a folder or a
git URL the gate was installed from; from an index, the released version.  In the gate's checkout it is
the checkout itself, editable.
"""
from __future__ import annotations

import json
import pathlib
from importlib import metadata

DISTRIBUTION = "keras-upgrade-gate"


def requirement() -> str:
    """A pip requirement (or ``-e PATH``) that installs the gate this process runs."""
    import keras_upgrade_gate

    if keras_upgrade_gate._in_the_checkout():
        return f"-e {pathlib.Path(keras_upgrade_gate.__file__).resolve().parents[1]}"
    try:
        distribution = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return DISTRIBUTION
    record = distribution.read_text("direct_url.json")
    if not record:
        return f"{DISTRIBUTION}=={distribution.version}"
    origin = json.loads(record)
    url = origin["url"]
    if "vcs_info" in origin:
        vcs = origin["vcs_info"]
        return f"{DISTRIBUTION} @ {vcs['vcs']}+{url}@{vcs.get('commit_id', vcs.get('requested_revision', ''))}"
    if url.startswith("file://"):
        path = url.removeprefix("file://")
        return f"-e {path}" if origin.get("dir_info", {}).get("editable") else path
    return f"{DISTRIBUTION} @ {url}"


def arguments() -> list[str]:
    """The requirement as arguments of ``pip install`` (``-e`` and its path apart)."""
    wanted = requirement()
    return wanted.split(" ", 1) if wanted.startswith("-e ") else [wanted]
