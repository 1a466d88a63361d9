"""The notification disclosure rules in the feed and the look-up: minors, protected records, the public window."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from config import DisclosurePolicy
from models.import_lock import import_lock
from tests.notifications.conftest import HEADER, changed_days_ago

TEXTER = "+12025550143"


@pytest.fixture
def settings(settings):
    # The public look-up tells released and removed statuses (within the window).
    return settings.replace(disclosure=DisclosurePolicy(disclose_other_statuses=True))


def unknown_reply(texter, country: str = "MEXICO") -> str:
    (reply,) = texter("+13125550199").send(f"STATUS A209999999 {country}")
    return reply


def test_a_minor_in_custody_answers_exactly_like_an_unknown_record(texter, feed) -> None:
    feed([f"A209000011,Nina,Cruz,Mexico,2012-03-04,in custody,DEMOELP,{changed_days_ago(1)}"])
    (reply,) = texter(TEXTER).send("STATUS A209000011 MEXICO")
    assert "El Paso" not in reply
    assert reply.replace("011", "999") == unknown_reply(texter)


def test_a_record_without_a_date_of_birth_is_not_disclosed_and_the_import_counts_it(texter, feed) -> None:
    summary = feed(
        [
            f"A209000012,Omar,Ruiz,Mexico,,in custody,DEMOELP,{changed_days_ago(1)}",
            f"A209000013,Ana,Ruiz,Mexico,1980-01-01,in custody,DEMOELP,{changed_days_ago(1)}",
        ]
    )
    assert summary.without_date_of_birth == 1
    (hidden,) = texter(TEXTER).send("STATUS A209000012 MEXICO")
    (shown,) = texter(TEXTER).send("STATUS A209000013 MEXICO")
    assert "El Paso" not in hidden and "El Paso" in shown


@pytest.mark.parametrize("flag", ["T", "U", "VAWA", "yes"])
def test_a_protected_record_answers_exactly_like_an_unknown_one(texter, feed, flag: str) -> None:
    feed([f"A209000014,Rosa,Diaz,Mexico,1980-01-01,in custody,DEMOELP,{changed_days_ago(1)},{flag}"], protected=True)
    (reply,) = texter(TEXTER).send("STATUS A209000014 MEXICO")
    assert reply.replace("014", "999") == unknown_reply(texter)


def test_a_file_with_the_protected_column_still_loads_unprotected_rows_and_rejects_bad_flags(feed) -> None:
    summary = feed(
        [
            f"A209000015,Luis,Diaz,Mexico,1980-01-01,released,,{changed_days_ago(1)},",
            f"A209000016,Luis,Diaz,Mexico,1980-01-01,released,,{changed_days_ago(1)},maybe",
        ],
        protected=True,
    )
    assert summary.inserted == 1
    assert [(r.line, "protected" in r.reason) for r in summary.rejected] == [(3, True)]


def test_released_and_removed_are_told_only_within_the_window(texter, feed) -> None:
    feed(
        [
            f"A209000021,Ana,Vega,Mexico,1980-01-01,released,,{changed_days_ago(10)}",
            f"A209000022,Ana,Vega,Mexico,1980-01-01,removed,,{changed_days_ago(59)}",
            f"A209000023,Ana,Vega,Mexico,1980-01-01,released,,{changed_days_ago(61)}",
            f"A209000024,Ana,Vega,Mexico,1980-01-01,removed,,{changed_days_ago(200)}",
        ]
    )
    sender = texter(TEXTER)
    assert "released" in sender.send("STATUS A209000021 MEXICO")[0]
    assert "no longer in the United States" in sender.send("STATUS A209000022 MEXICO")[0]
    late = texter("+13125550100")
    assert late.send("STATUS A209000023 MEXICO")[0].replace("023", "999") == unknown_reply(texter)
    assert late.send("STATUS A209000024 MEXICO")[0].replace("024", "999") == unknown_reply(texter)


class TestAShorterWindow:
    @pytest.fixture
    def settings(self, settings):
        return settings.replace(disclosure=DisclosurePolicy(disclose_other_statuses=True, public_window_days=5))

    def test_the_window_is_a_setting(self, texter, feed) -> None:
        feed([f"A209000025,Ana,Vega,Mexico,1980-01-01,released,,{changed_days_ago(10)}"])
        assert "released" not in texter(TEXTER).send("STATUS A209000025 MEXICO")[0]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_field_office_is_read_from_its_code_or_its_name_and_unknown_ones_are_reported(app, runner, tmp_path) -> None:
    facilities = write(
        tmp_path,
        "f.csv",
        "code,name,address,city,state,zip,phone,field_office\n"
        "F1,One,,Miami,FL,,,Miami\n"
        "F2,Two,,Dilley,TX,,,san antonio\n"
        "F3,Three,,Miami,FL,,,MIAMI FIELD OFFICE\n"
        "F4,Four,,Eloy,AZ,,,pho\n"
        "F5,Five,,Nowhere,TX,,,Gotham\n",
    )
    result = runner.invoke(args=["custody", "import-facilities", str(facilities)])
    assert result.exit_code == 1
    assert "line 6: rejected: unknown field_office 'Gotham'" in result.output
    from models import Facility

    with app.extensions["hotline"].database.session() as session:
        offices = {f.code: f.field_office for f in session.query(Facility)}
    assert offices == {"F1": "MIA", "F2": "SNA", "F3": "MIA", "F4": "PHO"}


def test_a_second_import_says_who_holds_the_lock_and_exits(app, runner, feed, tmp_path) -> None:
    custody = write(tmp_path, "c.csv", HEADER + "\n")
    database = app.extensions["hotline"].database
    with import_lock(database, "custody-feed"):
        result = runner.invoke(args=["custody", "import", str(custody)])
    assert result.exit_code == 1
    assert "another custody-feed import is running" in result.output and " pid " in result.output


def test_a_second_import_with_wait_runs_after_the_first_finishes(app, runner, feed, tmp_path) -> None:
    custody = write(
        tmp_path,
        "c.csv",
        HEADER + f"\nA209000031,Ana,Vega,Mexico,1980-01-01,in custody,DEMOELP,{changed_days_ago(1)}\n",
    )
    database = app.extensions["hotline"].database
    taken, release = threading.Event(), threading.Event()

    def first_import() -> None:
        with import_lock(database, "custody-feed"):
            taken.set()
            release.wait(5)

    holder = threading.Thread(target=first_import)
    holder.start()
    taken.wait(5)
    threading.Timer(0.8, release.set).start()
    started = time.monotonic()
    result = runner.invoke(args=["custody", "import", "--wait", "10", str(custody)])
    holder.join()
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 0.7
    assert "1 inserted" in result.output
