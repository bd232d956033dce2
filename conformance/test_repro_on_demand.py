"""`python -m keras_upgrade_gate.conformance.repro KIND ENTRY [FORMAT] -o FILE` writes a check's reproduction script whether the
check fails or not (a row's known Keras bug, to report upstream); bad input is refused with the reason."""
from __future__ import annotations

import pytest

from keras_upgrade_gate.conformance import repro
from keras_upgrade_gate.layers import catalog
from keras_upgrade_gate.reporting.repro import render

pytestmark = pytest.mark.saving


def test_a_read_back_script_is_written_on_demand():
    entry_id = catalog.ids("model")[0]
    text = render(repro.on_demand("read_back", entry_id, "keras"))
    compile(text, "repro.py", "exec")
    assert f"Snippet: {entry_id}" in text and "FORMAT, FILE_NAME = 'keras'" in text
    assert "keras_upgrade_gate" not in text


@pytest.mark.parametrize("kind,entry,fmt,says", [
    ("read_back", "no.such.entry", "keras", "no catalogue entry"),
    ("read_back", None, "zip", "needs a format"),
    ("summary", None, None, "no on-demand script"),
], ids=["unknown entry", "unknown format", "unknown kind"])
def test_bad_input_is_refused_with_the_reason(kind, entry, fmt, says):
    with pytest.raises(SystemExit, match=says):
        repro.on_demand(kind, entry or catalog.ids("model")[0], fmt)
