"""Pytest plugin the gate loads (``-p keras_upgrade_gate.reporting.plugin``): writes results.json, adds figures to the HTML.

It keeps, per test, the outcome, duration, failure message, recorded values and the
expected-difference rows that applied, then writes them with the environment at the end.
"""
from __future__ import annotations

import datetime
import html
import os
import pathlib
import sys
import time

import pytest

from keras_upgrade_gate.reporting import results

PARITY_PREFIX = "parity "


def pytest_addoption(parser):
    parser.addoption("--results-json", default=None, help="write the gate's results.json here")


GATE_KEY = "_gate"  # the user property carrying a test's snippet and expectation rows to the collector
SNIPPET = pytest.StashKey[str]()


def pytest_configure(config):
    path = config.getoption("--results-json")
    # Under pytest-xdist only the controller collects; workers send their reports to it.
    if path and not hasattr(config, "workerinput"):
        workers = getattr(config.option, "numprocesses", None) or 0
        config.pluginmanager.register(ResultsCollector(path, workers), "gate-results")


def pytest_collection_modifyitems(items):
    for item in items:
        item.stash[SNIPPET] = results.entry_of(item) or results.SUITE


def pytest_runtest_setup(item):
    _applied_expectations()  # drop lookups made outside this test (collection, other fixtures)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item):
    # Runs in the test's own process (an xdist worker too): what only that process knows travels
    # in the teardown report's user properties, which xdist forwards.
    marker = item.get_closest_marker("expensive")
    item.user_properties.append((GATE_KEY, {"snippet": item.stash.get(SNIPPET, results.SUITE),
                                            "expected": _applied_expectations(),
                                            "expensive": marker.args[0] if marker else None}))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # A failure that left a reproduction recipe links its script from the HTML report (the script
    # itself is written at the end of the run, beside report.html: reporting/repro.py).
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    from keras_upgrade_gate.reporting import repro

    recipe = dict(item.user_properties).get(repro.RECIPE_KEY)
    html_extras = sys.modules.get("pytest_html.extras")
    if recipe and "unwritable" not in recipe and html_extras is not None:
        link = f"repro/{results.repro_name(item.nodeid)}.py"
        report.extras = [*getattr(report, "extras", []), html_extras.url(link, name="reproduction script")]


def _applied_expectations() -> list:
    """Rows of conformance/expectations.py looked up since the last call (empty if never imported)."""
    module = sys.modules.get("keras_upgrade_gate.conformance.expectations")
    if module is None:
        return []
    rows, module.APPLIED[:] = list(module.APPLIED), []
    # "varies": the table records other behaviour on other versions, and this version's is not the
    # plain one (the code ran, with no value or True): the index shows such a pass as "expected difference".
    return [{"check": r.check, "keras": r.keras, "outcome": r.outcome, "value": r.value, "reason": r.reason,
             "varies": module.varies(r.check) and not (r.outcome == "ok" and r.value in (None, True))}
            for r in rows]


class ResultsCollector:
    def __init__(self, path, workers):
        self.path = path
        self.workers = workers  # pytest-xdist workers; 0: serial
        self.tests: dict[str, dict] = {}
        self.started = time.time()
        self.internal_error = ""

    def pytest_internalerror(self, excrepr):
        # A crash of pytest itself (in collection, in a plugin, a worker lost): the run says so.
        self.internal_error = str(excrepr)[-2000:]

    def pytest_runtest_logreport(self, report):
        nodeid = results.gate_nodeid(report.nodeid)
        test = self.tests.setdefault(nodeid, {
            "nodeid": nodeid, "snippet": results.SUITE, "kind": results.kind_of(nodeid),
            "outcome": "passed", "duration": 0.0, "message": "", "values": {}, "expected": []})
        test["duration"] = round(test["duration"] + report.duration, 3)
        properties = dict(report.user_properties)
        gate = properties.pop(GATE_KEY, None)
        if gate:
            test["snippet"], test["expected"] = gate["snippet"], gate["expected"]
            test["expensive"] = gate["expensive"]
        if report.when == "call" or report.failed or report.skipped:
            test["values"].update(properties)
        if report.failed:
            test["outcome"] = "failed" if report.when == "call" else "error"
            test["message"] = _first_line(report)
        elif report.skipped and test["outcome"] == "passed":
            test["outcome"] = "skipped"
            test["message"] = _skip_reason(report)

    def pytest_sessionfinish(self, session, exitstatus):
        # imported here: the collector is only registered inside a gate run
        from keras_upgrade_gate.conformance import tiers
        from keras_upgrade_gate.layers import compat

        if self.internal_error or exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR):
            reason = self.internal_error.strip().splitlines()[-1] if self.internal_error.strip() else ""
            test = results.died_test(f"the gate stopped before the end (pytest exit {int(exitstatus)}"
                                     f"{': ' + reason if reason else ''}); {len(self.tests)} checks reported")
            self.tests[test["nodeid"]] = test
        from keras_upgrade_gate.reporting import repro

        repro.write_scripts(pathlib.Path(self.path).parent, self.tests.values())
        data = {
            "format": results.FORMAT, "env": pathlib.Path(self.path).parent.name,
            "environment": where_it_ran(compat.environment()),
            "tier": tiers.chosen_tier(session.config.getoption("--tier", default=None)),
            "selected": _selected(session.config),
            "started": datetime.datetime.fromtimestamp(self.started, datetime.timezone.utc).isoformat(),
            "wall_seconds": round(time.time() - self.started, 1),
            "timing": self.timing(),
            "tests": sorted(self.tests.values(), key=lambda t: t["nodeid"])}
        results.write(self.path, data)
        from keras_upgrade_gate.reporting import overview

        pathlib.Path(self.path).with_name("summary.md").write_text(overview.summary_markdown(data), encoding="utf-8")
        session.config.stash[FIGURE_VALUES] = self.tests
        session.config.stash[RUN] = data

    def timing(self) -> dict:
        """Seconds per check kind (setup, call and teardown), and the import floor."""
        per_kind: dict[str, float] = {}
        for test in self.tests.values():
            per_kind[test["kind"]] = round(per_kind.get(test["kind"], 0.0) + test["duration"], 1)
        return {"import_seconds": float(os.environ.get("GATE_IMPORT_SECONDS", "nan")),
                **_budget(), "workers": self.workers,
                "per_kind": dict(sorted(per_kind.items(), key=lambda kv: -kv[1]))}

    def pytest_terminal_summary(self, terminalreporter):
        timing = self.timing()
        counts: dict[str, int] = {}
        for test in self.tests.values():
            counts[test["kind"]] = counts.get(test["kind"], 0) + 1
        terminalreporter.section("gate timing")
        terminalreporter.write_line(f"{'tensorflow + keras import':28} {timing['import_seconds']:7.1f} s  (the floor)")
        for kind, seconds in timing["per_kind"].items():
            terminalreporter.write_line(f"{kind:28} {seconds:7.1f} s  {counts[kind]:4d} checks")
        how = f"{self.workers} xdist workers" if self.workers else "serial"
        terminalreporter.write_line(f"{'wall (this pytest run)':28} {time.time() - self.started:7.1f} s  ({how}; "
                                    "kinds sum the checks' own durations)")


def _selected(config) -> bool | None:
    """Whether the run chose some checks (-k, -m, files or node ids) rather than running its whole tier, as the
    gate's runner saw its arguments ($GATE_SELECTED); None for pytest run without the runner."""
    flag = os.environ.get("GATE_SELECTED")
    return None if flag is None else flag == "1"


def _budget() -> dict:
    """This machine's yardstick and the default tier's budget in its units (conformance/yardstick.py)."""
    measured = os.environ.get("GATE_YARDSTICK_SECONDS")
    if not measured:
        return {}
    from keras_upgrade_gate.conformance import yardstick

    return {"yardstick_seconds": float(measured), "budget_seconds": yardstick.budget(float(measured))}


FIGURE_VALUES = pytest.StashKey[dict]()
RUN = pytest.StashKey[dict]()  # the run as results.json holds it, for the report's first screen


def where_it_ran(environment: dict) -> dict:
    """The versions, with NumPy and the CPU (model, instruction sets, cores): what a report says ran."""
    import numpy

    from keras_upgrade_gate.conformance import cpus

    return {**environment, "numpy": numpy.__version__, "cpu": cpus.cpu_description()}


@pytest.hookimpl(optionalhook=True)
def pytest_metadata(metadata, config):
    """pytest-html's Environment table, the report's first lines, names what the gate ran on."""
    from keras_upgrade_gate.layers import compat

    env = where_it_ran(compat.environment())
    cpu = env["cpu"]
    metadata.update({"Gate environment": os.environ.get("GATE_ENV", "local"), "TensorFlow": env["tensorflow"],
                     "Keras": env["keras"], "NumPy": env["numpy"],
                     "CPU": f"{cpu['model']}, {cpu['cores']} cores", "GPUs": ", ".join(env["gpus"]) or "none visible"})


@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report):
    from keras_upgrade_gate.layers import compat

    env = os.environ.get("GATE_ENV", "local")
    report.title = f"Keras upgrade gate: {env}, TensorFlow {compat.TF_VERSION}, Keras {compat.KERAS_VERSION}"


def _first_line(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return text.strip().splitlines()[0][:500] if text.strip() else ""


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    return str(longrepr[2]).removeprefix("Skipped: ") if isinstance(longrepr, tuple) else str(longrepr)


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(prefix, summary, postfix, session):
    """The run's first screen (what ran, the verdict, the failures, the grid: reporting/overview.py), then a
    figures section after the counts: per snippet, its curves, attention and parity errors."""
    run = session.config.stash.get(RUN, None)
    if run:
        from keras_upgrade_gate.reporting import overview

        prefix.append(overview.html_overview(run))
    tests = session.config.stash.get(FIGURE_VALUES, None)
    if not tests:
        return
    from keras_upgrade_gate.reporting import figures

    by_snippet: dict[str, list[str]] = {}
    parity: dict[str, dict] = {}
    for test in tests.values():
        values, snippet = test["values"], test["snippet"]
        name = test["nodeid"].split("::")[-1].split("[")[0]
        if "history" in values:
            by_snippet.setdefault(snippet, []).append(figures.img_tag(
                figures.training_curves(values["history"], f"{snippet}: {name}"), f"{snippet} training curves"))
        if "attention_vector_mean" in values:
            by_snippet.setdefault(snippet, []).append(figures.img_tag(
                figures.attention_bars(values["attention_vector_mean"], f"{snippet}: mean attention"),
                f"{snippet} attention vector"))
        for key, worst in values.items():
            if key.startswith(PARITY_PREFIX) and isinstance(worst, dict):
                pair, _, kind = key[len(PARITY_PREFIX):].rpartition(" ")
                parity.setdefault(snippet, {}).setdefault(pair, {})[kind] = worst["max_abs"]
    for snippet, errors in parity.items():
        by_snippet.setdefault(snippet, []).append(figures.img_tag(
            figures.parity_errors(errors, f"{snippet}: parity error per path pair"), f"{snippet} parity"))
    sections = [f'<details><summary>{html.escape(snippet)}</summary>{"".join(images)}</details>'
                for snippet, images in sorted(by_snippet.items())]
    postfix.append(f'<h2>Figures per snippet</h2><div class="gate-figures">{"".join(sections)}</div>')
