"""The offender's case status: an optional feed column, custody events, and one sentence
in the look-up only when the disclosure policy allows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from callflows.catalogue import catalogue
from callflows.flows import case_status as case_status_flow
from callflows.sms import segments
from config import DisclosurePolicy
from models import CustodyEvent, CustodyRecord, LookupAudit
from models.audit import DISCLOSED, NOT_DISCLOSED, FoundRecord
from models.custody import CASE_STATUSES
from web.phone.actions.custody import LookupAnswer, with_case_status

FACILITIES = (
    "code,name,address,city,state,zip,phone,field_office\n"
    "DEMOELP,El Paso Demo Processing Center,100 Example Road,El Paso,TX,79925,+19155550142,ELP\n"
)
HEADER = "a_number,first_name,last_name,country_of_birth,date_of_birth,status,facility_code,status_changed_at"
FEED = (
    HEADER + ",case_status\n"
    "A201345678,Demo,Detainee,Mexico,1990-05-01,in custody,DEMOELP,2026-11-01T09:30:00Z,In Proceedings\n"
    "A201345679,Ana,Garcia,Guatemala,1985-02-03,released,,2026-11-01T09:30:00Z,appeal_pending\n"
    "A201345680,Luis,Lopez,Honduras,1980-02-03,removed,,2026-11-01T09:30:00Z,ORDERED-REMOVED\n"
    "A201345681,Eva,Diaz,Honduras,1980-02-03,in custody,DEMOELP,2026-11-01T09:30:00Z,\n"
    "A201345682,Jose,Cruz,Honduras,1980-02-03,in custody,DEMOELP,2026-11-01T09:30:00Z,pardoned\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def feed(app, runner, tmp_path: Path):
    assert (
        runner.invoke(args=["custody", "import-facilities", str(write(tmp_path, "f.csv", FACILITIES))]).exit_code == 0
    )
    result = runner.invoke(args=["custody", "import", str(write(tmp_path, "c.csv", FEED))])
    assert "4 inserted" in result.output, result.output  # the 'pardoned' line is rejected (exit code 1)
    yield result.output
    desk = app.extensions.get("custody_lookup_desk")
    if desk is not None:
        desk.close()


def stored(app) -> dict[str, CustodyRecord]:
    with app.extensions["hotline"].database.session() as session:
        return {r.a_number: r for r in session.scalars(select(CustodyRecord))}


def case_events(app) -> list[tuple]:
    with app.extensions["hotline"].database.session() as session:
        rows = session.scalars(select(CustodyEvent).order_by(CustodyEvent.id))
        return [(e.a_number, e.old_case_status, e.new_case_status) for e in rows]


def allow_case_status(app, allowed: bool = True, other_statuses: bool = False) -> None:
    hotline = app.extensions["hotline"]
    hotline.settings = hotline.settings.replace(
        disclosure=DisclosurePolicy(
            disclose_case_status=allowed,
            disclose_other_statuses=other_statuses,
            disclose_release_and_removal=other_statuses,
        )
    )


# --- the feed -----------------------------------------------------------------------------


def test_the_case_status_column_is_read_with_the_spelling_rules_of_status(app, feed) -> None:
    records = stored(app)
    assert records["201345678"].case_status == "in_proceedings"
    assert records["201345679"].case_status == "appeal_pending"
    assert records["201345680"].case_status == "ordered_removed"
    assert records["201345681"].case_status is None
    assert "4 inserted" in feed and "line 6: rejected: unknown case_status 'pardoned'" in feed


def test_a_changed_case_status_is_a_custody_event_and_a_feed_without_the_column_keeps_it(
    app, runner, feed, tmp_path: Path
) -> None:
    row = "A201345678,Demo,Detainee,Mexico,1990-05-01,in custody,DEMOELP,2026-11-03T09:30:00Z,relief granted"
    changed = HEADER + ",case_status\n" + row + "\n"
    assert "1 changed" in runner.invoke(args=["custody", "import", str(write(tmp_path, "c2.csv", changed))]).output
    assert case_events(app)[-1] == ("201345678", "in_proceedings", "relief_granted")
    without = HEADER + "\nA201345678,Demo,Detainee,Mexico,1990-05-01,in custody,DEMOELP,2026-11-03T09:30:00Z\n"
    before = len(case_events(app))
    result = runner.invoke(args=["custody", "import", str(write(tmp_path, "c3.csv", without))])
    assert "1 unchanged" in result.output
    assert stored(app)["201345678"].case_status == "relief_granted" and len(case_events(app)) == before


def test_a_header_with_an_unknown_extra_column_is_refused(app, runner, tmp_path: Path) -> None:
    bad = HEADER + ",favourite_colour\nA201345678,Demo,Detainee,Mexico,1990-05-01,released,,2026-11-03T09:30:00Z,red\n"
    result = runner.invoke(args=["custody", "import", str(write(tmp_path, "c.csv", bad))])
    assert result.exit_code != 0 and "expected header" in result.output
    assert stored(app) == {}


def test_a_row_with_the_wrong_number_of_fields_is_reported(app, runner, feed, tmp_path: Path) -> None:
    short = HEADER + ",case_status\nA201345690,Demo,Detainee,Mexico,1990-05-01,released,,2026-11-03T09:30:00Z\n"
    result = runner.invoke(args=["custody", "import", str(write(tmp_path, "c.csv", short))])
    assert "line 2: rejected: expected 9 fields, found 8" in result.output


# --- the disclosure decision ------------------------------------------------------------


def record(case_status: str | None = "in_proceedings") -> FoundRecord:
    return FoundRecord("in_custody", "MX", "El Paso Demo Processing Center", "El Paso", "TX", None, case_status)


def test_the_case_status_rides_only_on_an_answer_that_discloses(settings) -> None:
    allowed = settings.replace(disclosure=DisclosurePolicy(disclose_case_status=True))
    disclosed = LookupAnswer("in_custody_no_phone", DISCLOSED, {"fields": "facility_name"})
    assert with_case_status(disclosed, record(), allowed).values["case_status"] == "in_proceedings"
    assert with_case_status(disclosed, record(), allowed).values["fields"] == "facility_name,case_status"
    silent = LookupAnswer("no_information", NOT_DISCLOSED)
    assert with_case_status(silent, record(), allowed) == silent
    assert with_case_status(disclosed, record(), settings) == disclosed  # off by default
    assert with_case_status(disclosed, record(None), allowed) == disclosed


def test_the_tree_and_the_catalogue_know_every_case_status() -> None:
    assert case_status_flow.CASE_STATUSES == CASE_STATUSES
    cat = catalogue()
    for code in CASE_STATUSES:
        for lang in cat.codes:
            assert cat.has(lang, f"custody.case_status.{code}") and cat.has(lang, f"sms.case_status.{code}")


# --- voice and text -------------------------------------------------------------------------


def hear_look_up(call, lang_key: str = "1") -> str:
    caller = call().press(lang_key)
    caller.press(caller.option_for("custody" if lang_key == "1" else "custodia"))
    caller.press("201345678#")
    caller.press("1")
    caller.press("1")  # Mexico
    return caller.last_heard()


def audited_fields(app) -> tuple[str, ...]:
    with app.extensions["hotline"].database.session() as session:
        audit = session.scalars(select(LookupAudit).order_by(LookupAudit.id.desc())).first()
        return tuple((audit.fields_disclosed or "").split(","))


@pytest.mark.parametrize(("lang_key", "lang"), [("1", "en"), ("2", "es")])
def test_a_caller_hears_the_case_status_only_when_the_setting_allows(app, call, feed, lang_key, lang) -> None:
    sentence = catalogue().text(lang, "custody.case_status.in_proceedings")
    heard = hear_look_up(call, lang_key)
    assert "El Paso" in heard and sentence not in heard
    assert "case_status" not in audited_fields(app)
    allow_case_status(app)
    heard = hear_look_up(call, lang_key)
    assert "El Paso" in heard and sentence in heard
    assert "case_status" in audited_fields(app)


def test_a_record_that_is_not_disclosed_says_no_case_status(app, texter, feed) -> None:
    allow_case_status(app, other_statuses=False)
    [reply] = texter().send("STATUS A201345679 GUATEMALA")
    assert "appeal" not in reply.lower()
    assert reply == texter("+12025550144").send("STATUS A209999999 GUATEMALA")[0].replace("999", "679")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("STATUS A201345678 MEXICO", "Case: in proceedings."),
        ("ESTADO A201345678 MEXICO", "Caso: en proceso."),
    ],
)
def test_a_texter_reads_the_case_status_when_allowed_within_two_segments(app, texter, feed, body, expected) -> None:
    assert expected not in texter().send(body)[0]
    allow_case_status(app)
    [reply] = texter("+12025550145").send(body)
    assert reply.endswith(expected) and segments(reply) <= 2
