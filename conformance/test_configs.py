"""Configs are evidence: every entry's layers and every recipe's compiled optimizer, loss and metrics,
as normalized ``get_config()`` text (conformance/configs.py), against a snapshot per Keras generation
(``__snapshots__/configs-keras2``, ``configs-keras3``, ``configs-keras2.12`` and ``configs-tf_keras``): a default that moves between versions shows as
a named field of a named layer.  Update with
    tox -e tf215 -- conformance/test_configs.py --snapshot-update   (and the same on tf212, tf221 and tf221-legacy)
"""
from __future__ import annotations

import pytest
from syrupy.extensions.amber import AmberSnapshotExtension

from conformance import configs, expect
from layers import catalog, compat

pytestmark = pytest.mark.summary


class PerGenerationConfigs(AmberSnapshotExtension):
    """Config baselines per generation: a run on one neither reads nor prunes the other's."""

    snapshot_dirname = f"__snapshots__/configs-{compat.CONFIG_LAYOUT}"


@pytest.mark.parametrize("entry", catalog.buildable(), ids=lambda e: e.id)
def test_every_layer_config_matches_this_generation(entry, built, snapshot):
    text = "\n".join(configs.layer_lines(built(entry.id, small=True)))
    assert text == snapshot.use_extension(PerGenerationConfigs), expect.message(
        entry.id, f"layer configs ({compat.CONFIG_LAYOUT})", "a layer's config differs from this generation's baseline")


@pytest.mark.parametrize("entry", catalog.with_recipe(), ids=lambda e: e.id)
def test_compiled_optimizer_loss_and_metrics_match_this_generation(entry, snapshot):
    recipe = entry.recipe
    small = recipe.quick.small or recipe.small
    model = recipe.builder(small) if recipe.builder else catalog.build(recipe.model_id, small=small)
    text = "\n".join(configs.compile_lines(model, recipe.compile()))
    assert text == snapshot.use_extension(PerGenerationConfigs), expect.message(
        entry.id, f"compile configs ({compat.CONFIG_LAYOUT})",
        "the optimizer's, loss's or metrics' config differs from this generation's baseline")
