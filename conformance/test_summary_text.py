"""Raw ``summary()`` text per Keras generation (syrupy), captured at a fixed width.

Keras 2 and 3 print different tables by design, and Keras 2.12 pads its columns
differently from 2.13-2.15, so each layout (layers.compat.SUMMARY_LAYOUT) has its own
baseline directory (``__snapshots__/keras2``, ``keras2.12``, ``keras3``): a run on one
layout neither reads nor prunes the others'.  Update with
    tox -e tf215 -- -m summary --snapshot-update   (and the same on tf212, tf221)
"""
from __future__ import annotations

import pytest
from syrupy.extensions.amber import AmberSnapshotExtension

from keras_upgrade_gate.conformance import baselines, expect, repro
from keras_upgrade_gate.layers import catalog, compat

pytestmark = pytest.mark.summary

MODELS = catalog.entries("model")
SUMMARY_WIDTH = 120  # fixed so the text does not follow the terminal


class PerGenerationSnapshots(AmberSnapshotExtension):
    """Raw summaries live in __snapshots__/keras2/ and keras3/: a run on one generation
    neither reads nor prunes the other's baselines."""

    snapshot_dirname = baselines.snapshot_dirname(compat.SUMMARY_LAYOUT)


STORED = baselines.SNAPSHOTS / compat.SUMMARY_LAYOUT / "test_summary_text.ambr"
CHECK_NAME = "test_raw_summary_text_matches_this_generation"


@pytest.mark.parametrize("entry", MODELS, ids=lambda e: e.id)
def test_raw_summary_text_matches_this_generation(entry, built, snapshot, record_property):
    model = built(entry.id)
    text = compat.summary_text(model, width=SUMMARY_WIDTH)
    check = f"raw summary text ({compat.SUMMARY_LAYOUT})"
    # A failure records its reproduction: the model as code and the stored text it is compared with.
    with repro.on_failure(record_property, lambda: repro.summary_text(
            entry.id, check, model, repro.amber_text(STORED, f"{CHECK_NAME}[{entry.id}]"), SUMMARY_WIDTH,
            "differs from this layout's baseline")):
        assert text == snapshot.use_extension(PerGenerationSnapshots), expect.message(
            entry.id, check, "differs from this layout's baseline")


def test_the_stored_text_reads_back_as_the_summary(built):
    """What a reproduction script embeds as the baseline is the text the snapshot check compares with."""
    entry_id = MODELS[0].id
    expect.equal(entry_id, "summary text read back from its snapshot", compat.summary_text(built(entry_id), width=SUMMARY_WIDTH),
                 repro.amber_text(STORED, f"{CHECK_NAME}[{entry_id}]"))


def test_baselines_hold_no_stale_snapshots():
    """Unused snapshots are not an error (the other generation's are always unused), so check here
    that every stored baseline still belongs to a catalogue entry."""
    import re

    wanted = {e.id for e in catalog.entries()}  # configs snapshot layers and recipes too
    for path in sorted(baselines.SNAPSHOTS.rglob("*.ambr")):
        stored = set(re.findall(r"^# name: \w+\[([^\]]+)\]", path.read_text(), flags=re.M))
        stale = sorted(stored - wanted)
        assert not stale, f"{baselines.shown(path)} holds baselines for ids no longer catalogued: {stale}"
