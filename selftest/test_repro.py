"""A failing check's reproduction script (reports/<env>/repro/<check>.py) fails where the check fails
and passes where it passes: the gate runs with an injected regression and writes the script; the script,
run by a plain interpreter, passes on the Keras as installed and fails with the same regression applied."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from keras_upgrade_gate.reporting import results
from keras_upgrade_gate.selftest.injections import BY_NAME
from keras_upgrade_gate.selftest.run import ROOT, keras3, run_gate

pytestmark = pytest.mark.selftest

# (injection, check, model): a golden run's forward output of a functional model, a gradient (the
# script's training steps), a custom layer (the script carries the gate's layers/custom.py), a
# golden fit (the recipe's compile and the rows it was fed), a model's symbolic shapes against its
# forward pass, its summary() text against the stored baseline, a shared layer's public node API, and layer
# configs: there the script is written from the arguments the builder passed (model_code.constructor_arguments),
# so a regression in what a layer stores (a default swapped at build) or reports (a field its get_config
# drops) stays in the Keras under test.  Elsewhere the script is written from the failing version's
# configs, so injections that change what a constructor stores are not used there (README "Reproduction scripts").
CASES = [("dense_bias_dropped", "trajectory", "func.multi_io"), ("relu_gradient_doubled", "trajectory", "seq.mlp_binary"),
         ("attention_scale_removed", "trajectory", "attn.self_attention_seq"), ("gradients_scaled", "fit", "seq.mlp_softmax"),
         ("time_distributed_inferred_step_short", "shapes", "func.time_distributed_dense"),
         ("summary_miscounts_parameters", "summary", "seq.mlp_binary"),
         ("node_accessor_wrong_node", "public nodes", "func.shared_lstm-shared_lstm"),
         ("optimizer_update_lost", "convergence", "seq.mlp_softmax"),
         ("initializers_ignore_the_seed", "determinism", "seq.mlp_softmax"),
         ("dense_bias_not_restored", "read back", "seq.mlp_binary-keras"),
         ("dense_bias_not_restored", "golden load", "seq.mlp_binary-{writer}-keras"),
         ("dense_bias_dropped_in_float16", "parity", "seq.add-cpu_mixed_float16"),
         ("dense_default_initializer", "configs", "seq.mlp_binary"),
         ("embedding_config_drops_mask_zero", "configs", "attn.prob_attention_model"),
         ("pooling_padding_same", "configs", "attn.se_cnn")]
CHECKS = {"trajectory": "conformance/test_golden.py::test_trajectory_matches_this_generations_baseline[{}]",
          "fit": "conformance/test_golden.py::test_fit_matches_this_generations_baseline[{}]",
          "shapes": "conformance/test_shapes.py::test_symbolic_shapes_match_a_forward_pass[{}]",
          "summary": "conformance/test_summary_text.py::test_raw_summary_text_matches_this_generation[{}]",
          "public nodes": "conformance/test_nodes.py::test_the_public_node_api_gives_each_calls_tensors[{}]",
          "convergence": "conformance/test_convergence.py::test_recipe_reaches_its_thresholds[{}]",
          "determinism": "conformance/test_determinism.py::test_one_epoch_repeats_the_seeded_run_bit_for_bit[{}]",
          "read back": "conformance/test_saving.py::test_what_this_version_wrote_reads_back[{}]",
          "golden load": "conformance/test_saving.py::test_golden_artifact_loads_and_matches[{}]",
          "parity": "conformance/test_parity.py::test_path_matches_the_cpu_reference[{}]",
          "configs": "conformance/test_configs.py::test_every_layer_config_matches_this_generation[{}]"}


def _golden_writer() -> str:
    """This generation's golden writer: the fixtures/saved folder whose manifest names the generation."""
    generation = 3 if keras3() else 2
    return next(folder.name for folder in sorted((ROOT / "fixtures" / "saved").iterdir())
                if json.loads((folder / "manifest.json").read_text())["environment"]["keras_generation"] == generation)


def _script(path, inject=None) -> subprocess.CompletedProcess:
    command = [sys.executable, str(path)] if inject is None else [
        sys.executable, "-m", "keras_upgrade_gate.selftest.under_injection", inject, str(path)]
    # From outside the project, so the script cannot import the gate even by accident (the injected
    # run needs the selftest's modules: it runs from the project, the script itself is unchanged).
    return subprocess.run(command, cwd=ROOT if inject else path.parent, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=""))


@pytest.mark.parametrize("injection, check, entry_id", CASES, ids=[f"{i}-{c}-{e}" for i, c, e in CASES])
def test_the_reproduction_fails_where_the_check_fails_and_passes_where_it_passes(injection, check, entry_id):
    if BY_NAME[injection].patch_for(keras3()) is None:
        pytest.skip(f"{injection} has no form on this Keras")
    label = f"repro-{injection}-{check.replace(' ', '_')}"
    # a golden load reads this generation's golden writer's file (Keras 2.15's on Keras 2, Keras 3.0's on Keras 3)
    entry_id = entry_id.format(writer=_golden_writer())
    run = run_gate(label, [CHECKS[check].format(entry_id)], inject=injection, extra=("-p", "no:randomly"))
    assert run.returncode != 0 and run.failures, f"{injection} did not fail {entry_id}'s {check} check\n{run.output[-1500:]}"
    failure = run.failures[0]
    assert failure.get("repro", {}).get("script"), f"no reproduction script recorded: {failure.get('repro')}"
    script = ROOT / "reports" / "selftest" / label / failure["repro"]["script"]
    assert script.name == f"{results.repro_name(failure['nodeid'])}.py" and script.exists(), script
    text = script.read_text()
    assert "keras_upgrade_gate" not in text, "the script imports the gate"

    clean = _script(script)
    assert clean.returncode == 0 and "passes on TensorFlow" in clean.stdout, (
        f"the script fails without the regression:\n{clean.stdout[-1500:]}{clean.stderr[-1500:]}")
    broken = _script(script, inject=injection)
    assert broken.returncode != 0 and "AssertionError" in broken.stderr, (
        f"the script passes with {injection} applied:\n{broken.stdout[-1500:]}{broken.stderr[-1500:]}")


def test_every_model_written_as_its_builder_wrote_it_has_its_layer_configs():
    """The config scripts' model code (model_code.source with as_written) rebuilds every model entry's exact
    layer lines on the Keras that runs it: a script that failed on the good Keras would be a false report."""
    from keras_upgrade_gate.conformance import configs, model_code
    from keras_upgrade_gate.conformance.test_model_code import rebuild
    from keras_upgrade_gate.layers import catalog

    for entry in catalog.entries("model"):
        with model_code.constructor_arguments() as as_written:
            model = catalog.build(entry.id, small=True)
        code = model_code.source(model, as_written)
        assert configs.layer_lines(rebuild(model, code)) == configs.layer_lines(model), (
            f"[{entry.id}] the model written as its builder wrote it has other layer configs:\n{code}")
