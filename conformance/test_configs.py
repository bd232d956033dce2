"""Configs are evidence: every entry's layers and every recipe's compiled optimizer, loss and metrics,
as normalized ``get_config()`` text (conformance/configs.py), against a snapshot per Keras generation
(``__snapshots__/configs-keras2``, ``configs-keras2.12``, ``configs-tf_keras`` and one per Keras 3 layout,
``configs-keras3.N``, named by the first minor that writes it: layers.compat.KERAS3_CONFIG_LAYOUTS): a default
that moves between versions shows as a named field of a named layer.  Update with
    tox -e tf215 -- conformance/test_configs.py --snapshot-update   (and the same on tf212, tf221, tf221-legacy
    and the environment of each Keras 3 layout: tf216-keras30, tf217-keras33, ...)
"""
from __future__ import annotations

import pytest
from syrupy.extensions.amber import AmberSnapshotExtension

from keras_upgrade_gate.conformance import baselines, configs, expect, repro
from keras_upgrade_gate.conformance.expectations import outcome_of
from keras_upgrade_gate.layers import catalog, compat

pytestmark = pytest.mark.summary


class PerGenerationConfigs(AmberSnapshotExtension):
    """Config baselines per generation: a run on one neither reads nor prunes the other's."""

    snapshot_dirname = baselines.snapshot_dirname(f"configs-{compat.CONFIG_LAYOUT}")


STORED = baselines.SNAPSHOTS / f"configs-{compat.CONFIG_LAYOUT}" / "test_configs.ambr"
LAYER_CHECK = "test_every_layer_config_matches_this_generation"


@pytest.mark.parametrize("entry", catalog.buildable(), ids=lambda e: e.id)
def test_every_layer_config_matches_this_generation(entry, built, snapshot, record_property):
    text = "\n".join(configs.layer_lines(built(entry.id, small=True)))
    check, message = f"layer configs ({compat.CONFIG_LAYOUT})", "a layer's config differs from this generation's baseline"
    # A failure records its reproduction: the model as its builder wrote it, and the stored configs.
    with repro.on_failure(record_property, lambda: repro.layer_configs(
            entry.id, check, repro.amber_text(STORED, f"{LAYER_CHECK}[{entry.id}]"), message)):
        assert text == snapshot.use_extension(PerGenerationConfigs), expect.message(entry.id, check, message)


def test_the_stored_configs_read_back_as_the_layer_lines(built):
    """What a reproduction script embeds as the baseline is the text the config check compares with."""
    for entry in (catalog.buildable()[0], catalog.entries("model")[0]):  # a one-line text and a model's lines
        expect.equal(entry.id, "layer configs read back from their snapshot",
                     "\n".join(configs.layer_lines(built(entry.id, small=True))),
                     repro.amber_text(STORED, f"{LAYER_CHECK}[{entry.id}]"))


@pytest.mark.parametrize("entry", catalog.with_recipe(), ids=lambda e: e.id)
def test_compiled_optimizer_loss_and_metrics_match_this_generation(entry, snapshot, record_property):
    recipe = entry.recipe
    small = recipe.quick_small
    model = recipe.build_model(small)
    # Also the judge of a compile:<recipe> row (conformance/unbuildable.py): this Keras may refuse the arguments.
    observed, settings = outcome_of(recipe.compile)
    expect.outcome(entry.id, f"compile:{entry.id}", "compile configs", observed, record_property)
    if settings is None:
        return
    text = "\n".join(configs.compile_lines(model, settings))
    assert text == snapshot.use_extension(PerGenerationConfigs), expect.message(
        entry.id, f"compile configs ({compat.CONFIG_LAYOUT})",
        "the optimizer's, loss's or metrics' config differs from this generation's baseline")


@baselines.SEEDS_ONLY
def test_every_keras3_config_layout_has_its_baseline_and_no_baseline_is_orphaned():
    import pathlib

    root = pathlib.Path(__file__).parent / "__snapshots__"
    declared = {f"configs-keras3.{minor}" for minor in compat.KERAS3_CONFIG_LAYOUTS}
    stored = {p.name for p in root.glob("configs-keras3*")}
    assert stored == declared, (f"keras_upgrade_gate.layers.compat.KERAS3_CONFIG_LAYOUTS declares {sorted(declared)}, "
                                f"conformance/__snapshots__ holds {sorted(stored)}")
