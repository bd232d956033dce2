"""Every environment variable the gate reads is listed, with what it sets, in keras_upgrade_gate/settings.py."""
from __future__ import annotations

import pathlib
import re

import pytest

from keras_upgrade_gate import settings

PACKAGE = pathlib.Path(settings.__file__).resolve().parent
READ = re.compile(r"""environ(?:\.get|\.setdefault|\.pop)?\(?\[?\s*["']([A-Z][A-Z0-9_]+)["']""")


def _read_in(paths) -> dict[str, str]:
    found = {}
    for path in paths:
        for name in READ.findall(path.read_text()):
            found.setdefault(name, path.name)
    return found


@pytest.mark.house
def test_every_variable_the_gate_reads_is_listed():
    import keras_upgrade_gate

    roots = [pathlib.Path(p) for p in keras_upgrade_gate.__path__]
    paths = [path for root in roots for folder in ("layers", "conformance", "reporting", "selftest", "keras_upgrade_gate")
             for path in sorted((root / folder).glob("*.py")) if (root / folder).is_dir()]
    paths += [path for root in roots for path in sorted(root.glob("*.py"))]
    paths = [path for path in paths if path.resolve() != pathlib.Path(__file__).resolve()]  # its own example
    listed = {*settings.OVERRIDES, *settings.CHANNELS, *settings.NOT_THE_GATES}
    unlisted = {name: where for name, where in _read_in(paths).items() if name not in listed}
    assert not unlisted, f"environment variables read but not listed in keras_upgrade_gate/settings.py: {unlisted}"


def test_an_unlisted_variable_is_found(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('import os\nvalue = os.environ.get("GATE_SOMETHING_NEW", "")\n')
    assert _read_in([module]) == {"GATE_SOMETHING_NEW": "m.py"}
