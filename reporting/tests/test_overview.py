"""The first screen of an environment's report and its summary.md: what ran, the verdict, the failures first."""
from __future__ import annotations

from keras_upgrade_gate.reporting import overview

from .conftest import ROW_KERAS3, make_results, make_test
from .test_index import _count, _screenshot


def _run(failing: bool):
    tests = [
        make_test("conformance/test_summary.py::test_summary[seq.mlp_binary]", outcome="failed" if failing else "passed",
                  message="[seq.mlp_binary] summary structure on TF 2.21.0 / Keras 3.15.1: a layer more"),
        make_test("conformance/test_as_written.py::test_as_written[seq.mlp_softmax]", snippet="seq.mlp_softmax",
                  expected=[ROW_KERAS3]),
        *[make_test(f"conformance/test_parity.py::test_gpu[seq.mlp_binary-gpu{i}]", outcome="skipped",
                    message="no GPU visible") for i in range(30)],
    ]
    data = make_results("tf221", "2.21.0", "3.15.1", tests)
    data.update(tier="default", timing={"workers": 2, "import_seconds": 9.5})
    data["environment"].update(numpy="2.1.0", cpu={"model": "Intel Xeon", "isa": ["avx2", "avx512f"], "cores": 2})
    return data


def test_the_header_names_what_ran_and_the_banner_the_verdict():
    page = overview.html_overview(_run(failing=True))
    for shown in ("tf221", "2.21.0", "3.15.1", "NumPy", "2.1.0", "Intel Xeon (avx2, avx512f)",
                  "default", "1 failed of 32 checks"):
        assert shown in page, shown
    assert 'gate-banner bad' in page
    assert page.index("a layer more") < page.index("Every entry and kind of check"), "failures come before the grid"
    assert "30 × no GPU visible" in page and "Keras 3 rejects lr=" in page  # skips and expected rows, folded
    assert 'gate-banner good' in overview.html_overview(_run(failing=False))


def test_the_grid_shows_each_entrys_worst_state_per_kind():
    kinds, cells = overview.grid(_run(failing=True)["tests"])
    assert kinds == ["as_written", "parity", "summary"]
    assert cells["seq.mlp_binary"] == {"summary": "failed", "parity": "skipped"}
    assert cells["seq.mlp_softmax"] == {"as_written": "expected"}


def test_the_summary_is_one_screen_with_the_verdict_and_the_failures():
    text = overview.summary_markdown(_run(failing=True))
    lines = text.splitlines()
    assert len(lines) <= 25 and "❌ 1 failed of 32 checks" in text and "a layer more" in text
    assert "✅ passed" in overview.summary_markdown(_run(failing=False))


def test_chromium_shows_the_failure_on_the_first_screen(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(f"<html><body>{overview.html_overview(_run(failing=True))}</body></html>", encoding="utf-8")
    image = _screenshot(page, tmp_path, tmp_path / "shot.png", size="1280,800")
    assert _count(image, (0xF2, 0xDE, 0xDE)) > 2000, "the red verdict banner is not on the first screen"
