"""The quarterly report's numbers: one small SQL query per section, aggregated in the database.

``SECTIONS`` is the one list of what the report contains and where each number
comes from. A section whose table does not exist on this branch yet has
``query=None`` and the report says "no data recorded"; plugging a new table in
means writing its query function and naming it there.

Every query reads the hotline's own structured records (sessions, events,
requests, attempts, safe-contact answers, the live queue, the look-up audit,
registrations, notifications, referrals), never free text, and returns counts:
nothing here can name or number a person.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Float, Integer, String, case, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.audit import RESULTS, LookupAudit
from models.base import Base
from models.call import CallEvent, CallSession
from models.callback import CALLER_TYPES, NEEDS, NOT_SAFE_TO_CALL, CallbackRequest
from models.claims import DISPOSITIONS, UNREACHABLE, CallbackAttempt
from models.directory import CATEGORIES, Referral
from models.live_queue import CALLBACK, CONNECTED, LEFT, QueuedCall
from models.notification import Notification
from models.registration import BY_OPERATOR, BY_SMS, BY_VOICE, Registration

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
KINDS = ("week", "month", "quarter")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)

# How a request the caller withdrew because the number is not safe is closed (web/phone/actions/safe_contact.py).


FIRST_YEAR, LAST_YEAR = 1970, 9998


class PeriodError(ValueError):
    """A period that is not a whole week, month or quarter."""


@dataclass(frozen=True)
class Period:
    """A whole week, month or quarter in the hotline's local time."""

    kind: str
    start: date
    end: date  # exclusive

    @staticmethod
    def parse(text: str) -> Period:
        """``2026Q4``, ``2026-11`` or ``2026-W48`` (an ISO week)."""
        text = text.strip()
        try:
            period = Period._parse(text)
        except PeriodError:
            raise
        except (ValueError, OverflowError):
            raise PeriodError(f"no such period: {text!r}") from None
        # A report compares with the year before and names the one after: both must be dates too.
        if not FIRST_YEAR <= period.start.year <= LAST_YEAR:
            raise PeriodError(f"no report for the year {period.start.year}")
        return period

    @staticmethod
    def _parse(text: str) -> Period:
        if match := _QUARTER.match(text):
            year, quarter = int(match[1]), int(match[2])
            return Period.quarter(year, quarter)
        if match := _MONTH.match(text):
            year, month = int(match[1]), int(match[2])
            if not 1 <= month <= 12:
                raise PeriodError(f"no month {month} in {text!r}")
            start = date(year, month, 1)
            return Period("month", start, _add_months(start, 1))
        if match := _WEEK.match(text):
            try:
                start = date.fromisocalendar(int(match[1]), int(match[2]), 1)
            except ValueError:
                raise PeriodError(f"no such week: {text!r}") from None
            return Period("week", start, start + timedelta(days=7))
        raise PeriodError(f"expected a quarter (2026Q4), a month (2026-11) or a week (2026-W48), got {text!r}")

    @staticmethod
    def quarter(year: int, quarter: int) -> Period:
        """Quarter ``quarter`` (1–4) of ``year``."""
        start = date(year, 3 * (quarter - 1) + 1, 1)
        return Period("quarter", start, _add_months(start, 3))

    @property
    def label(self) -> str:
        """How the period is written: 2026Q4, 2026-11, 2026-W48."""
        if self.kind == "quarter":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        if self.kind == "week":
            return Period("week", self.start - timedelta(days=7), self.start)
        months = 3 if self.kind == "quarter" else 1
        return Period(self.kind, _add_months(self.start, -months), self.start)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period's first and first-excluded instants, in UTC (local midnights)."""
        start = datetime(self.start.year, self.start.month, self.start.day, tzinfo=tz)
        end = datetime(self.end.year, self.end.month, self.end.day, tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    def weeks(self) -> list[date]:
        """The Mondays of the weeks that touch this period, in order."""
        monday = self.start - timedelta(days=self.start.weekday())
        mondays = []
        while monday < self.end:
            mondays.append(monday)
            monday += timedelta(days=7)
        return mondays


def recent_periods(kind: str, today: date, count: int = 8) -> list[Period]:
    """``count`` periods of ``kind``, newest first: the one containing ``today``, then the ones before it."""
    if kind == "quarter":
        current = Period.quarter(today.year, (today.month - 1) // 3 + 1)
    elif kind == "month":
        current = Period("month", date(today.year, today.month, 1), _add_months(date(today.year, today.month, 1), 1))
    elif kind == "week":
        monday = today - timedelta(days=today.weekday())
        current = Period("week", monday, monday + timedelta(days=7))
    else:
        raise PeriodError(f"unknown period kind {kind!r}")
    periods = [current]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# --- what a section's query returns -----------------------------------------


@dataclass
class Counts:
    """One line of counts published with its total (labels in display order)."""

    labels: list[str]
    values: list[int]


@dataclass
class Durations:
    """Percentiles of a duration in seconds, and how many values they are taken over."""

    count: int
    percentiles: dict[str, float | None] = field(default_factory=dict)


Result = Counts | Durations


@dataclass(frozen=True)
class Window:
    """What a query needs: the instants bounding the period and the local time zone."""

    start: datetime
    end: datetime
    tz: ZoneInfo
    period: Period


@dataclass(frozen=True)
class Section:
    """One table of the report: its title, its query (None: not recorded on this branch), its chart."""

    key: str
    group: str
    title: str
    query: Callable[[Session, Window], Result] | None
    chart: str | None = None  # "line", "bar", "heatmap"
    note: str = ""


# --- helpers that differ between SQLite and PostgreSQL ----------------------


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _seconds_between(session: Session, start: ColumnElement, end: ColumnElement) -> ColumnElement:
    if _dialect(session) == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _utc_hour(session: Session, column: ColumnElement) -> ColumnElement:
    # Hourly buckets in UTC, turned into local weekday/hour in Python: a quarter has
    # about 2,200 of them whatever the volume, and both databases can do it.
    if _dialect(session) == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.substr(column, 1, 13)


def _durations(session: Session, values: select, column: str) -> Durations:
    """How many values, and their nearest-rank p50 and p90: one query, the ranks taken in SQL."""
    sub = values.subquery()
    ranked = select(
        sub.c[column].label("value"),
        func.row_number().over(order_by=sub.c[column]).label("rank"),
        func.count().over().label("n"),
    ).subquery()
    # ceil(q * n) in integer arithmetic, the same on SQLite and PostgreSQL.
    p50, p90 = (ranked.c.n * 50 + 99) // 100, (ranked.c.n * 90 + 99) // 100
    rows = session.execute(
        select(ranked.c.value, ranked.c.rank, ranked.c.n).where((ranked.c.rank == p50) | (ranked.c.rank == p90))
    ).all()
    if not rows:
        return Durations(0, {"p50": None, "p90": None})
    n = int(rows[0].n)
    by_rank = {int(row.rank): float(row.value) for row in rows}
    return Durations(n, {"p50": by_rank.get((n * 50 + 99) // 100), "p90": by_rank.get((n * 90 + 99) // 100)})


# --- the queries -------------------------------------------------------------


def _hourly_calls(session: Session, window: Window) -> list[tuple[datetime, int]]:
    # Two sections read the same buckets: query them once per window.
    cached = session.info.get(("report.hourly_calls", window))
    if cached is not None:
        return cached
    bucket = _utc_hour(session, CallSession.started_at).label("hour")
    query = (
        select(bucket, func.count())
        .where(CallSession.started_at >= window.start, CallSession.started_at < window.end)
        .group_by(bucket)
    )
    rows = []
    for hour, count in session.execute(query):
        at = datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(window.tz)
        rows.append((at, int(count)))
    session.info[("report.hourly_calls", window)] = rows
    return rows


def calls_by_week(session: Session, window: Window) -> Counts:
    """Calls started in each week (weeks start on Monday; the first and last may be partial)."""
    mondays = window.period.weeks()
    index = {monday: i for i, monday in enumerate(mondays)}
    values = [0] * len(mondays)
    for at, count in _hourly_calls(session, window):
        monday = at.date() - timedelta(days=at.weekday())
        values[index[monday]] += count
    return Counts([f"week of {monday.isoformat()}" for monday in mondays], values)


def calls_by_hour_weekday(session: Session, window: Window) -> Counts:
    """Calls started in each local hour of each weekday: 168 cells, Monday 00 first."""
    values = [0] * 168
    for at, count in _hourly_calls(session, window):
        values[at.weekday() * 24 + at.hour] += count
    return Counts([f"{WEEKDAYS[d]} {h:02d}:00" for d in range(7) for h in range(24)], values)


def calls_by_language(session: Session, window: Window) -> Counts:
    """Calls by the language they were held in (the last language chosen), from the call events."""
    per_call = (
        select(CallEvent.call_sid, func.max(CallEvent.language).label("language"))
        .where(CallEvent.at >= window.start, CallEvent.at < window.end, CallEvent.channel == "voice")
        .group_by(CallEvent.call_sid)
        .subquery()
    )
    rows = dict(session.execute(select(per_call.c.language, func.count()).group_by(per_call.c.language)).all())
    return Counts(
        ["English", "Spanish", "not chosen"],
        [int(rows.get("en", 0)), int(rows.get("es", 0)), sum(int(v) for k, v in rows.items() if k not in ("en", "es"))],
    )


def _requests_in(window: Window) -> list[ColumnElement[bool]]:
    return [CallbackRequest.created_at >= window.start, CallbackRequest.created_at < window.end]


def _count_by(session: Session, column: ColumnElement, where: list, labels: dict[Any, str]) -> Counts:
    rows = dict(session.execute(select(column, func.count()).where(*where).group_by(column)).all())
    names = list(dict.fromkeys(labels.values()))
    values = dict.fromkeys(names, 0)
    for key, count in rows.items():
        values[labels.get(key, labels.get("*", "other"))] += int(count)
    return Counts(names, [values[name] for name in names])


def _labels(keys: tuple[str, ...]) -> dict[str | None, str]:
    mapping: dict[str | None, str] = {key: key.replace("_", " ") for key in keys}
    mapping[None] = "not given"
    mapping["*"] = "not given"
    return mapping


def triage_who(session: Session, window: Window) -> Counts:
    """Callback requests by who called (victim, family, witness, other, not given)."""
    return _count_by(session, CallbackRequest.caller_type, _requests_in(window), _labels(CALLER_TYPES))


def triage_need(session: Session, window: Window) -> Counts:
    """Callback requests by what the caller needed."""
    return _count_by(session, CallbackRequest.need, _requests_in(window), _labels(NEEDS))


def triage_danger(session: Session, window: Window) -> Counts:
    """Callback requests from callers in danger now, and the rest."""
    labels: dict[bool | None, str] = {True: "in danger", False: "not in danger"}
    return _count_by(session, CallbackRequest.urgent, _requests_in(window), labels)


def callback_first_attempt(session: Session, window: Window) -> Durations:
    """Seconds from a request to its first call-back attempt (requests made in the period)."""
    first = (
        select(CallbackAttempt.request_id, func.min(CallbackAttempt.started_at).label("first_at"))
        # A request of the window is first tried after it was made, so older attempts need not be read.
        .where(CallbackAttempt.started_at >= window.start)
        .group_by(CallbackAttempt.request_id)
        .subquery()
    )
    seconds = _seconds_between(session, CallbackRequest.created_at, first.c.first_at).label("seconds")
    values = select(seconds).join(first, first.c.request_id == CallbackRequest.id).where(*_requests_in(window))
    return _durations(session, values, "seconds")


def callback_resolution(session: Session, window: Window) -> Durations:
    """Seconds from a request to its closing (requests made in the period and closed)."""
    seconds = _seconds_between(session, CallbackRequest.created_at, CallbackRequest.closed_at).label("seconds")
    values = select(seconds).where(*_requests_in(window), CallbackRequest.closed_at.is_not(None))
    return _durations(session, values, "seconds")


def callback_outcomes(session: Session, window: Window) -> Counts:
    """Requests made in the period by how they ended (or that they are still open)."""
    labels: dict[str | None, str] = {key: key.replace("_", " ") for key in DISPOSITIONS}
    labels[UNREACHABLE] = "closed unreachable"
    labels[NOT_SAFE_TO_CALL] = "withdrawn: not safe to call"
    labels[None] = "still open"
    labels["*"] = "other"
    return _count_by(session, CallbackRequest.disposition, _requests_in(window), labels)


def _queued_in(window: Window) -> list[ColumnElement[bool]]:
    return [QueuedCall.enqueued_at >= window.start, QueuedCall.enqueued_at < window.end]


def operator_queue(session: Session, window: Window) -> Counts:
    """Transfers to an operator (callers who entered the live queue) by how their wait ended.

    One row per CallSid in the live queue, so a retried webhook or a second visit counts once.
    """
    labels: dict[str | None, str] = {
        CONNECTED: "reached an operator",
        CALLBACK: "took a call back that keeps their place",
        LEFT: "hung up or left while waiting",
        "*": "no end recorded",
    }
    return _count_by(session, QueuedCall.status, _queued_in(window), labels)


def operator_wait(session: Session, window: Window) -> Durations:
    """Seconds a caller held before an operator answered (transfers of the period that reached one)."""
    seconds = _seconds_between(session, QueuedCall.enqueued_at, QueuedCall.connected_at).label("seconds")
    values = select(seconds).where(*_queued_in(window), QueuedCall.connected_at.is_not(None))
    return _durations(session, values, "seconds")


def safe_to_call(session: Session, window: Window) -> Counts:
    """Callback requests by the answer to "is it safe to call this number?"."""
    # Silence counts as "yes, with no voicemail and no identification" and the operator sees
    # "not confirmed" (docs/decisions/missing-answer-most-careful.md); a text or web request was never asked.
    answer = case(
        (CallbackRequest.disposition == NOT_SAFE_TO_CALL, "no"),
        (CallbackRequest.safe_to_call == "yes", "yes"),
        (CallbackRequest.source != "voice", "not_asked"),
        else_="unconfirmed",
    )
    labels = {
        "yes": "safe to call",
        "unconfirmed": "not confirmed (no answer)",
        "no": "not safe: request withdrawn",
        "not_asked": "not asked (text or web request)",
        "*": "not confirmed (no answer)",
    }
    return _count_by(session, answer, _requests_in(window), labels)


def _yes_no(yes: str, no: str, unanswered: str) -> dict[bool | str | None, str]:
    return {True: yes, False: no, None: unanswered, "*": unanswered}


def voicemail_choice(session: Session, window: Window) -> Counts:
    """Callback requests by whether a voicemail may be left (no answer: no voicemail)."""
    labels = _yes_no("voicemail allowed", "no voicemail", "no answer (no voicemail)")
    return _count_by(session, CallbackRequest.voicemail_ok, _requests_in(window), labels)


def identify_choice(session: Session, window: Window) -> Counts:
    """Callback requests by whether the specialist may say where they call from (no answer: may not)."""
    labels = _yes_no("may say where the call is from", "may not", "no answer (may not)")
    return _count_by(session, CallbackRequest.may_identify, _requests_in(window), labels)


def call_window_choice(session: Session, window: Window) -> Counts:
    """Callback requests by the time of day the caller chose (no answer: any time in calling hours)."""
    labels: dict[str | None, str] = {
        "morning": "morning",
        "afternoon": "afternoon",
        "evening": "evening",
        "any": "any time",
        None: "no answer (any time in calling hours)",
        "*": "no answer (any time in calling hours)",
    }
    return _count_by(session, CallbackRequest.call_window, _requests_in(window), labels)


def registrations_made(session: Session, window: Window) -> Counts:
    """Registrations for custody-change notifications started in the period, by how they were made."""
    how = case(
        (Registration.activated_at.is_(None), "unconfirmed"),
        (Registration.source == BY_SMS, BY_SMS),
        (Registration.source == BY_VOICE, BY_VOICE),
        (Registration.source == BY_OPERATOR, BY_OPERATOR),
        else_="other",
    )
    labels = {
        BY_SMS: "by text (code confirmed)",
        BY_VOICE: "on a call",
        BY_OPERATOR: "by an operator",
        "unconfirmed": "text code never confirmed",
        "*": "other",
    }
    where = [Registration.created_at >= window.start, Registration.created_at < window.end]
    return _count_by(session, how, where, labels)


def notifications_delivered(session: Session, window: Window) -> Counts:
    """Notifications made in the period by how they ended (a PIN entered counts first, then an expired window)."""
    outcome = case(
        (Notification.voice_state == "acknowledged", "acknowledged"),
        (Notification.voice_state == "expired", "expired"),
        (Notification.sms_state == "sent", "sent"),
        ((Notification.sms_state == "skipped") | (Notification.voice_state == "skipped"), "skipped"),
        else_="pending",
    )
    labels = {
        "sent": "sent by text",
        "acknowledged": "acknowledged on a call (PIN entered)",
        "expired": "call window expired without the PIN",
        "skipped": "not sent (opted out or no longer allowed)",
        "pending": "still being delivered",
        "*": "still being delivered",
    }
    where = [Notification.created_at >= window.start, Notification.created_at < window.end]
    return _count_by(session, outcome, where, labels)


def referrals_by_category(session: Session, window: Window) -> Counts:
    """Services operators referred callers to, by category (the category kept on the referral when given)."""
    labels: dict[str | None, str] = {key: key.replace("_", " ") for key in CATEGORIES}
    labels["*"] = "other"
    return _count_by(session, Referral.category, [Referral.at >= window.start, Referral.at < window.end], labels)


def _audits_in(window: Window) -> list[ColumnElement[bool]]:
    return [LookupAudit.at >= window.start, LookupAudit.at < window.end]


def lookups_by_channel(session: Session, window: Window) -> Counts:
    """Custody look-ups by channel (voice, text)."""
    return _count_by(session, LookupAudit.channel, _audits_in(window), {"voice": "voice", "sms": "text", "*": "other"})


def lookups_by_result(session: Session, window: Window) -> Counts:
    """Custody look-ups by result class (as the audit records it)."""
    labels: dict[str | None, str] = {key: key.replace("_", " ") for key in RESULTS}
    labels["*"] = "other"
    return _count_by(session, LookupAudit.result, _audits_in(window), labels)


def abuse_flags(session: Session, window: Window) -> Counts:
    """Look-up patterns flagged for a supervisor's review."""
    raised = session.scalar(select(func.count()).where(*_audits_in(window), LookupAudit.flagged.is_(True))) or 0
    return Counts(["flags raised"], [int(raised)])


# Nothing in the hotline records a supervisor's review of a flagged caller: say so rather than count it.
NO_REVIEW_RECORDED = (
    "The look-up audit marks each flag (flask audit export lists them), "
    "but nothing records that a supervisor reviewed one, so reviews cannot be counted."
)

# The report, in order. query=None: the records are not kept; the section says so.
SECTIONS: tuple[Section, ...] = (
    Section("calls_by_week", "Calls", "Calls by week", calls_by_week, chart="line"),
    Section(
        "calls_by_hour_weekday",
        "Calls",
        "Calls by hour and weekday (local time)",
        calls_by_hour_weekday,
        chart="heatmap",
    ),
    Section("calls_by_language", "Calls", "Calls by language", calls_by_language, chart="bar"),
    Section("triage_who", "Triage", "Who called (callback requests)", triage_who, chart="bar"),
    Section("triage_need", "Triage", "What they needed (callback requests)", triage_need, chart="bar"),
    Section("triage_danger", "Triage", "Callers in danger now (callback requests)", triage_danger),
    Section(
        "callback_first_attempt", "Callback requests", "Time to the first call-back attempt", callback_first_attempt
    ),
    Section("callback_resolution", "Callback requests", "Time to resolution", callback_resolution),
    Section("callback_outcomes", "Callback requests", "Outcomes", callback_outcomes, chart="bar"),
    Section(
        "safe_contact_safe_to_call",
        "Safe-contact choices",
        "Is it safe to call this number?",
        safe_to_call,
        chart="bar",
        note="Silence counts as safe, with no voicemail and no identification; the operator sees not confirmed.",
    ),
    Section(
        "safe_contact_voicemail", "Safe-contact choices", "May we leave a voicemail?", voicemail_choice, chart="bar"
    ),
    Section(
        "safe_contact_identify",
        "Safe-contact choices",
        "May the specialist say where the call is from?",
        identify_choice,
        chart="bar",
    ),
    Section("safe_contact_window", "Safe-contact choices", "When to call back", call_window_choice, chart="bar"),
    Section(
        "operator_queue",
        "Operator",
        "Transfers to an operator and abandoned waits",
        operator_queue,
        chart="bar",
        note="Each caller who entered the live queue, counted once, by how the wait ended.",
    ),
    Section("operator_wait", "Operator", "Time waited before an operator answered", operator_wait),
    Section("lookups_by_channel", "Custody look-ups", "Look-ups by channel", lookups_by_channel),
    Section("lookups_by_result", "Custody look-ups", "Look-ups by result", lookups_by_result, chart="bar"),
    Section(
        "notifications_registered",
        "Notifications",
        "Registrations for notifications",
        registrations_made,
        chart="bar",
    ),
    Section(
        "notifications",
        "Notifications",
        "Notifications sent, acknowledged and window expired",
        notifications_delivered,
        chart="bar",
        note="A notification both texted and called is counted once: PIN entered first, then an expired window.",
    ),
    Section("referrals", "Referrals", "Referrals by category", referrals_by_category, chart="bar"),
    Section("abuse_flags", "Abuse flags", "Abuse flags raised", abuse_flags),
    Section("abuse_flags_reviewed", "Abuse flags", "Abuse flags reviewed", None, note=NO_REVIEW_RECORDED),
)


def window_for(period: Period, tz: ZoneInfo) -> Window:
    """The query window of ``period``."""
    start, end = period.bounds(tz)
    return Window(start, end, tz, period)


def query_all(session: Session, period: Period, tz: ZoneInfo) -> dict[str, Result | None]:
    """Every section's raw numbers for ``period`` from the detail records (None where nothing is recorded)."""
    window = window_for(period, tz)
    return {section.key: section.query(session, window) if section.query else None for section in SECTIONS}


def collect(session: Session, period: Period, tz: ZoneInfo) -> dict[str, Result | None]:
    """Every section's raw numbers for ``period``: the kept counts where there are some, else the records.

    Kept counts win: the detail behind them may have been deleted under the retention policy.
    """
    results = query_all(session, period, tz)
    results.update(KeptCount.load(session, period))
    return results


class KeptCount(Base):
    """A section's raw numbers for one period, kept in aggregate before the detail is deleted (Retention).

    One row per cell: for a line of counts, ``position`` and ``label`` of each cell; for a
    duration, position 0 holds how many values and 1, 2 the p50 and p90. Never shown without
    the report's suppression, like every other number.
    """

    __tablename__ = "report_kept_counts"

    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    section: Mapped[str] = mapped_column(String(48), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float)

    @staticmethod
    def keep(session: Session, period: Period, tz: ZoneInfo) -> int:
        """Keep ``period``'s numbers from the records now (again: replaces what was kept); returns rows kept."""
        session.execute(delete(KeptCount).where(KeptCount.period == period.label))
        rows = []
        for key, result in query_all(session, period, tz).items():
            if isinstance(result, Counts):
                rows += [
                    KeptCount(period=period.label, section=key, position=i, kind="counts", label=label, value=value)
                    for i, (label, value) in enumerate(zip(result.labels, result.values, strict=True))
                ]
            elif isinstance(result, Durations):
                cells = [("count", result.count), *result.percentiles.items()]
                rows += [
                    KeptCount(period=period.label, section=key, position=i, kind="durations", label=label, value=value)
                    for i, (label, value) in enumerate(cells)
                ]
        session.add_all(rows)
        session.flush()
        return len(rows)

    @staticmethod
    def load(session: Session, period: Period) -> dict[str, Result]:
        """The kept numbers of ``period``, by section (empty when nothing was kept)."""
        query = (
            select(KeptCount).where(KeptCount.period == period.label).order_by(KeptCount.section, KeptCount.position)
        )
        results: dict[str, Result] = {}
        for row in session.scalars(query):
            if row.kind == "counts":
                counts = results.setdefault(row.section, Counts([], []))
                assert isinstance(counts, Counts)
                counts.labels.append(row.label)
                counts.values.append(int(row.value or 0))
            elif row.position == 0:
                results[row.section] = Durations(int(row.value or 0))
            else:
                durations = results[row.section]
                assert isinstance(durations, Durations)
                durations.percentiles[row.label] = row.value
        return results
