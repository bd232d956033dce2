"""A team's own expected-difference rows (its baselines folder's expected.toml) read as the gate's rows do,
and a file that does not parse is an error naming the file and the row, never a row silently dropped."""
from __future__ import annotations

import pytest

from keras_upgrade_gate.conformance import expectations

pytestmark = pytest.mark.as_written

ROW = '''
[[row]]
check = "load:tf221:h5:team.model"
keras = "<3"
outcome = "TypeError: Unrecognized keyword arguments: \\\\['batch_shape'"
cause = ["batch_shape"]
reason = "Keras 3 writes InputLayer(batch_shape=)"
'''


def test_a_teams_row_is_judged_like_the_gates(tmp_path):
    path = tmp_path / "expected.toml"
    path.write_text(ROW)
    (row,) = expectations.team_rows(path)
    assert (row.check, row.keras, row.cause) == ("load:tf221:h5:team.model", "<3", ("batch_shape",))
    assert row.applies("2.15.0") and not row.applies("3.15.1")
    assert str(path.name) in row.describe()
    assert expectations.judge(row, "TypeError: Unrecognized keyword arguments: ['batch_shape']") == expectations.AS_EXPECTED
    assert expectations.judge(row, "ok") == expectations.DIFFERS  # a difference that stops happening fails


@pytest.mark.parametrize("text,says", [
    (ROW.replace("reason =", "reasn ="), "unknown fields ['reasn']"),
    (ROW.replace('keras = "<3"', 'keras = "Keras 2"'), "is not a version specifier"),
    (ROW.replace("[[row]]", "[[row]"), "not valid TOML"),
], ids=["unknown field", "bad version range", "bad TOML"])
def test_a_row_that_does_not_parse_is_an_error(tmp_path, text, says):
    path = tmp_path / "expected.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match="expected.toml") as error:
        expectations.team_rows(path)
    assert says in str(error.value)


def test_no_file_means_no_rows(tmp_path):
    assert expectations.team_rows(tmp_path / "expected.toml") == ()
    assert expectations.team_rows(None) == ()


def test_a_teams_single_row_is_a_version_difference(tmp_path, monkeypatch):
    """One row saying Keras >=3 cannot read a file is a difference (on Keras 2 it reads), so the report shows
    the pass as an expected difference and the upgrade page lists it as a known break; a row over every
    version, or a plain one, is not."""
    path = tmp_path / "expected.toml"
    path.write_text(ROW)
    (row,) = expectations.team_rows(path)
    everywhere = expectations.Expected(check="fact:always", keras=">=2", reason="", outcome=row.outcome)
    plain = expectations.Expected(check="fact:plain", keras=">=3", reason="")
    monkeypatch.setattr(expectations, "TABLE", (row, everywhere, plain))
    assert expectations.varies(row.check)
    assert not expectations.varies("fact:always") and not expectations.varies("fact:plain")
