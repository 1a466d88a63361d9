"""The quarterly report from a quarter of generated data: its numbers, its privacy, its PDF and CSV."""

from __future__ import annotations

import csv
import io
import re
import zlib
from datetime import UTC, datetime, timedelta

import pypdfium2
import pytest
from sqlalchemy import bindparam, text

from models.base import UtcDateTime
from models.call import CallSession
from models.report import Period, collect
from reports import document, formatting
from reports.sample import generate
from tests.reports.conftest import QUARTER

PHONE_OR_A_NUMBER = re.compile(
    r"\+\d{10,}|\b\d{3}[-.\s]\d{3}[-.\s]\d{4}\b|\(\d{3}\)\s*\d{3}-\d{4}|\bA\d{8,9}\b|555-?01\d\d|\b\d{9,}\b"
)


def _bounds(settings, period: Period = QUARTER):
    return period.bounds(settings.tz)


def sql_count(database, where: str, table: str = "callback_requests", column: str = "created_at", **params) -> int:
    """A count written by hand in SQL, independent of the report's queries."""
    statement = text(f"SELECT count(*) FROM {table} WHERE {column} >= :start AND {column} < :end AND {where}")
    statement = statement.bindparams(bindparam("start", type_=UtcDateTime()), bindparam("end", type_=UtcDateTime()))
    with database.engine.connect() as connection:
        return int(connection.execute(statement, params).scalar())


def csv_rows(report) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(document.to_csv(report))))


def value(rows, section: str, row: str, period: str = "2026Q4") -> str:
    matches = [r["value"] for r in rows if r["section"] == section and r["row"] == row and r["period"] == period]
    assert len(matches) == 1, (section, row, period, matches)
    return matches[0]


def build(database, settings, charts_on: bool = False, period: Period = QUARTER):
    with database.session() as session:
        return document.build(session, period, settings.tz, datetime.now(UTC), charts_on=charts_on)


def test_the_report_counts_match_counts_taken_directly_in_sql(database, settings, quarter_of_activity) -> None:
    start, end = _bounds(settings)
    rows = csv_rows(build(database, settings))
    window = {"start": start, "end": end}
    calls = sql_count(database, "1 = 1", table="call_sessions", column="started_at", **window)
    assert calls == quarter_of_activity.calls
    assert value(rows, "calls_by_week", "total") == str(calls)
    assert value(rows, "calls_by_hour_weekday", "total") == str(calls)
    assert value(rows, "calls_by_language", "total") == str(calls)
    spanish = text(
        "SELECT count(DISTINCT call_sid) FROM call_events WHERE at >= :start AND at < :end AND language = 'es'"
    ).bindparams(bindparam("start", type_=UtcDateTime()), bindparam("end", type_=UtcDateTime()))
    with database.engine.connect() as connection:
        assert value(rows, "calls_by_language", "Spanish") == str(connection.execute(spanish, window).scalar())
    assert value(rows, "triage_need", "removal process") == str(
        sql_count(database, "need = 'removal_process'", **window)
    )
    assert value(rows, "triage_danger", "in danger") == str(sql_count(database, "urgent = true", **window))
    assert value(rows, "callback_outcomes", "referred") == str(
        sql_count(database, "disposition = 'referred'", **window)
    )
    assert value(rows, "callback_outcomes", "still open") == str(sql_count(database, "disposition IS NULL", **window))
    assert value(rows, "lookups_by_channel", "text") == str(
        sql_count(database, "channel = 'sms'", table="lookup_audits", column="at", **window)
    )
    assert value(rows, "lookups_by_result", "not found") == str(
        sql_count(database, "result = 'not_found'", table="lookup_audits", column="at", **window)
    )
    bridged = sql_count(database, "status = 'connected'", table="queued_calls", column="enqueued_at", **window)
    assert value(rows, "operator_queue", "reached an operator") == str(bridged)
    reached = sql_count(database, "disposition IN ('reached', 'resolved', 'referred')", **window)
    closed = sql_count(database, "status = 'closed'", **window)
    assert value(rows, "callback_outcomes", "reached rate (of closed requests)") == f"{100 * reached / closed:.0f}%"
    # Previous quarter, side by side.
    previous = {"start": _bounds(settings, QUARTER.previous())[0], "end": start}
    assert value(rows, "triage_need", "other", "2026Q3") == str(sql_count(database, "need = 'other'", **previous))


def test_time_to_resolution_is_the_nearest_rank_median_of_the_quarters_requests(
    database, settings, quarter_of_activity
) -> None:
    start, end = _bounds(settings)
    statement = text(
        "SELECT created_at, closed_at FROM callback_requests "
        "WHERE created_at >= :start AND created_at < :end AND closed_at IS NOT NULL"
    ).columns(created_at=UtcDateTime(), closed_at=UtcDateTime())
    statement = statement.bindparams(bindparam("start", type_=UtcDateTime()), bindparam("end", type_=UtcDateTime()))
    with database.engine.connect() as connection:
        waits = sorted(
            (closed - created).total_seconds()
            for created, closed in connection.execute(statement, {"start": start, "end": end})
        )
    median = waits[(len(waits) + 1) // 2 - 1]
    minutes = round(median / 60)
    hours, rest = divmod(minutes, 60)
    # Read by a person: "25 h 12 min" or "1 day 1 h", never a four-digit minute count.
    expected = (
        f"{minutes} min" if minutes < 60 else
        (f"{hours} h {rest} min" if rest else f"{hours} h") if hours < 24 else formatting.duration(minutes * 60)
    )  # fmt: skip
    rows = csv_rows(build(database, settings))
    assert all(r["row"] != "requests measured" for r in rows)
    assert value(rows, "callback_resolution", "p50 (median)") == expected


def test_calls_are_counted_in_the_local_hour_and_weekday(database, settings) -> None:
    # Wednesday 4 November 2026, 15:30 in the hotline's time zone.
    local = datetime(2026, 11, 4, 15, 30, tzinfo=settings.tz)
    with database.session() as session:
        for number in range(7):
            session.add(
                CallSession(call_sid=f"CAlocal{number}", started_at=local.astimezone(UTC) + timedelta(minutes=number))
            )
    rows = csv_rows(build(database, settings))
    assert value(rows, "calls_by_hour_weekday", "Wed 15:00") == "7"
    assert value(rows, "calls_by_hour_weekday", "Wed 20:00") == "0"
    assert value(rows, "calls_by_week", "week 6") == "7"


def test_no_count_from_one_to_four_appears_anywhere_in_the_report(database, settings) -> None:
    start, end = _bounds(settings)
    generate(database, start, end, events=400, requests=30, lookups=40, seed=7)
    with database.session() as session:
        raw = collect(session, QUARTER, settings.tz)
    small = [v for r in raw.values() if r is not None and hasattr(r, "values") for v in r.values if 1 <= v <= 4]
    assert 3 in small, "the generated quarter should have cells of 3 to hide"
    report = build(database, settings, charts_on=True)
    rows = csv_rows(report)
    shown = [r["value"] for r in rows]
    assert not {"1", "2", "3", "4"} & set(shown)
    assert "<5" in shown
    html = document.to_html(report)
    cells = re.findall(r"<td(?: class=\"n\")?>([^<]*)</td>", html)
    assert cells and not {"1", "2", "3", "4"} & {cell.strip() for cell in cells}
    assert "&lt;5" in html


def test_only_flag_reviews_say_no_data_recorded(database, settings) -> None:
    rows = csv_rows(build(database, settings))
    assert {r["section"] for r in rows if r["value"] == "no data recorded"} == {"abuse_flags_reviewed"}


def test_the_pdf_has_every_chart_with_alt_text_no_phone_or_a_number_and_no_half_empty_page(
    database, settings, quarter_of_activity, artifacts
) -> None:
    """One PDF (a few seconds to lay out) checked for everything a reader of it relies on."""
    report = build(database, settings, charts_on=True)
    html = document.to_html(report)
    images = re.findall(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)"', html)
    charted = [table for table in report.tables if table.chart and not table.no_data]
    assert len(images) == len(charted) >= 6
    assert all(len(alt) > 40 for alt in images)
    pdf = document.to_pdf(report)
    assert pdf.startswith(b"%PDF")
    # A tagged PDF: each chart keeps its alt text (inside compressed object streams).
    inflated = b""
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            inflated += zlib.decompress(stream)
        except zlib.error:
            continue
    assert (pdf + inflated).count(b"/Alt") >= len(charted)
    pages = pypdfium2.PdfDocument(pdf)
    text_of_pdf = ""
    for number in range(len(pages)):
        page = pages[number]
        page.render(scale=1.5).to_pil().save(artifacts / f"report-2026Q4-page{number + 1}.png")
        text_of_pdf += page.get_textpage().get_text_range()
    assert len(pages) >= 3
    assert "Calls by week" in text_of_pdf and "no data recorded" in text_of_pdf
    assert not PHONE_OR_A_NUMBER.search(text_of_pdf)
    assert not PHONE_OR_A_NUMBER.search(document.to_csv(report))
    # Every page but the last is at least half full: a block moved to the next page leaves no hole.
    heights = [round(used_height(pages[number]), 2) for number in range(len(pages))]
    assert all(height >= 0.6 for height in heights[:-1]), heights
    pages.close()


def test_the_cli_writes_the_quarter_in_each_format(runner, tmp_path, quarter_of_activity) -> None:
    for fmt in ("csv", "html"):
        result = runner.invoke(
            args=["report", "quarterly", "--quarter", "2026Q4", "--format", fmt, "--out", str(tmp_path)]
        )
        assert result.exit_code == 0, result.output
        assert (tmp_path / f"voice-report-2026Q4.{fmt}").exists()
    bad = runner.invoke(args=["report", "quarterly", "--quarter", "2026-10-03..2026-11-01", "--out", str(tmp_path)])
    assert bad.exit_code != 0 and "expected a quarter" in bad.output


@pytest.mark.parametrize(
    ("label", "start", "end", "previous"),
    [
        ("2026Q4", "2026-10-01", "2027-01-01", "2026Q3"),
        ("2026Q1", "2026-01-01", "2026-04-01", "2025Q4"),
        ("2026-03", "2026-03-01", "2026-04-01", "2026-02"),
        ("2026-W48", "2026-11-23", "2026-11-30", "2026-W47"),
        ("2027-W01", "2027-01-04", "2027-01-11", "2026-W53"),
    ],
)
def test_periods_are_whole_weeks_months_and_quarters(label, start, end, previous) -> None:
    period = Period.parse(label)
    assert (period.start.isoformat(), period.end.isoformat(), period.label) == (start, end, label)
    assert period.previous().label == previous


def test_kept_counts_still_give_the_previous_quarter_after_its_detail_is_deleted(
    runner, database, settings, quarter_of_activity
) -> None:
    before = csv_rows(build(database, settings))
    result = runner.invoke(args=["report", "keep", "--period", "2026Q3"])
    assert result.exit_code == 0 and "2026Q3: kept" in result.output
    assert runner.invoke(args=["report", "keep", "--period", "2026Q3"]).exit_code == 0  # safe to repeat
    start, end = _bounds(settings, QUARTER.previous())
    with database.engine.begin() as connection:
        for table, column in (
            ("callback_attempts", "started_at"),
            ("callback_requests", "created_at"),
            ("call_events", "at"),
            ("call_sessions", "started_at"),
            ("lookup_audits", "at"),
        ):
            statement = text(f"DELETE FROM {table} WHERE {column} >= :start AND {column} < :end").bindparams(
                bindparam("start", type_=UtcDateTime()), bindparam("end", type_=UtcDateTime())
            )
            connection.execute(statement, {"start": start, "end": end})
    assert sql_count(database, "1 = 1", table="call_sessions", column="started_at", start=start, end=end) == 0
    after = csv_rows(build(database, settings))
    assert [r for r in after if r["period"] == "2026Q3"] == [r for r in before if r["period"] == "2026Q3"]


def test_every_chart_has_its_numbers_in_the_csv_with_the_same_markers(database, settings) -> None:
    start, end = _bounds(settings)
    generate(database, start, end, events=400, requests=30, lookups=40, seed=7)
    report = build(database, settings, charts_on=True)
    rows = csv_rows(report)
    for table in report.tables:
        if table.chart_png is None:
            continue
        in_csv = {(r["row"], r["period"]): r["value"] for r in rows if r["section"] == table.key}
        for row in table.rows:
            assert in_csv[(row.label, "2026Q4")] == row.current
            if row.previous:
                assert in_csv[(row.label, "2026Q3")] == row.previous


def used_height(page: pypdfium2.PdfPage) -> float:
    """How far down the page its content reaches (0 to 1), footer excluded, measured on the rendered image."""
    image = page.render(scale=0.5, grayscale=True).to_pil()
    width, height = image.size
    pixels = image.load()
    footer = int(height * 0.93)
    for y in range(footer - 1, -1, -1):
        if any(pixels[x, y] < 200 for x in range(0, width, 2)):
            return y / height
    return 0.0
