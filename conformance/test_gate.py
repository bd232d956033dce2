"""The gate's own command line: a user's ``-m`` narrows the default tier instead of replacing its
exclusions (``tox -e tf221 -- -m convergence`` must not start the slow tier's seed-size trainings)."""
from __future__ import annotations

import pytest
from _pytest.mark.expression import Expression

from conformance.gate import EXCLUDED_MARKERS, keep_default_exclusions


def _selects(args: list, markers: set) -> bool:
    """Whether pytest's own marker matching selects a check carrying ``markers`` under the last ``-m``
    (pytest's private parser, stable since pytest 6: the rewrite is judged as pytest will read it)."""
    expression = None
    for i, arg in enumerate(args):
        if arg == "-m":
            expression = args[i + 1]
        elif arg.startswith("-m"):
            expression = arg[2:]
    return Expression.compile(expression).evaluate(lambda name, **_: name in markers)


@pytest.mark.parametrize("args", [["-m", "convergence"], ["-mconvergence"], ["-x", "-m", "convergence or parity", "-q"]])
def test_a_narrowing_selection_keeps_the_slow_tier_and_the_selftest_out(args):
    rewritten = keep_default_exclusions(args)
    assert _selects(rewritten, {"convergence"})
    for excluded in EXCLUDED_MARKERS:
        assert not _selects(rewritten, {"convergence", excluded}), (
            f"{args} -> {rewritten} would run checks marked {excluded}")
    # the unrewritten selection is the hole this closes: pytest alone would run the slow checks
    assert _selects(args, {"convergence", "slow"})


@pytest.mark.parametrize("args", [["-m", "slow"], ["-m", "convergence and slow"], ["-m", "selftest"],
                                  ["-k", "attn.se_cnn"], ["conformance/test_documented.py"], []])
def test_a_selection_that_names_an_excluded_marker_or_no_marker_is_left_alone(args):
    assert keep_default_exclusions(args) == args


def test_a_marker_whose_name_contains_an_excluded_one_is_not_mistaken_for_it():
    rewritten = keep_default_exclusions(["-m", "slowest"])
    assert rewritten == ["-m", "(slowest) and not slow and not selftest"]
