"""The index page: its structure, and how headless Chromium renders it from disk."""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess

import pytest

from keras_upgrade_gate.reporting import index

REPORTS = pathlib.Path(__file__).resolve().parents[2] / "reports"
PASS_RGB, FAIL_RGB, DRIFT_RGB = (0xD8, 0xF5, 0xD8), (0xF8, 0xC9, 0xC9), (0xF0, 0xA0, 0x00)


def _browser() -> str | None:
    candidates = [os.environ.get("GATE_BROWSER"), "chromium", "chromium-browser", "google-chrome"]
    return next((shutil.which(c) for c in candidates if c and shutil.which(c)), None)


def _chromium(page: pathlib.Path, tmp_path: pathlib.Path, *args: str) -> subprocess.CompletedProcess:
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium found (install Debian's chromium, or set GATE_BROWSER)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([browser, *flags, *args, page.resolve().as_uri()], capture_output=True, text=True,
                          timeout=120, check=True)


def _screenshot(page, tmp_path, target, size="1400,900"):
    from PIL import Image

    _chromium(page, tmp_path, f"--window-size={size}", f"--screenshot={target}")
    return Image.open(target).convert("RGB")


def _count(image, rgb, slack=6) -> int:
    import numpy as np

    pixels = np.asarray(image, dtype=int)
    return int(np.all(np.abs(pixels - np.array(rgb)) <= slack, axis=-1).sum())


def test_columns_follow_versions_and_cells_carry_their_state(two_envs):
    html = index.build(index.load_all(two_envs))
    assert html.index('href="tf215/report.html"') < html.index('href="tf221/report.html"')
    assert 'class="cell fail"' in html and 'class="cell xdiff"' in html and 'class="cell skip"' in html
    assert re.search(r'class="cell pass drift" title="[^"]*convergence.final_loss: 0.4 -&gt; 0.55', html)
    assert "Keras 3 rejects lr=" in html  # the expected difference's reason, in its tooltip


def test_columns_are_ordered_by_keras_then_tensorflow(tmp_path):
    """Consecutive Keras minors sit side by side whatever TensorFlow they run on; tf_keras 2.21 follows
    Keras 2.15, a nightly's dev release comes last."""
    import json

    from keras_upgrade_gate.reporting.tests.conftest import make_results

    pairs = {"nightly": ("2.22.0.dev1", "3.16.0.dev1"), "tf221": ("2.21.0", "3.15.1"),
             "tf219-keras38": ("2.19.1", "3.8.0"), "tf216-keras30": ("2.16.2", "3.0.5"),
             "tf221-keras312": ("2.21.0", "3.12.0"), "tf221-legacy": ("2.21.0", "2.21.0"),
             "tf215": ("2.15.1", "2.15.0"), "tf220-keras311": ("2.20.0", "3.11.3")}
    for env, (tensorflow, keras) in pairs.items():
        (tmp_path / env).mkdir()
        (tmp_path / env / "results.json").write_text(json.dumps(make_results(env, tensorflow, keras, [])))
    order = [data["env"] for data in index.load_all(tmp_path)]
    assert order == ["tf215", "tf221-legacy", "tf216-keras30", "tf219-keras38", "tf220-keras311",
                     "tf221-keras312", "tf221", "nightly"]


def test_the_page_needs_no_network():
    html = index.build([])
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_chromium_renders_every_cell_from_disk(two_envs, tmp_path):
    page = two_envs / "index.html"
    page.write_text(index.build(index.load_all(two_envs)), encoding="utf-8")
    dom = _chromium(page, tmp_path, "--dump-dom").stdout
    assert dom.count('class="cell ') == 4 * 2
    image = _screenshot(page, tmp_path, tmp_path / "index.png")
    assert _count(image, PASS_RGB) > 200, "no pass cell painted"
    assert _count(image, FAIL_RGB) > 200, "no fail cell painted"
    assert _count(image, DRIFT_RGB) > 50, "the drift outline is not painted"


@pytest.mark.skipif(not (REPORTS / "index.html").exists(), reason="no reports/index.html: run tox first")
def test_the_matrix_index_shows_every_environment(tmp_path):
    """On the index tox built: one column per results.json; a screenshot is left in reports/."""
    page = REPORTS / "index.html"
    envs = sorted(p.parent.name for p in REPORTS.glob("*/results.json"))
    dom = _chromium(page, tmp_path, "--dump-dom").stdout
    for env in envs:
        assert f'href="{env}/report.html"' in dom, f"{env} has results but no column in the index"
    image = _screenshot(page, tmp_path, REPORTS / "index.png", size="1600,1000")
    assert _count(image, PASS_RGB) > 1000, "reports/index.png shows no passing cells"


def test_the_saved_model_grid_has_writers_as_rows_and_readers_as_columns(two_envs):
    grid = {"reader": "tf221", "models": ["seq.mlp_softmax"], "cells": {
        "tf215": {"keras": {"state": "matches", "max_error": 0.0}, "h5": {"state": "fails", "entry": "x",
                                                                          "detail": "ValueError: Unknown layer"}},
        "tf221": {"keras": {"state": "matches", "max_error": 0.0}, "h5": {"state": "matches", "max_error": 0.0}}}}
    html = index.build(index.load_all(two_envs), {"tf221": grid})
    section = html[html.index('id="saved-models"'):]
    assert "<h3>h5</h3>" in section and "<h3>keras</h3>" in section
    h5 = section[section.index("<h3>h5</h3>"):section.index("<h3>keras</h3>")]
    assert h5.index("<th>tf215</th>") < h5.index('title="fails; x; ValueError: Unknown layer"')
    assert h5.count('class="cell pass"') == 1  # tf221 reading its own h5; tf215's row fails


def test_a_newer_writer_the_reader_cannot_read_is_informational_in_the_grid(two_envs):
    grid = {"reader": "tf215", "models": ["seq.mlp_softmax"], "cells": {"tf221": {"keras": {
        "state": "newer writer", "entry": "x", "detail": "TypeError: batch_shape",
        "reason": "written by Keras 3.15.1, read by the older Keras 2.15.0: forward compatibility"}}}}
    html = index.build(index.load_all(two_envs), {"tf215": grid})
    section = html[html.index('id="saved-models"'):]
    assert 'class="cell skip" title="newer writer; x; TypeError: batch_shape; written by Keras 3.15.1' in section
    assert "forward compatibility, informational" in section


def test_a_reworded_expected_error_has_its_own_cell_state():
    from keras_upgrade_gate.reporting.tests.conftest import make_results, make_test
    from keras_upgrade_gate.reporting.tests.test_diff import REWORDED

    nodeid = "c/test_saving.py::test_golden_artifact_loads_and_matches[func.inception-tf215-keras]"
    data = make_results("nightly", "2.22.0.dev1", "3.16.0.dev1",
                        [make_test(nodeid, snippet="func.inception", values=REWORDED)])
    html = index.build([data])
    assert re.search(r'class="cell reworded" title="[^"]*reworded: expected [^"]*cannot be imported', html), html[-2000:]
    assert "1&nbsp;≃" in html  # the column header counts it
