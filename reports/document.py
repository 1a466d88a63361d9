"""Build the report for a period and write it as HTML, PDF (WeasyPrint, from the same HTML) or CSV.

``build`` runs the section queries for the period and the one before it,
suppresses every line, draws the charts from the suppressed numbers, and returns
one ``Report``; the three formats are views of it, so the CSV holds exactly the
numbers behind each chart, with the same suppression.
"""

from __future__ import annotations

import base64
import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from models.case_study import CaseStudy
from models.report import SECTIONS, WEEKDAYS, Counts, Durations, Period, Section, collect, window_for
from reports import charts, formatting
from reports.suppression import COMPLEMENTARY, SMALL, publishable, suppress_line

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "office" / "templates"
NO_DATA = "no data recorded"
NOT_SHOWN = "not shown"
# Percentiles and rates over fewer requests than this are not shown.
MIN_BASIS = 5


@dataclass
class Row:
    """One line of a table: its label and the shown value this period and the previous one."""

    label: str
    current: str
    previous: str


@dataclass
class Table:
    """One section as published: rows, total, derived figures, chart and its alt text."""

    key: str
    group: str
    title: str
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None
    figures: list[Row] = field(default_factory=list)
    no_data: bool = False
    note: str = ""
    chart: str | None = None
    chart_png: bytes | None = None
    alt: str = ""

    @property
    def chart_uri(self) -> str:
        """The chart as a data: URI (the HTML and the PDF need no other file)."""
        return "data:image/png;base64," + base64.b64encode(self.chart_png or b"").decode()


@dataclass
class Report:
    """The whole report for one period."""

    period: Period
    previous: Period
    generated_at: datetime
    timezone: str
    tables: list[Table]
    case_studies: list[str]

    @property
    def generated(self) -> str:
        """When the report was made, in the office's zone with the zone named."""
        return formatting.local_time(self.generated_at, ZoneInfo(self.timezone))

    @property
    def groups(self) -> list[tuple[str, list[Table]]]:
        """The tables by group, in report order."""
        grouped: dict[str, list[Table]] = {}
        for table in self.tables:
            grouped.setdefault(table.group, []).append(table)
        return list(grouped.items())


def build(session: Session, period: Period, tz: ZoneInfo, now: datetime, charts_on: bool = True) -> Report:
    """The report for ``period``, each figure next to the previous period's."""
    previous = period.previous()
    current_raw = collect(session, period, tz)
    previous_raw = collect(session, previous, tz)
    names = (period.label, previous.label)
    tables = [_table(section, current_raw[section.key], previous_raw[section.key], names) for section in SECTIONS]
    if charts_on:
        for table in tables:
            _draw(table, names)
    start, end = window_for(period, tz).start, window_for(period, tz).end
    return Report(period, previous, now, str(tz), tables, CaseStudy.approved_between(session, start, end))


def _table(section: Section, current: object, previous: object, names: tuple[str, str]) -> Table:
    table = Table(section.key, section.group, section.title, chart=section.chart, note=section.note)
    if section.query is None or current is None:
        table.no_data = True
        return table
    if isinstance(current, Counts):
        assert isinstance(previous, Counts)
        now_line, before_line = suppress_line(current.values), suppress_line(previous.values)
        labels = current.labels if len(current.labels) >= len(previous.labels) else previous.labels
        if section.key == "calls_by_week":
            labels = [f"week {i + 1}" for i in range(max(len(current.labels), len(previous.labels)))]
        for index, label in enumerate(labels):
            table.rows.append(
                Row(
                    label,
                    now_line.cells[index] if index < len(now_line.cells) else "",
                    before_line.cells[index] if index < len(before_line.cells) else "",
                )
            )
        if len(current.values) > 1:
            table.total = Row("total", now_line.total, before_line.total)
        table.figures = _rates(section.key, table)
    elif isinstance(current, Durations):
        assert isinstance(previous, Durations)
        # How many requests a percentile is taken over is not shown: with the outcomes' total it
        # would give away the number still open, which may be a withheld cell there.
        for name in ("p50", "p90"):
            table.rows.append(
                Row(
                    f"{name} (median)" if name == "p50" else name,
                    _duration(current, name),
                    _duration(previous, name),
                )
            )
    return table


def _duration(durations: Durations, name: str) -> str:
    seconds = durations.percentiles.get(name)
    if durations.count < MIN_BASIS:
        return NOT_SHOWN
    if seconds is None:
        return ""
    return formatting.duration(seconds)


def _rate(numerator: str, total: str) -> str:
    # A share is shown only when both its counts are shown exactly: otherwise it would undo the suppression.
    if not (publishable(numerator) and publishable(total)) or numerator == "" or int(total or 0) < MIN_BASIS:
        return NOT_SHOWN
    return f"{100 * int(numerator) / int(total):.0f}%"


# Outcomes that mean the caller was reached (the reached rate is taken over closed requests).
REACHED = ("reached", "resolved", "referred")


def _rates(key: str, table: Table) -> list[Row]:
    # Rates come from the cells of their own line, so they add no number a reader could subtract
    # from another table; a rate over a withheld cell is not shown.
    if table.total is None:
        return []
    if key == "triage_danger":
        top = table.rows[0]
        return [
            Row("share in danger", _rate(top.current, table.total.current), _rate(top.previous, table.total.previous))
        ]
    if key == "callback_outcomes":
        return [
            Row("reached rate (of closed requests)", *(_reached_rate(table, side) for side in ("current", "previous")))
        ]
    return []


def _reached_rate(table: Table, side: str) -> str:
    cells = {row.label: getattr(row, side) for row in table.rows}
    needed = [cells.get(label, "0") for label in (*REACHED, "still open")] + [getattr(table.total, side)]
    if not all(publishable(value) and value != "" for value in needed):
        return NOT_SHOWN
    reached = sum(int(cells.get(label, "0")) for label in REACHED)
    closed = int(getattr(table.total, side)) - int(cells.get("still open", "0"))
    return _rate(str(reached), str(closed))


def _chart(kind: str, labels: list[str], current: list[str], previous: list[str], names: tuple[str, ...]) -> bytes:
    """One chart's PNG, drawn once per process for the same figures.

    Drawing is most of building a report (matplotlib lays out every label: about 0.4 s a chart),
    and the same report is often built more than once in a row: as a page, then as a PDF or CSV.
    """
    return _drawn(kind, tuple(labels), tuple(current), tuple(previous), tuple(names))


@lru_cache(maxsize=64)
def _drawn(kind: str, labels: tuple[str, ...], current: tuple[str, ...], previous: tuple[str, ...],
           names: tuple[str, ...]) -> bytes:  # fmt: skip
    if kind == "line":
        return charts.line_chart(list(labels), list(current), list(previous), (names[0], names[1]))
    if kind == "heatmap":
        return charts.heat_map(list(current), names)
    return charts.bar_chart(list(labels), list(current), list(previous), (names[0], names[1]))


def _draw(table: Table, names: tuple[str, str]) -> None:
    if table.no_data or table.chart is None:
        return
    labels = [row.label for row in table.rows]
    current = [row.current for row in table.rows]
    previous = [row.previous for row in table.rows]
    if table.chart == "line":
        table.chart_png = _chart("line", labels, current, [v for v in previous if v != ""], names)
        table.alt = (
            f"Line chart of {table.title.lower()}: {names[0]} as a solid line with circles, "
            f"{names[1]} as a dashed line with squares. Total {table.total.current if table.total else ''} against "
            f"{table.total.previous if table.total else ''}. The numbers are in the table below and in the CSV."
        )
    elif table.chart == "heatmap":
        table.chart_png = _chart("heatmap", [], current, [], WEEKDAYS)
        busiest = max(
            ((row.label, int(row.current)) for row in table.rows if publishable(row.current)),
            key=lambda pair: pair[1],
            default=("none", 0),
        )
        table.alt = (
            f"Heat map of calls by hour (columns) and weekday (rows) in {names[0]}; darker squares are busier hours, "
            f"hatched squares are withheld counts. Busiest hour: {busiest[0]}. The numbers are in the CSV."
        )
    else:
        table.chart_png = _chart("bar", labels, current, previous, names)
        listed = "; ".join(f"{row.label} {row.current} (before {row.previous})" for row in table.rows)
        table.alt = f"Bar chart of {table.title.lower()}, {names[0]} against {names[1]}: {listed}."


# --- the three formats --------------------------------------------------------


def environment() -> Environment:
    """The Jinja environment of the report templates (the same files the dashboard extends)."""
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def to_html(report: Report) -> str:
    """The report as one self-contained HTML document (charts inline)."""
    return environment().get_template("ops/report_document.html").render(report=report, **legend())


def legend() -> dict[str, str]:
    """The markers the templates explain."""
    return {"small": SMALL, "complementary": COMPLEMENTARY, "no_data": NO_DATA, "not_shown": NOT_SHOWN}


def to_pdf(report: Report) -> bytes:
    """The same HTML, laid out by WeasyPrint."""
    from weasyprint import HTML

    # Tagged PDF: the charts keep their alt text for screen readers.
    return HTML(string=to_html(report), base_url=str(TEMPLATES)).write_pdf(pdf_tags=True)


CSV_COLUMNS = ("section", "title", "row", "period", "value")


def to_csv(report: Report) -> str:
    """Every number of the report (the ones behind each chart included), suppressed the same way."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for table in report.tables:
        if table.no_data:
            writer.writerow((table.key, table.title, table.note, report.period.label, NO_DATA))
            continue
        for row in [*table.rows, *([table.total] if table.total else []), *table.figures]:
            for label, value in ((report.period.label, row.current), (report.previous.label, row.previous)):
                if value != "":
                    writer.writerow((table.key, table.title, row.label, label, value))
    return buffer.getvalue()


def write(report: Report, fmt: str, directory: Path) -> Path:
    """Write the report as ``fmt`` (html, pdf, csv) into ``directory``; returns the file."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"voice-report-{report.period.label}.{fmt}"
    if fmt == "pdf":
        path.write_bytes(to_pdf(report))
    elif fmt == "csv":
        path.write_text(to_csv(report), encoding="utf-8")
    else:
        path.write_text(to_html(report), encoding="utf-8")
    return path
