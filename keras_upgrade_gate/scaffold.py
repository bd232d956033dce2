"""``keras-gate init``: a working team repository in an empty folder.

It writes the ``[tool.keras-upgrade-gate]`` table, a models module with one example entry (replace it with
your own), a tox.ini over two TensorFlow versions and a CI workflow; ``keras-gate baselines`` and
``keras-gate run`` then pass in it.  It refuses to overwrite a file that is already there.
"""
from __future__ import annotations

import pathlib
import sys

MODELS = '''"""The models this repository gates: each register() call adds one entry to the gate's catalogue."""
from keras_upgrade_gate import Entry, Recipe, keras, register
import numpy as np

FEATURES = 8


def classifier():
    """Replace with your own model: any function that returns a built keras.Model."""
    inputs = keras.Input(shape=(FEATURES,), name="features")
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="score")(hidden)
    return keras.Model(inputs, outputs, name="classifier")


def data(seed=0, scale=1.0, small=False):
    """Training rows for the recipe: x and y for fit, x_test and y_test for evaluation."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(max(int(1000 * scale), 200), FEATURES)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("float32")
    split = len(x) * 4 // 5
    return {"x": x[:split], "y": y[:split], "x_test": x[split:], "y_test": y[split:]}


register(Entry(
    id="example.classifier",
    builder=classifier,
    sample_input=(FEATURES,),  # a per-sample shape (uniform floats), or a function (small, batch, rng)
    recipe=Recipe(model_id="example.classifier", data=data,
                  compile=lambda: dict(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"]),
                  fit=dict(epochs=20, batch_size=32)),
))

# A file you ship, checked as it is (README: "Gate the files you ship"): uncomment and point it at yours.
# from keras_upgrade_gate import SavedFile
# register(SavedFile(id="example.served", path="models/served.h5", inputs="models/served_inputs.npz"))
'''

PYPROJECT = '''[tool.keras-upgrade-gate]
models = ["gated_models"]      # modules that register your entries
baselines = "gate-baselines"   # where `keras-gate baselines` writes what each environment does
'''

TOX = '''# The Keras upgrade gate on the version you run today and the one you move to.
#   tox -e tf221 -- baselines     record the baselines an environment lacks (commit gate-baselines/)
#   tox                           run the gate in both; reports in reports/<env>/
[tox]
requires =
    tox>=4.11
    tox-uv>=1
env_list = tf215, tf221

[testenv]
skip_install = true
base_python = python3.11
deps =
    {gate}
    tf215: tensorflow~=2.15.0
    tf221: tensorflow~=2.21.0
set_env =
    TF_CPP_MIN_LOG_LEVEL = 2
    PYTHONHASHSEED = 0
    GATE_ENV = {{envname}}
commands =
    keras-gate {{posargs:run}}
'''

WORKFLOW = '''name: keras-upgrade-gate
on: [pull_request, workflow_dispatch]
permissions:
  contents: read
jobs:
  gate:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    strategy:
      fail-fast: false
      matrix:
        env: [tf215, tf221]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: python -m pip install tox tox-uv
      - run: python -m tox -e ${{ matrix.env }}
      - if: always()
        uses: actions/upload-artifact@v4
        with:
          name: reports-${{ matrix.env }}
          path: reports/${{ matrix.env }}
'''

GITIGNORE = "reports/\n.tox/\n__pycache__/\n.pytest_cache/\n"


def files() -> dict[str, str]:
    from keras_upgrade_gate import install

    return {"pyproject.toml": PYPROJECT, "gated_models.py": MODELS, "tox.ini": TOX.format(gate=install.requirement()),
            ".github/workflows/keras-gate.yml": WORKFLOW, ".gitignore": GITIGNORE}


def main(folder: str = ".") -> int:
    root = pathlib.Path(folder)
    wanted = files()
    there = [name for name in wanted if (root / name).exists()]
    if there:
        print(f"keras-gate init: {', '.join(there)} already exist in {root.resolve()}; run it in an empty folder "
              "(or add the [tool.keras-upgrade-gate] table to your pyproject.toml by hand: README)", file=sys.stderr)
        return 2
    for name, text in wanted.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
        print(f"wrote {root / name}")
    print("next: keras-gate baselines   (records what this environment's Keras does)\n"
          "      keras-gate run         (checks it; reports/<env>/report.html)")
    return 0
