from keras_upgrade_gate.reporting import compare
from keras_upgrade_gate.reporting.tests.conftest import ROW_KERAS3, make_test


def test_status_of_each_outcome():
    assert compare.status(make_test("a::t")) == compare.PASS
    assert compare.status(make_test("a::t", outcome="failed")) == compare.FAIL
    assert compare.status(make_test("a::t", outcome="error")) == compare.FAIL
    assert compare.status(make_test("a::t", outcome="skipped")) == compare.SKIP
    assert compare.status(make_test("a::t", expected=[ROW_KERAS3])) == compare.XDIFF
    assert compare.status(make_test("a::t", expected=[dict(ROW_KERAS3, varies=False)])) == compare.PASS
    assert compare.status(None) == compare.ABSENT
    reworded = {"judged": {"check": "c", "observed": "E: new words", "verdict": "reworded", "pattern": "E: old",
                           "cause": ["x"]}}
    assert compare.status(make_test("a::t", values=reworded, expected=[ROW_KERAS3])) == compare.REWORDED
    assert compare.status(make_test("a::t", values={"judged": {"verdict": "as expected"}})) == compare.PASS


def test_numbers_drift_beyond_the_tolerance_only():
    assert compare.value_changes({"loss": 0.40}, {"loss": 0.43}) == []
    assert compare.value_changes({"loss": 0.40}, {"loss": 0.55}) == ["loss: 0.4 -> 0.55"]
    assert compare.value_changes({"err": 1e-7}, {"err": 5e-6}) == []  # below the absolute floor


def test_counts_shapes_and_missing_keys_are_compared_exactly():
    assert compare.value_changes({"params": 369}, {"params": 370}) == ["params: 369 -> 370"]
    assert compare.value_changes({"shape": [None, 32]}, {"shape": [None, 30]}) == ["shape[1]: 32 -> 30"]
    assert compare.value_changes({"a": [1, 2]}, {"a": [1, 2, 3]}) == ["a: length 2 -> 3"]
    assert compare.value_changes({"a": 1}, {}) == ["a: 1 -> absent"]


def test_wall_time_and_relative_errors_are_not_behaviour():
    assert compare.value_changes({"seconds": 1.0, "max_rel": 0.01}, {"seconds": 9.0, "max_rel": 0.9}) == []
