"""A team's baselines folder, as a run meets it: one written by another layout of the gate is refused with what
to do, and an environment whose baselines were never written stops the run naming what is missing."""
from __future__ import annotations

import pytest

from keras_upgrade_gate.conformance import baselines, write_baselines
from keras_upgrade_gate.layers import sources


@pytest.fixture
def team_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(baselines.sources, "configured",
                        lambda: sources.Source(("team.models",), tmp_path, "a test"))
    return tmp_path


def test_a_folder_of_another_layout_is_refused(team_folder):
    baselines.refuse_another_layout()  # no stamp: the current layout
    baselines.stamp_the_layout()
    baselines.refuse_another_layout()
    (team_folder / baselines.LAYOUT_FILE).write_text("0\n")
    with pytest.raises(SystemExit, match="layout '0'; this gate reads layout 1.*keras-gate baselines --force"):
        baselines.refuse_another_layout()


def test_a_kind_is_stored_only_where_its_file_names_the_entry(tmp_path, monkeypatch):
    """What `keras-gate baselines` skips and the run demands: read from the files, entry by entry."""
    monkeypatch.setattr(baselines, "MEASUREMENTS", tmp_path)
    recorded = '{"traits": {"seq.add": {"parameters": 3}}}'
    (tmp_path / "traits.json").write_text(f'{{"keras3": {recorded}, "keras2": {recorded}}}')
    assert write_baselines.stored("traits", "seq.add")
    assert not write_baselines.stored("traits", "seq.mlp_binary")
