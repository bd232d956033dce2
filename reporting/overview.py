"""What a person reads first about one environment's run: what ran, the verdict, what failed, the whole run at
a glance.  The same run two ways: HTML above pytest-html's table (``report.html``) and ``summary.md``, one
screen of Markdown for a CI job summary or a pull-request comment.  Reads the results.json data; no TensorFlow.
"""
from __future__ import annotations

import collections
import html

from keras_upgrade_gate.reporting import results

FAILED = ("failed", "error")
MESSAGE_SHOWN = 300  # characters of a failure's message on the first screen (the table below has it whole)
FAILURES_IN_SUMMARY = 10


def expected_difference(test: dict) -> bool:
    """A check that held because a row records this version's behaviour as differing (the index's ≠)."""
    return test["outcome"] == "passed" and any(row.get("varies") for row in test.get("expected", []))


def state(test: dict) -> str:
    if test["outcome"] in FAILED:
        return "failed"
    if expected_difference(test):
        return "expected"
    return test["outcome"]


def verdict(data: dict) -> tuple[str, str]:
    """(css class, sentence) for the run."""
    tests = data["tests"]
    failed = [t for t in tests if t["outcome"] in FAILED]
    counts = collections.Counter(state(t) for t in tests)
    ran = f"{len(tests)} checks: {counts['passed']} passed, {counts['expected']} as an expected difference, " \
          f"{counts['skipped']} skipped"
    if not tests:
        return "bad", "no check ran"
    if failed:
        return "bad", f"{len(failed)} failed of {ran}"
    return "good", f"passed: {ran}"


def versions(data: dict) -> str:
    env = data.get("environment", {})
    return f"TensorFlow {env.get('tensorflow', '?')}, Keras {env.get('keras', '?')}"


def header_rows(data: dict) -> list[tuple[str, str]]:
    env = data.get("environment", {})
    cpu = env.get("cpu", {})
    isa = [flag for flag in cpu.get("isa", []) if flag.startswith(("avx512f", "avx2", "amx", "avx512_bf16", "avx512_fp16"))]
    workers = data.get("timing", {}).get("workers")
    return [("environment", data.get("env", "?")), ("TensorFlow", env.get("tensorflow", "?")),
            ("Keras", env.get("keras", "?")), ("Python", env.get("python", "?")), ("NumPy", env.get("numpy", "?")),
            ("CPU", f"{cpu.get('model', '?')} ({', '.join(isa) or 'no AVX2/AVX-512 flags'}), "
                    f"{cpu.get('cores', '?')} cores"),
            ("GPUs", ", ".join(env.get("gpus", [])) or "none visible"), ("tier", data.get("tier", "?")),
            ("workers", str(workers) if workers else "serial"),
            ("wall time", f"{data.get('wall_seconds', '?')} s (TensorFlow's import "
                          f"{data.get('timing', {}).get('import_seconds', '?')} s)"),
            ("budget", f"{data.get('timing', {}).get('budget_seconds', '?')} s for the default tier here (yardstick "
                       f"{data.get('timing', {}).get('yardstick_seconds', '?')} s: conformance/yardstick.py)")]


def repro_link(test: dict) -> str | None:
    return test.get("repro", {}).get("script")


def grid(tests: list[dict]) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Check kinds (columns) and, per entry, each kind's state: failed over expected over passed over skipped."""
    order = ("failed", "expected", "passed", "skipped")
    cells: dict[str, dict[str, str]] = collections.defaultdict(dict)
    for test in tests:
        row, kind, now = cells[test["snippet"]], test["kind"], state(test)
        if kind not in row or order.index(now) < order.index(row[kind]):
            row[kind] = now
    kinds = sorted({t["kind"] for t in tests})
    return kinds, dict(sorted(cells.items(), key=lambda kv: (kv[0] == results.SUITE, kv[0])))


SYMBOL = {"failed": "✗", "expected": "≠", "passed": "✓", "skipped": "–"}
STYLE = """<style>
.gate-head{font-family:sans-serif;margin-bottom:1em}.gate-head table{border-collapse:collapse}
.gate-head td{padding:1px 8px}.gate-banner{font-size:1.3em;padding:.5em 1em;margin:.5em 0;border-radius:4px}
.gate-banner.good{background:#dff0d8;color:#2d5a2d}.gate-banner.bad{background:#f2dede;color:#8a1f1f}
.gate-failure{border-left:4px solid #c33;padding:2px 8px;margin:6px 0;background:#fff6f6}
.gate-failure code{white-space:pre-wrap}.gate-grid{border-collapse:collapse;font-size:.85em}
.gate-grid th{writing-mode:vertical-rl;font-weight:normal;padding:2px}.gate-grid td{text-align:center;padding:0 3px}
.gate-grid td.failed{background:#f2b8b8}.gate-grid td.expected{background:#f6e3a8}.gate-grid td.passed{color:#3a7a3a}
.gate-grid td.skipped{color:#999}.gate-grid td.entry{text-align:left;white-space:nowrap}
</style>"""


def html_overview(data: dict) -> str:
    """The first screen of report.html: header, verdict banner, failures, the entry × kind grid, the folds."""
    tests = data["tests"]
    css, sentence = verdict(data)
    head = "".join(f"<tr><td>{html.escape(k)}</td><td><b>{html.escape(v)}</b></td></tr>" for k, v in header_rows(data))
    parts = [STYLE, '<div class="gate-head">', f'<div class="gate-banner {css}">{html.escape(sentence)}</div>',
             f"<table>{head}</table>"]
    failed = [t for t in tests if t["outcome"] in FAILED]
    if failed:
        parts.append(f"<h2>Failures ({len(failed)})</h2>")
        for test in failed:
            link = repro_link(test)
            parts.append(f'<div class="gate-failure"><b>{html.escape(test["snippet"])}</b> · {html.escape(test["kind"])}'
                         f' · <code>{html.escape(results.check_of(test["nodeid"]))}</code><br>'
                         f'<code>{html.escape(test["message"][:MESSAGE_SHOWN])}</code>'
                         + (f'<br><a href="{html.escape(link)}">reproduction script</a>' if link else "") + "</div>")
    kinds, cells = grid(tests)
    rows = "".join(f'<tr><td class="entry">{html.escape(entry)}</td>'
                   + "".join(f'<td class="{row.get(k, "")}">{SYMBOL.get(row.get(k, ""), "")}</td>' for k in kinds)
                   + "</tr>" for entry, row in cells.items())
    parts.append("<details open><summary><b>Every entry and kind of check</b> (✓ passed, ✗ failed, ≠ an expected "
                 "difference held, – skipped)</summary><table class=\"gate-grid\"><tr><th></th>"
                 + "".join(f"<th>{html.escape(k)}</th>" for k in kinds) + f"</tr>{rows}</table></details>")
    parts.append(_folded("Expected differences that held", expected_reasons(tests)))
    parts.append(_folded("Skipped, by reason", skip_reasons(tests)))
    parts.append("</div>")
    return "".join(parts)


def expected_reasons(tests: list[dict]) -> collections.Counter:
    """How many checks each row's reason held (a check that looks its row up twice counts once)."""
    return collections.Counter(reason for t in tests if expected_difference(t)
                               for reason in {f"{row['check']} (Keras {row['keras']}): {row['reason']}"
                                              for row in t["expected"] if row.get("varies")})


def skip_reasons(tests: list[dict]) -> collections.Counter:
    return collections.Counter(t["message"].splitlines()[0] if t["message"] else "(no reason given)"
                               for t in tests if t["outcome"] == "skipped")


def _folded(title: str, counts: collections.Counter) -> str:
    if not counts:
        return ""
    items = "".join(f"<li>{n} × {html.escape(reason)}</li>" for reason, n in counts.most_common())
    return f"<details><summary><b>{html.escape(title)}</b> ({sum(counts.values())})</summary><ul>{items}</ul></details>"


def summary_markdown(data: dict, report: str = "report.html") -> str:
    """At most a screen: the verdict, the failures in one line each, the counts, where the full page is."""
    css, sentence = verdict(data)
    lines = [f"### Keras upgrade gate: {data.get('env', '?')} ({versions(data)})", "",
             f"**{'✅' if css == 'good' else '❌'} {sentence}**", ""]
    failed = [t for t in data["tests"] if t["outcome"] in FAILED]
    for test in failed[:FAILURES_IN_SUMMARY]:
        message = test["message"].splitlines()[0][:160] if test["message"] else test["outcome"]
        lines.append(f"- `{test['snippet']}` {test['kind']}: {message}")
    if len(failed) > FAILURES_IN_SUMMARY:
        lines.append(f"- ... and {len(failed) - FAILURES_IN_SUMMARY} more")
    expected = len(expected_reasons(data["tests"]))
    lines += ["", f"{expected} recorded Keras differences held; tier {data.get('tier', '?')}, "
                  f"{data.get('wall_seconds', '?')} s. Full report: `{report}`."]
    return "\n".join(lines) + "\n"
