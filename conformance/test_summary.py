"""Summary snapshots (syrupy): the normalized structure, and the raw summary() text per generation.

The structure baseline is shared by every version: a Keras upgrade that moves a
shape, a parameter count or a connection fails here.  (The raw summary() text is
in test_summary_text.py, one baseline per Keras generation.)

Update the baselines only when a change is understood:
    tox -e tf215 -- -m summary --snapshot-update   (and the same on tf221)
"""
from __future__ import annotations

import ast
import re

import pytest
from syrupy.extensions.amber import AmberSnapshotExtension

from keras_upgrade_gate.conformance import baselines, expect
from keras_upgrade_gate.conformance.structure import structure_lines
from keras_upgrade_gate.layers import catalog

pytestmark = pytest.mark.summary

MODELS = catalog.entries("model")


class SharedSnapshots(AmberSnapshotExtension):
    """One structure baseline for every version: in the catalogue's snapshot folder (a team's own)."""

    snapshot_dirname = baselines.snapshot_dirname()


def _stored_lines(snapshot):
    """The baseline's lines, read back from the stored amber text (None when there is none)."""
    stored, _ = snapshot._recall_data(index=0)
    if stored is None:
        return None
    return [ast.literal_eval(match) for match in re.findall(r"^\s+('.*'),$", str(stored), flags=re.M)]


def _explain(entry_id: str, baseline, lines: list[str]) -> str:
    """Which layer and which field differ from the stored baseline."""
    if not isinstance(baseline, (list, tuple)):
        return expect.message(entry_id, "summary structure", "no baseline stored; run with --snapshot-update")
    details = []
    for index, (old, new) in enumerate(zip(baseline, lines)):
        if old == new:
            continue
        old_fields, new_fields = old.split(" | "), new.split(" | ")
        changed = [f"baseline {o!r}, now {n!r}" for o, n in zip(old_fields, new_fields) if o != n]
        details.append(f"layer {index} ({old_fields[0]}): " + "; ".join(changed))
    if len(baseline) != len(lines):
        details.append(f"{len(baseline)} lines in the baseline, {len(lines)} now")
    return expect.message(entry_id, "summary structure", "changed from the shared baseline: " + " | ".join(details))


@pytest.mark.parametrize("entry", MODELS, ids=lambda e: e.id)
def test_structure_matches_the_shared_baseline(entry, built, snapshot):
    lines = structure_lines(built(entry.id))
    snapshot = snapshot.use_extension(SharedSnapshots)
    if lines == snapshot:  # one comparison: syrupy counts each as an assertion
        return
    raise AssertionError(_explain(entry.id, _stored_lines(snapshot), lines))
