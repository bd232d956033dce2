"""Any TensorFlow and Keras pair is an environment name; a pair the pins forbid is refused by name."""
from __future__ import annotations

import configparser
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
pytest.importorskip("tox")
sys.path.insert(0, str(ROOT))
import toxfile  # noqa: E402  (the in-tree tox plugin, at the repository root)


@pytest.mark.parametrize("name", ["tf221", "tf215", "tf218-keras38", "tf216-keras30", "tf221-keras315",
                                  "tf221-keras312-full", "tf220-keras310", "tf221-legacy"])
def test_pairs_the_pins_allow_pass(name):
    assert toxfile.pair_problem(name) is None


@pytest.mark.parametrize("name,constraint", [
    ("tf221-keras38", "requires keras>=3.12.0"),
    ("tf218-keras34", "requires keras>=3.5.0"),
    ("tf215-keras38", "pins Keras 2 (keras>=2.15.0,<2.16)"),
    ("tf221-keras316", "not a released Keras 3 minor"),
    ("keras38", "needs a TensorFlow factor"),
])
def test_a_pair_the_pins_forbid_names_the_constraint(name, constraint):
    assert constraint in toxfile.pair_problem(name)


def test_every_keras_factor_of_tox_ini_is_a_keras3_minor_with_its_pin():
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tox.ini")
    deps = config["testenv"]["deps"]
    for minor in range(toxfile.NEWEST_KERAS3_MINOR + 1):
        assert f"keras3{minor}: keras~=3.{minor}.0" in deps, f"tox.ini has no factor for Keras 3.{minor}"
    for tf_minor in toxfile.KERAS3_FLOOR:
        assert f"tf2{tf_minor}: tensorflow~=2.{tf_minor}.0" in deps


def test_the_matrix_runs_every_keras3_minor_and_every_tensorflow_minor_in_pairs_the_pins_allow():
    from keras_upgrade_gate.reporting.tests.test_workflow import _expand

    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tox.ini")
    envs = _expand(config["matrix"]["envs"])
    assert [name for name in envs if toxfile.pair_problem(name)] == []
    keras_minors = {int(m.group(1)) for name in envs if (m := toxfile._KERAS.search(name))}
    # The plain newest TensorFlow resolves the newest Keras; every older Keras 3 minor is a pair.
    if f"tf2{max(toxfile.KERAS3_FLOOR)}" in envs:
        keras_minors.add(toxfile.NEWEST_KERAS3_MINOR)
    assert keras_minors == set(range(toxfile.NEWEST_KERAS3_MINOR + 1))
    tensorflow_minors = {int(m.group(1)) for name in envs if (m := toxfile._TF.search(name))}
    assert tensorflow_minors == set(range(12, max(toxfile.KERAS3_FLOOR) + 1))
    assert len(envs) == len(set(envs)), "an environment listed twice"
