"""Every injected regression makes the gate fail and name the right snippet and check;
the same selections without an injection pass (no false alarm)."""
from __future__ import annotations

import os

import pytest

from keras_upgrade_gate.selftest.injections import INJECTIONS
from keras_upgrade_gate.selftest.run import keras3, run_gate

pytestmark = pytest.mark.selftest

SELECTIONS = {tuple(injection.select) for injection in INJECTIONS}


@pytest.mark.parametrize("select", sorted(SELECTIONS), ids=lambda s: " ".join(s).replace("conformance/", ""))
def test_clean_run_passes(select):
    run = _run("clean-" + str(sorted(SELECTIONS).index(select)), list(select))
    assert run.returncode == 0 and not run.failures, (
        f"false alarm without any injection ({' '.join(select)}): "
        + "; ".join(t["message"][:200] for t in run.failures[:5]) + "\n" + run.output[-1500:])


# The injections run against the default tier (what every pull request runs); SELFTEST_TIERS=default,full
# runs each in the full tier too, and the detection table says which tiers caught it.
TIERS = os.environ.get("SELFTEST_TIERS", "default").split(",")


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("injection", INJECTIONS, ids=lambda i: i.name)
def test_injected_regression_is_caught_and_named(injection, tier, record_property):
    if injection.patch_for(keras3()) is None:
        pytest.skip(f"{injection.name} has no Keras 2 form: {injection.keras2}")
    run = _run(injection.name if tier == "default" else f"{injection.name}-{tier}", injection.select,
               inject=injection.name, tier=tier)
    missing = [(snippet, words) for snippet, words in injection.catches if not run.names(snippet, words)]
    first = min(run.failures, key=lambda t: t["nodeid"], default=None)  # one failing check: the first by node id
    record_property("detection", {"injection": injection.name, "area": injection.area, "what": injection.what, "tier": tier,
                       "caught": run.returncode != 0 and not missing, "failures": len(run.failures),
                       "first_check": f"{first['kind']}: {first['nodeid'].split('::')[-1]}" if first else "",
                       "named": "; ".join(f"{s}: {w}" for s, w in injection.catches)})
    assert run.returncode != 0, f"{injection.name} ({injection.what}): the gate passed\n{run.output[-1500:]}"
    assert not missing, (
        f"{injection.name} ({injection.what}): the gate failed but did not name {missing}; it named: "
        + "; ".join(f"[{t['snippet']}] {t['message'][:160]}" for t in run.failures[:8]))


def _run(label, select, inject=None, tier="default"):
    return run_gate(label, list(select), inject=inject, extra=("-p", "no:randomly"), tier=tier)
