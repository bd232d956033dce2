"""reports/index.html: every check of every environment on one page.

    python -m keras_upgrade_gate.reporting.index [reports]

Rows are checks grouped by snippet, columns are environments (oldest Keras first, then TensorFlow); each cell
is pass, fail, skip, expected difference or reworded (an expected error in new words), outlined where a recorded value drifted from the
previous column.  Below it, the saved-model grid (writer x reader per format) where `tox -e grid` ran.  One self-contained file: it opens from disk with no server and no network.
"""
from __future__ import annotations

import argparse
import datetime
import html
import json
import pathlib
import sys

from packaging.version import InvalidVersion, Version

from keras_upgrade_gate.reporting import compare, results

SYMBOL = {compare.PASS: "✓", compare.FAIL: "✗", compare.SKIP: "–", compare.XDIFF: "≠", compare.REWORDED: "≃",
          compare.ABSENT: ""}
CSS_CLASS = {compare.PASS: "pass", compare.FAIL: "fail", compare.SKIP: "skip", compare.XDIFF: "xdiff",
             compare.REWORDED: "reworded", compare.ABSENT: "absent"}

STYLE = """
body{font:13px system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:20px;margin:0 0 4px}
table{border-collapse:collapse}
th,td{border:1px solid #ccc;padding:2px 6px}
thead th{background:#f3f3f3;position:sticky;top:0;z-index:1}
td.cell{text-align:center;width:64px;font-weight:bold}
.pass{background:#d8f5d8;color:#185c18}.fail{background:#f8c9c9;color:#8a1010}
.skip{background:#eee;color:#777}.xdiff{background:#d6e6ff;color:#1c4a99}.absent{background:#fff}
.reworded{background:#fff1c2;color:#7a5a00}
.drift{outline:3px solid #f0a000;outline-offset:-3px}
tr.snippet th{background:#fafafa;text-align:left;font-size:14px}
td.check{font-family:ui-monospace,monospace;font-size:12px;max-width:640px;overflow-wrap:anywhere}
.legend span{display:inline-block;padding:1px 8px;margin-right:6px;border:1px solid #ccc}
body.problems tr.quiet{display:none}
"""

SCRIPT = """
function onlyProblems(on){document.body.classList.toggle('problems',on)}
"""


def _version(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        return Version("0")


def env_key(data: dict):
    """Columns in (Keras, TensorFlow) order, so drift between consecutive Keras minors sits side by
    side (tf_keras 2.21 follows Keras 2.15; nightly's 3.x.dev after the newest release); at one pair
    the plain environment before its variants."""
    environment = data["environment"]
    return (_version(environment["keras"]), _version(environment["tensorflow"]), data["env"])


GRID_LINK = ' <a href="#saved-models">saved-model grid</a>'
GRID_SYMBOL = {"matches": ("✓", "pass"), "expected difference": ("≠", "xdiff"), "differs": ("≈", "fail"),
               "fails": ("✗", "fail"), "not written": ("–", "skip"), "newer writer": ("↑", "skip")}


def load_grids(reports: pathlib.Path) -> dict[str, dict]:
    """reader env -> its grid.json (conformance/grid.py), where the grid step ran."""
    return {path.parent.name: json.loads(path.read_text()) for path in sorted(reports.glob("*/grid.json"))}


def grid_section(envs: list[dict], grids: dict[str, dict]) -> str:
    """Per format, writers as rows and readers as columns (both in the index's column order)."""
    if not grids:
        return ""
    names = [d["env"] for d in envs]
    readers = [n for n in names if n in grids] + sorted(set(grids) - set(names))
    writers = [n for n in names if any(n in g["cells"] for g in grids.values())]
    formats = sorted({fmt for g in grids.values() for cells in g["cells"].values() for fmt in cells})
    models = next(iter(grids.values())).get("models", [])
    parts = [f'<h2 id="saved-models">Saved models across versions</h2><p>Each environment wrote '
             f'{", ".join(models)} in every format; each cell is the reader (column) loading the writer\'s '
             f'(row) artifacts and comparing outputs within 1e-6, worst over those models. Hover for the '
             f'exception or the largest error; ↑: an older Keras that cannot read a newer one\'s file (forward '
             f'compatibility, informational).</p>']
    for fmt in formats:
        head = "".join(f"<th>{html.escape(r)}</th>" for r in readers)
        rows = []
        for writer in writers:
            cells = []
            for reader in readers:
                cell = grids[reader]["cells"].get(writer, {}).get(fmt)
                if cell is None:
                    cells.append('<td class="cell absent"></td>')
                    continue
                symbol, css = GRID_SYMBOL.get(cell["state"], ("?", "fail"))
                note = "; ".join(str(x) for x in (cell["state"], cell.get("entry", ""), cell.get("detail", ""),
                                                   cell.get("reason", "")) if x)
                if cell.get("max_error") is not None:
                    note += f"; largest error {cell['max_error']:.3g}"
                cells.append(f'<td class="cell {css}" title="{html.escape(note)}">{symbol}</td>')
            rows.append(f'<tr><th>{html.escape(writer)}</th>{"".join(cells)}</tr>')
        parts.append(f'<h3>{html.escape(fmt)}</h3><table><thead><tr><th>writer \\ reader</th>{head}</tr></thead>'
                     f'<tbody>{"".join(rows)}</tbody></table>')
    return "".join(parts)


def load_all(reports: pathlib.Path) -> list[dict]:
    found = [results.load(path) for path in sorted(reports.glob("*/results.json"))]
    return sorted(found, key=env_key)


def build(envs: list[dict], grids: dict | None = None) -> str:
    tests = [{t["nodeid"]: t for t in data["tests"]} for data in envs]
    order = {snippet: i for i, snippet in enumerate(results.snippet_ids() + [results.SUITE])}
    rows: dict[str, list[str]] = {}
    for nodeid in set().union(*tests) if tests else ():
        snippet = next(t[nodeid]["snippet"] for t in tests if nodeid in t)
        rows.setdefault(snippet, []).append(nodeid)
    body = []
    for snippet in sorted(rows, key=lambda s: (order.get(s, len(order)), s)):
        body.append(_snippet_rows(snippet, sorted(rows[snippet]), envs, tests))
    return _page(envs, "".join(body), grid_section(envs, grids or {}))


def _snippet_rows(snippet: str, nodeids: list[str], envs: list[dict], tests: list[dict]) -> str:
    out = [f'<tr class="snippet"><th colspan="{len(envs) + 1}" id="{html.escape(snippet)}">'
           f'{html.escape(snippet)} <small>({len(nodeids)} checks)</small></th></tr>']
    for nodeid in nodeids:
        cells, loud, previous = [], False, None
        for data, by_id in zip(envs, tests):
            test = by_id.get(nodeid)
            state = compare.status(test)
            notes = [f"{data['env']}: {state}"]
            if test and test.get("message"):
                notes.append(test["message"])
            notes += [f"expected ({row['keras']}): {row['reason']}" for row in test.get("expected", [])
                      if row.get("varies")] if test else []
            if state == compare.REWORDED:
                judged = compare.reworded(test)
                notes.append(f"reworded: expected {judged['pattern']!r}, raised {compare.first_line(judged['observed'])!r}")
            classes = ["cell", CSS_CLASS[state]]
            if test and previous and test["outcome"] == previous["outcome"] == "passed":
                drift = compare.value_changes(previous["values"], test["values"])
                if drift:
                    classes.append("drift")
                    notes.append("drift from the previous column: " + "; ".join(drift))
            loud = loud or state in (compare.FAIL, compare.REWORDED) or "drift" in classes
            previous = test or previous
            cells.append(f'<td class="{" ".join(classes)}" title="{html.escape(chr(10).join(notes))}">'
                         f'{SYMBOL[state]}{"*" if "drift" in classes else ""}</td>')
        label = _label(nodeid, snippet)
        out.append(f'<tr class="{"loud" if loud else "quiet"}"><td class="check">{html.escape(label)}</td>'
                   f'{"".join(cells)}</tr>')
    return "".join(out)


def _label(nodeid: str, snippet: str) -> str:
    """The row label: file and test, with the snippet id (already the group's heading) left out."""
    label = nodeid.split("/", 1)[-1]
    for before, after in ((f"[{snippet}]", ""), (f"[{snippet}-", "["), (f"[{snippet}[", "[")):
        label = label.replace(before, after)
    return label


def _counts(data: dict) -> str:
    states = [compare.status(t) for t in data["tests"]]
    return " ".join(f'<span class="{CSS_CLASS[s]}">{states.count(s)}&nbsp;{SYMBOL[s]}</span>'
                    for s in (compare.PASS, compare.XDIFF, compare.REWORDED, compare.FAIL, compare.SKIP))


def _page(envs: list[dict], body: str, grid: str = "") -> str:
    head = "".join(
        f'<th><a href="{html.escape(d["env"])}/report.html">{html.escape(d["env"])}</a><br>'
        f'<small>TF {html.escape(d["environment"]["tensorflow"])}<br>Keras '
        f'{html.escape(d["environment"]["keras"])}<br>{d["wall_seconds"]:.0f} s</small><br>{_counts(d)}</th>'
        for d in envs)
    legend = "".join(f'<span class="{CSS_CLASS[s]}">{SYMBOL[s] or "&nbsp;"} {s}</span>' for s in SYMBOL)
    return document(
        f"Keras upgrade gate: {len(envs)} environments", STYLE, SCRIPT,
        f'<h1>Keras upgrade gate</h1><p>{len(envs)} environments, generated {generated_at()}. '
        f'Hover a cell for its message; <b>*</b> with an orange outline: a recorded value drifted from '
        f'the column to its left (beyond {compare.DRIFT_RTOL:.0%} relative, {compare.DRIFT_ATOL:g} '
        f'absolute). Column headers link to each environment\'s report.</p>'
        f'<p class="legend">{legend}<span class="drift">* drift</span>'
        f'<label><input type="checkbox" onchange="onlyProblems(this.checked)"> only failures and drift'
        f'</label>{GRID_LINK if grid else ""}</p>'
        f'<table><thead><tr><th>check</th>{head}</tr></thead><tbody>{body}</tbody></table>{grid}')


def generated_at() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def document(title: str, style: str, script: str, body: str) -> str:
    """One self-contained page: no server, no network (the index, the upgrade page)."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<style>{style}</style><script>{script}</script></head><body>{body}</body></html>')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="?", type=pathlib.Path, default=pathlib.Path("reports"))
    args = parser.parse_args(argv)
    envs = load_all(args.reports)
    if not envs:
        parser.error(f"no */results.json under {args.reports}: run the gate first (tox)")
    target = args.reports / "index.html"
    target.write_text(build(envs, load_grids(args.reports)), encoding="utf-8")
    print(f"index: {target} ({len(envs)} environments: {', '.join(d['env'] for d in envs)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
