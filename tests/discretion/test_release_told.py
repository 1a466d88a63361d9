"""Released and removed are told by default within 60 days of the change, audited; some records never are."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.custody.test_voice_lookup import audits, look_up, to_custody
from tests.notifications.conftest import changed_days_ago
from workers.imports import import_custody

HEADER = "a_number,first_name,last_name,country_of_birth,date_of_birth,status,facility_code,status_changed_at,protected"


@pytest.fixture
def records(app, custody_demo, tmp_path: Path) -> None:
    rows = [
        f"A209000001,Rosa,Flores,Guatemala,1980-01-01,released,,{changed_days_ago(3)},",
        f"A209000002,Jorge,Reyes,Guatemala,1981-01-01,removed,,{changed_days_ago(10)},",
        f"A209000003,Ana,Lopez,Guatemala,1982-01-01,released,,{changed_days_ago(61)},",
        f"A209000004,Luis,Diaz,Guatemala,2015-01-01,released,,{changed_days_ago(3)},",
        f"A209000005,Eva,Ruiz,Guatemala,,released,,{changed_days_ago(3)},",
        f"A209000006,Sara,Gil,Guatemala,1980-01-01,released,,{changed_days_ago(3)},true",
    ]
    path = tmp_path / "release.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with path.open(encoding="utf-8", newline="") as handle:
        import_custody(app.extensions["hotline"].database, handle, "release")


def test_a_recent_release_is_told_under_the_default_policy_and_audited(app, call, records) -> None:
    heard = look_up(to_custody(call()), "209000001", "2")
    assert "released" in heard and "cannot confirm" not in heard
    last = audits(app)[-1]
    assert (last.result, last.fields_disclosed) == ("status_disclosed", "status")


def test_a_recent_removal_is_told_under_the_default_policy(app, call, records) -> None:
    heard = look_up(to_custody(call()), "209000002", "2")
    assert "cannot confirm" not in heard
    assert audits(app)[-1].result == "status_disclosed"


@pytest.mark.parametrize(
    "a_number",
    ["209000003", "209000004", "209000005", "209000006"],
    ids=["older than 60 days", "a minor", "no date of birth", "protected"],
)
def test_old_changes_minors_records_without_birth_date_and_protected_records_stay_undisclosed(
    app, call, records, a_number
) -> None:
    heard = look_up(to_custody(call()), a_number, "2")
    assert "cannot confirm" in heard and "released" not in heard
    assert audits(app)[-1].result == "not_disclosed"
