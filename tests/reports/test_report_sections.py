"""The report's sections fed by the tables other parts of the service added, each checked against SQL written by hand.

Safe-contact choices, the live queue, registrations and notifications, referrals, abuse flags and
look-up results. Every figure is compared with
an independent count: shown exactly, or withheld ("<5" for 1 to 4, "*" only over a count of 5 or more).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, text

from models.base import UtcDateTime
from models.callback import CallbackRequest
from models.directory import Referral
from reports import document
from tests.reports.conftest import QUARTER
from tests.reports.test_quarterly_report import PHONE_OR_A_NUMBER, build, csv_rows

PERIODS = (QUARTER, QUARTER.previous())


def count(database, sql: str, start, end) -> int:
    """``sql`` is a whole SELECT count(*) with :start and :end: written here, not taken from the report."""
    statement = text(sql).bindparams(bindparam("start", type_=UtcDateTime()), bindparam("end", type_=UtcDateTime()))
    with database.engine.connect() as connection:
        return int(connection.execute(statement, {"start": start, "end": end}).scalar())


def shown(rows, section: str, period: str) -> dict[str, str]:
    return {r["row"]: r["value"] for r in rows if r["section"] == section and r["period"] == period}


def assert_figure(cells: dict[str, str], label: str, expected: int) -> None:
    """The shown cell agrees with the SQL count: exact, "<5" for 1-4, "*" (complementary) only over 5 or more."""
    value = cells[label]
    if value == "<5":
        assert 1 <= expected <= 4, (label, value, expected)
    elif value == "*":
        assert expected >= 5, (label, value, expected)
    else:
        assert value == str(expected), (label, value, expected)


def check_section(database, settings, section: str, table: str, column: str, wheres: dict[str, str]) -> None:
    """Each labelled cell, and the total, of both periods against ``SELECT count(*) FROM table WHERE ...``."""
    rows = csv_rows(build(database, settings))
    for period in PERIODS:
        start, end = period.bounds(settings.tz)
        cells = shown(rows, section, period.label)
        inside = f"{column} >= :start AND {column} < :end"
        for label, where in wheres.items():
            assert_figure(
                cells, label, count(database, f"SELECT count(*) FROM {table} WHERE {inside} AND {where}", start, end)
            )
        assert_figure(cells, "total", count(database, f"SELECT count(*) FROM {table} WHERE {inside}", start, end))
    assert any(v not in ("0", "<5", "*") for v in shown(rows, section, QUARTER.label).values()), section


def test_safe_contact_choices_match_sql_counts(database, settings, quarter_of_activity) -> None:
    # Some callers said the number is not safe (the request was withdrawn), some asked by text.
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE callback_requests SET disposition = 'not_safe_to_call', safe_to_call = NULL, "
                "status = 'closed' WHERE id % 29 = 0"
            )
        )
        connection.execute(text("UPDATE callback_requests SET source = 'sms', safe_to_call = NULL WHERE id % 31 = 1"))
    requests = "callback_requests"
    check_section(
        database,
        settings,
        "safe_contact_safe_to_call",
        requests,
        "created_at",
        {
            "safe to call": "safe_to_call = 'yes' AND COALESCE(disposition, '') <> 'not_safe_to_call'",
            "not safe: request withdrawn": "disposition = 'not_safe_to_call'",
            "not asked (text or web request)": "safe_to_call IS NULL AND source <> 'voice'"
            " AND COALESCE(disposition, '') <> 'not_safe_to_call'",
            "not confirmed (no answer)": "safe_to_call IS NULL AND source = 'voice'"
            " AND COALESCE(disposition, '') <> 'not_safe_to_call'",
        },
    )
    check_section(
        database,
        settings,
        "callback_outcomes",
        requests,
        "created_at",
        {"withdrawn: not safe to call": "disposition = 'not_safe_to_call'", "still open": "disposition IS NULL"},
    )
    check_section(
        database,
        settings,
        "safe_contact_voicemail",
        requests,
        "created_at",
        {
            "voicemail allowed": "voicemail_ok = true",
            "no voicemail": "voicemail_ok = false",
            "no answer (no voicemail)": "voicemail_ok IS NULL",
        },
    )
    check_section(
        database,
        settings,
        "safe_contact_identify",
        requests,
        "created_at",
        {
            "may say where the call is from": "may_identify = true",
            "may not": "may_identify = false",
            "no answer (may not)": "may_identify IS NULL",
        },
    )
    check_section(
        database,
        settings,
        "safe_contact_window",
        requests,
        "created_at",
        {
            "morning": "call_window = 'morning'",
            "evening": "call_window = 'evening'",
            "any time": "call_window = 'any'",
            "no answer (any time in calling hours)": "call_window IS NULL",
        },
    )


def test_operator_transfers_and_abandoned_waits_come_from_the_live_queue(
    database, settings, quarter_of_activity
) -> None:
    assert quarter_of_activity.queued > 0
    check_section(
        database,
        settings,
        "operator_queue",
        "queued_calls",
        "enqueued_at",
        {
            "reached an operator": "status = 'connected'",
            "hung up or left while waiting": "status = 'left'",
            "took a call back that keeps their place": "status = 'callback'",
            "no end recorded": "status IN ('waiting', 'offered')",
        },
    )


def test_operator_wait_median_is_taken_over_the_callers_who_reached_one(database, settings, quarter_of_activity):
    start, end = QUARTER.bounds(settings.tz)
    statement = text(
        "SELECT enqueued_at, connected_at FROM queued_calls "
        "WHERE enqueued_at >= :start AND enqueued_at < :end AND connected_at IS NOT NULL"
    ).columns(enqueued_at=UtcDateTime(), connected_at=UtcDateTime())
    statement = statement.bindparams(bindparam("start", type_=UtcDateTime()), bindparam("end", type_=UtcDateTime()))
    with database.engine.connect() as connection:
        waits = sorted((b - a).total_seconds() for a, b in connection.execute(statement, {"start": start, "end": end}))
    assert len(waits) >= 5
    median = waits[(len(waits) + 1) // 2 - 1]
    rows = csv_rows(build(database, settings))
    assert shown(rows, "operator_wait", QUARTER.label)["p50 (median)"] == f"{round(median / 60)} min"


def test_registrations_and_notifications_match_sql_counts(database, settings, quarter_of_activity) -> None:
    assert quarter_of_activity.registrations > 0 and quarter_of_activity.notifications > 0
    check_section(
        database,
        settings,
        "notifications_registered",
        "registrations",
        "created_at",
        {
            "by text (code confirmed)": "source = 'sms' AND activated_at IS NOT NULL",
            "on a call": "source = 'voice' AND activated_at IS NOT NULL",
            "by an operator": "source = 'operator' AND activated_at IS NOT NULL",
            "text code never confirmed": "activated_at IS NULL",
        },
    )
    not_called_through = "COALESCE(voice_state, '') NOT IN ('acknowledged', 'expired')"
    check_section(
        database,
        settings,
        "notifications",
        "notifications",
        "created_at",
        {
            "acknowledged on a call (PIN entered)": "voice_state = 'acknowledged'",
            "call window expired without the PIN": "voice_state = 'expired'",
            "sent by text": f"sms_state = 'sent' AND {not_called_through}",
            "not sent (opted out or no longer allowed)": f"COALESCE(sms_state, '') <> 'sent' AND {not_called_through}"
            " AND (sms_state = 'skipped' OR voice_state = 'skipped')",
        },
    )


def test_referrals_by_category_match_sql_counts(database, settings, quarter_of_activity) -> None:
    assert quarter_of_activity.referrals > 0
    check_section(
        database,
        settings,
        "referrals",
        "referrals",
        "at",
        {
            "legal help": "category = 'legal_help'",
            "domestic violence": "category = 'domestic_violence'",
            "shelter": "category = 'shelter'",
            "counselling": "category = 'counselling'",
        },
    )


def test_a_small_referral_category_is_withheld_with_a_complementary_cell(database, settings) -> None:
    start, _ = QUARTER.bounds(settings.tz)
    with database.session() as session:
        request = CallbackRequest(phone="+12025550123", created_at=start + timedelta(days=3), status="closed")
        session.add(request)
        session.flush()
        for category, how_many in (("legal_help", 20), ("shelter", 3), ("counselling", 9)):
            for number in range(how_many):
                session.add(
                    Referral(
                        request_id=request.id,
                        service_id=f"svc-{category}-{number}",
                        service_name="Demo service",
                        category=category,
                        at=start + timedelta(days=4),
                    )
                )
    cells = shown(csv_rows(build(database, settings)), "referrals", QUARTER.label)
    # 3 shelters is withheld; with the total (32) and 20 shown it would be 32 - 20 - 9, so 9 goes too.
    assert cells["shelter"] == "<5"
    assert cells["counselling"] == "*"
    assert cells["legal help"] == "20" and cells["total"] == "32"
    assert "3" not in cells.values()


def test_look_ups_by_result_count_calls_that_had_ended_and_flags_raised(database, settings, quarter_of_activity):
    audits = "lookup_audits"
    check_section(
        database,
        settings,
        "lookups_by_result",
        audits,
        "at",
        {"call ended": "result = 'call_ended'", "limited": "result = 'limited'", "disclosed": "result = 'disclosed'"},
    )
    check_section(
        database,
        settings,
        "lookups_by_channel",
        audits,
        "at",
        {"voice": "channel = 'voice'", "text": "channel = 'sms'"},
    )
    rows = csv_rows(build(database, settings))
    for period in PERIODS:
        start, end = period.bounds(settings.tz)
        flags = count(
            database,
            "SELECT count(*) FROM lookup_audits WHERE at >= :start AND at < :end AND flagged = true",
            start,
            end,
        )
        assert_figure(shown(rows, "abuse_flags", period.label), "flags raised", flags)


def test_flag_reviews_are_said_to_be_unrecorded_rather_than_counted(database, settings, quarter_of_activity) -> None:
    report = build(database, settings)
    reviewed = [r for r in csv_rows(report) if r["section"] == "abuse_flags_reviewed"]
    assert [r["value"] for r in reviewed] == ["no data recorded"]
    assert "nothing records that a supervisor reviewed" in reviewed[0]["row"]
    assert "nothing records that a supervisor reviewed" in document.to_html(report)


def test_the_demo_fills_every_section_and_names_or_numbers_no_one(runner, database, settings, tmp_path) -> None:
    result = runner.invoke(args=["report", "demo", "--quarter", "2026Q4", "--events", "3000", "--requests", "300"])
    assert result.exit_code == 0, result.output
    rows = csv_rows(build(database, settings))
    empty = []
    for section in {r["section"] for r in rows} - {"abuse_flags_reviewed"}:
        values = [r["value"] for r in rows if r["section"] == section and r["period"] == QUARTER.label]
        if all(v in ("0", "0%", "not shown", "no data recorded") for v in values):
            empty.append(section)
    assert empty == []
    assert not PHONE_OR_A_NUMBER.search(document.to_csv(build(database, settings)))
    assert not PHONE_OR_A_NUMBER.search(document.to_html(build(database, settings)))
