"""The upgrade page (reports/upgrade-FROM-TO/index.html): what a pull request that bumps Keras links to.

It opens with the verdict and the regressions (snippet, check, both sides' outcomes, messages and
recorded values, and the reproduction script where the gate wrote one), then recorded values that
drifted, then expected differences that appeared or vanished and errors raised in new words, then
everything else folded.  Self-contained: no server, no network.
"""
from __future__ import annotations

import html
import json
import os
import pathlib

from keras_upgrade_gate.reporting import compare, diff, index, results

PAGE_STYLE = index.STYLE + """
.verdict{font-size:16px;padding:6px 10px;display:inline-block;margin:6px 0}
.verdict.bad{background:#f8c9c9}.verdict.good{background:#d8f5d8}
td{vertical-align:top}pre{margin:0;white-space:pre-wrap;max-width:60ch;font-size:12px}
"""


def _side(test: dict | None) -> str:
    if test is None:
        return "<td>did not run</td>"
    state = compare.status(test)
    values = {k: v for k, v in test.get("values", {}).items() if k not in compare.IGNORED_KEYS}
    text = test.get("message") or ""
    shown = json.dumps(values, sort_keys=True, default=str)[:600] if values else ""
    return (f'<td class="{index.CSS_CLASS[state]}">{index.SYMBOL[state]} {html.escape(state)}'
            f'<pre>{html.escape(text[:1500])}</pre><pre>{html.escape(shown)}</pre></td>')


def _repro_link(env: str, test: dict | None, reports: pathlib.Path, folder: pathlib.Path) -> str:
    script = reports / env / "repro" / f"{results.repro_name(test['nodeid'])}.py" if test else None
    if script is None or not script.exists():
        return ""
    return f'<br><a href="{html.escape(os.path.relpath(script, folder))}">reproduction</a>'


def _list(title: str, lines: list[str], open_: bool = True) -> str:
    unique = list(dict.fromkeys(lines))
    items = "".join(f"<li><pre>{html.escape(line)}</pre></li>" for line in unique) or "<li>none</li>"
    return f'<details{" open" if open_ else ""}><summary><b>{html.escape(title)}: {len(unique)}</b></summary><ul>{items}</ul></details>'


def page(baseline: dict, candidate: dict, reports: pathlib.Path, folder: pathlib.Path) -> str:
    sections = diff.diff(baseline, candidate)
    pairs = diff.paired(baseline, candidate)
    regressions = [(nodeid, old, new) for nodeid, old, new in pairs if diff.is_regression(old, new)]
    rows = "".join(
        f'<tr><td>{html.escape((new or old)["snippet"])}</td><td>{html.escape(results.check_of(nodeid))}'
        f'{_repro_link(candidate["env"], new, reports, folder)}</td>{_side(old)}{_side(new)}</tr>'
        for nodeid, old, new in regressions)
    verdict = (f'<p class="verdict bad">REGRESSED: {len(regressions)} checks that pass on {html.escape(diff.describe(baseline))} '
               f'fail on {html.escape(diff.describe(candidate))}</p>' if regressions else
               f'<p class="verdict good">no regressions from {html.escape(diff.describe(baseline))} to '
               f'{html.escape(diff.describe(candidate))}</p>')
    table = (f'<h2>Regressions</h2><table><thead><tr><th>snippet</th><th>check</th><th>{html.escape(baseline["env"])}</th>'
             f'<th>{html.escape(candidate["env"])}</th></tr></thead><tbody>{rows}</tbody></table>' if regressions else "")
    unchanged = [f"{results.check_of(n)}: {compare.status(o)}" for n, o, t in pairs
                 if compare.status(o) == compare.status(t) and not diff.is_regression(o, t)]
    return index.document(
        f'Upgrade {baseline["env"]} to {candidate["env"]}', PAGE_STYLE, "",
        f'<h1>Upgrade: {html.escape(diff.describe(baseline))} &rarr; {html.escape(diff.describe(candidate))}</h1>'
        f'<p>Generated {index.generated_at()}. Full reports: <a href="{html.escape(os.path.relpath(reports / baseline["env"] / "report.html", folder))}">'
        f'{html.escape(baseline["env"])}</a>, <a href="{html.escape(os.path.relpath(reports / candidate["env"] / "report.html", folder))}">'
        f'{html.escape(candidate["env"])}</a>.</p>{verdict}{table}'
        f'<h2>Drift</h2>{_list("recorded values that changed", sections["values changed"])}'
        f'<h2>Expected differences</h2>{_list("appeared", sections["expected differences appeared"])}'
        f'{_list("vanished", sections["expected differences vanished"])}'
        f'{_list("expected errors raised in new words", sections["expected errors reworded"])}'
        f'<h2>Everything else</h2>{_list("fixed", sections["fixed"], False)}'
        f'{_list("skips changed", sections["skips changed"], False)}{_list("new checks", sections["new checks"], False)}'
        f'{_list("unchanged", unchanged, False)}')
