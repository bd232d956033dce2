"""The version matrix, read from tox.ini's [matrix] envs (the one list): the CI workflow's setup job prints it
as JSON for the gate and grid jobs (``python .github/matrix.py >> "$GITHUB_OUTPUT"``), and the workflow's
tests expand it the same way."""
from __future__ import annotations

import configparser
import itertools
import json
import pathlib
import re

TOX_INI = pathlib.Path(__file__).resolve().parents[1] / "tox.ini"


def expand(spec: str) -> list[str]:
    """tox's brace expansion for env lists: tf2{12,13}, tf216-keras3{0,1} -> tf212, tf213, tf216-keras30, ..."""
    names = []
    for item in (part.strip() for part in re.split(r",\s*(?![^{]*})", spec) if part.strip()):
        pieces = re.split(r"\{([^}]*)\}", item)
        options = [p.split(",") if i % 2 else [p] for i, p in enumerate(pieces)]
        names += ["".join(choice).strip() for choice in itertools.product(*options)]
    return names


def matrix() -> list[str]:
    config = configparser.ConfigParser(interpolation=None)
    config.read(TOX_INI)
    return expand(config["matrix"]["envs"])


if __name__ == "__main__":
    print(f"envs={json.dumps(matrix())}")
