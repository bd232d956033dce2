"""The upgrade page (reports/upgrade-FROM-TO/index.html): what a pull request that bumps Keras links to.

It answers "what breaks, and what gets fixed, if we move from FROM to TO?": the verdict, then three counts
and their lists (reporting/upgrade_changes.py): what breaks (each a new regression or a known Keras change
with its row's reason and range), what gets fixed, what changed value (grouped by entry and kind), each
line with the entry, the check in words, FROM's and TO's value or error and the reproduction script; then
everything else folded.  Self-contained: no server, no network.  ``summary_markdown`` is the same in one
screen of Markdown (summary.md).
"""
from __future__ import annotations

import html
import os
import pathlib

from keras_upgrade_gate.reporting import compare, diff, index, results
from keras_upgrade_gate.reporting import upgrade_changes as changes

PAGE_STYLE = index.STYLE + """
.verdict{font-size:16px;padding:6px 10px;display:inline-block;margin:6px 0}
.verdict.bad{background:#f8c9c9}.verdict.good{background:#d8f5d8}.verdict.warn{background:#f6e3a8}
.counts{display:flex;gap:12px;margin:8px 0}.count{border:1px solid #ccc;padding:8px 14px;text-decoration:none;color:#222}
.count.bad{background:#fdeaea}.count.good{background:#eaf7ea}
table.changes{table-layout:fixed;width:100%}table.changes td{overflow-wrap:anywhere}
td{vertical-align:top}pre{margin:0;white-space:pre-wrap;max-width:60ch;font-size:12px}
"""


def _repro_link(env: str, test: dict | None, reports: pathlib.Path, folder: pathlib.Path) -> str:
    script = reports / env / "repro" / f"{results.repro_name(test['nodeid'])}.py" if test else None
    if script is None or not script.exists():
        return ""
    return f'<br><a href="{html.escape(os.path.relpath(script, folder))}">reproduction</a>'


def _list(title: str, lines: list[str], open_: bool = True) -> str:
    unique = list(dict.fromkeys(lines))
    items = "".join(f"<li><pre>{html.escape(line)}</pre></li>" for line in unique) or "<li>none</li>"
    return f'<details{" open" if open_ else ""}><summary><b>{html.escape(title)}: {len(unique)}</b></summary><ul>{items}</ul></details>'


def verdict(found: dict) -> tuple[str, str]:
    """(css class, sentence): red for a new regression, amber for known breaks only, green for neither."""
    breaks = found[changes.BREAKS]
    new = [c for c in breaks if not c.known]
    if new:
        return "bad", (f"{len(new)} new regression{'s' * (len(new) != 1)}"
                       + (f" and {len(breaks) - len(new)} known Keras changes that break" if len(breaks) > len(new) else ""))
    if breaks:
        return "warn", f"no new regression, but {len(breaks)} known Keras changes break checks that work on FROM"
    return "good", "nothing breaks"


def _why(change: changes.Change) -> str:
    if change.what == changes.BREAKS and not change.known:
        return "<b>new regression</b>: no row records it"
    if change.row:
        earlier = " It failed on FROM too, in another way." if change.what == changes.BREAKS and change.already_failing else ""
        reason = change.row["reason"].rstrip(".") + "."
        return (f"known Keras change (Keras {html.escape(change.row['keras'])}): {html.escape(reason)}"
                f"{earlier}<br><small>row {html.escape(change.row['check'])}</small>")
    return ""


def _table(found: list, candidate_env: str, reports: pathlib.Path, folder: pathlib.Path, pairs: dict) -> str:
    if not found:
        return "<p>none</p>"
    rows = "".join(
        f"<tr><td>{html.escape(c.entry)}</td><td>{html.escape(c.check)}"
        f"{_repro_link(candidate_env, pairs.get(c.nodeid), reports, folder)}</td>"
        f"<td>{html.escape(c.before)}</td><td>{html.escape(c.after)}</td><td>{_why(c)}</td></tr>" for c in found)
    return ('<table class="changes"><colgroup><col style="width:13%"><col style="width:22%"><col style="width:20%">'
            '<col style="width:22%"><col style="width:23%"></colgroup>'
            "<thead><tr><th>entry</th><th>check</th><th>FROM</th><th>TO</th><th>why</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _drift(found: list) -> str:
    if not found:
        return "<p>none</p>"
    groups = []
    for (entry, kind), group in changes.grouped(found).items():
        lines = "".join(f"<li>{html.escape(c.check)}: {html.escape(c.before)}</li>" for c in group)
        groups.append(f"<details><summary>{html.escape(entry)} · {html.escape(kind)}: {len(group)}</summary>"
                      f"<ul>{lines}</ul></details>")
    return "".join(groups)


def page(baseline: dict, candidate: dict, reports: pathlib.Path, folder: pathlib.Path) -> str:
    sections = diff.diff(baseline, candidate)
    found = changes.classify(baseline, candidate)
    pairs = {nodeid: new for nodeid, _, new in diff.paired(baseline, candidate)}
    css, sentence = verdict(found)
    breaks, new = found[changes.BREAKS], [c for c in found[changes.BREAKS] if not c.known]
    counts = (f'<div class="counts"><a href="#breaks" class="count bad">What breaks: <b>{len(breaks)}</b><br>'
              f'<small>{len(new)} new, {len(breaks) - len(new)} known Keras changes</small></a>'
              f'<a href="#fixed" class="count good">What gets fixed: <b>{len(found[changes.FIXED])}</b></a>'
              f'<a href="#changed" class="count">What changed value: <b>{len(found[changes.CHANGED])}</b></a></div>')
    unchanged = [f"{results.check_of(n)}: {compare.status(o)}" for n, o, t in diff.paired(baseline, candidate)
                 if compare.status(o) == compare.status(t) and not diff.is_regression(o, t)]
    reports_links = (f'Full reports: <a href="{html.escape(os.path.relpath(reports / baseline["env"] / "report.html", folder))}">'
                     f'{html.escape(baseline["env"])}</a>, <a href="{html.escape(os.path.relpath(reports / candidate["env"] / "report.html", folder))}">'
                     f'{html.escape(candidate["env"])}</a>.')
    return index.document(
        f'Upgrade {baseline["env"]} to {candidate["env"]}', PAGE_STYLE, "",
        f'<h1>Upgrade: {html.escape(diff.describe(baseline))} &rarr; {html.escape(diff.describe(candidate))}</h1>'
        f'<p class="verdict {css}">{html.escape(sentence)}</p>{counts}'
        f'<h2 id="breaks">What breaks</h2><p>Checks that fail on {html.escape(candidate["env"])} where they worked on '
        f'{html.escape(baseline["env"])} (or failed there in another way): new regressions first, then known Keras '
        'changes with the row that records them.</p>'
        f'{_table(breaks, candidate["env"], reports, folder, pairs)}'
        f'<h2 id="fixed">What gets fixed</h2>{_table(found[changes.FIXED], candidate["env"], reports, folder, pairs)}'
        f'<h2 id="changed">What changed value</h2><p>By entry and kind of check; open one for its values.</p>'
        f'{_drift(found[changes.CHANGED])}'
        f'<h2>Everything else</h2><p>Generated {index.generated_at()}. {reports_links}</p>'
        f'{_list("skips changed", sections["skips changed"], False)}{_list("new checks", sections["new checks"], False)}'
        f'{_list("expected errors raised in new words", sections["expected errors reworded"], False)}'
        f'{_list("recorded values that changed (raw)", sections["values changed"], False)}'
        f'{_list("unchanged", unchanged, False)}')


def summary_markdown(baseline: dict, candidate: dict, page_path: str) -> str:
    """The upgrade in one screen of Markdown: the verdict, the breaks in a line each, the counts, the page."""
    found = changes.classify(baseline, candidate)
    css, sentence = verdict(found)
    mark = {"bad": "❌", "warn": "⚠️", "good": "✅"}[css]
    lines = [f"### Upgrade {diff.describe(baseline)} → {diff.describe(candidate)}", "", f"**{mark} {sentence}**", ""]
    for change in found[changes.BREAKS][:12]:
        why = "new regression" if not change.known else f"known (Keras {change.row['keras']}): {change.row['reason']}"
        lines.append(f"- `{change.entry}` {change.check[:80]}: {change.after[:120]} ({why[:120]})")
    if len(found[changes.BREAKS]) > 12:
        lines.append(f"- ... and {len(found[changes.BREAKS]) - 12} more")
    lines += ["", f"{len(found[changes.FIXED])} fixed, {len(found[changes.CHANGED])} changed values. "
                  f"The page: `{page_path}`."]
    return "\n".join(lines) + "\n"
