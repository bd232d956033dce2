"""Reproduction scripts are rendered from a failing check's recipe (no TensorFlow here: the scripts
are run by selftest/test_repro.py)."""
from __future__ import annotations

import numpy as np
import pytest

from keras_upgrade_gate.conformance import repro as recipes
from keras_upgrade_gate.reporting import repro, results

NODEID = "conformance/test_golden.py::test_trajectory_matches_this_generations_baseline[seq.mlp_binary]"


def _recipe(**changes) -> dict:
    return {"template": "golden_trajectory", "entry": "seq.mlp_binary", "check": "golden: forward output before training",
            "versions": "TF 2.21.0 / Keras 3.15.1", "message": "output_0 differs", "custom_layers": "",
            "model": "def build_model():\n    return keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])",
            "helpers": "def draw_weight(rng, name, shape):\n    return rng.standard_normal(shape).astype('float32')",
            "weight_seed": 1, "weight_names": ["kernel", "bias"], "inputs": recipes.encode(np.ones((4, 3))),
            "training": False, "steps": 3, "loss_drop": 0.05, "stochastic_layers": ["Dropout"],
            "quantity": "outputs", "index": 0, "expected": recipes.encode(np.zeros((4, 1))), "atol": 1e-6, **changes}


def test_a_recipe_renders_a_script_that_names_the_check_and_imports_no_gate():
    text = repro.render(_recipe())
    compile(text, "repro.py", "exec")
    assert "Snippet: seq.mlp_binary" in text and "golden: forward output before training" in text
    assert "TF 2.21.0 / Keras 3.15.1" in text
    assert "keras_upgrade_gate" not in text and "conformance" not in text and "reporting" not in text


@pytest.mark.parametrize("arrays", [np.arange(6.0).reshape(2, 3), [np.ones(2), np.zeros(3)],
                                    {"main_input": np.ones(2), "aux_input": np.zeros(1)}])
def test_embedded_arrays_round_trip(arrays):
    decoded = recipes.decode(recipes.encode(arrays))
    if isinstance(arrays, dict):
        assert decoded.keys() == arrays.keys() and all(np.array_equal(decoded[k], arrays[k]) for k in arrays)
    elif isinstance(arrays, list):
        assert all(np.array_equal(a, b) for a, b in zip(decoded, arrays))
    else:
        assert np.array_equal(decoded, arrays)


def test_scripts_are_written_beside_the_report_and_only_their_path_is_kept(tmp_path):
    tests = [{"nodeid": NODEID, "values": {"golden_losses": [1.0], repro.RECIPE_KEY: _recipe()}},
             {"nodeid": NODEID.replace("mlp_binary", "vgg_like"), "values": {repro.RECIPE_KEY: {"unwritable": "why"}}},
             {"nodeid": NODEID.replace("mlp_binary", "add"), "values": {}}]
    assert repro.write_scripts(tmp_path, tests) == 1
    script = tmp_path / "repro" / f"{results.repro_name(NODEID)}.py"
    assert script.exists() and tests[0]["repro"] == {"script": f"repro/{script.name}"}
    assert repro.RECIPE_KEY not in tests[0]["values"] and tests[0]["values"] == {"golden_losses": [1.0]}
    assert tests[1]["repro"] == {"unwritable": "why"} and "repro" not in tests[2]


def test_an_unknown_template_is_refused():
    with pytest.raises(ValueError, match="no reproduction template"):
        repro.render(_recipe(template="nothing"))
