"""The operators' side of callback requests: claims (leases), completions, retries, notes, history.

Every state change of a request is appended to ``callback_history``; each call
back (dialled through the hotline or just reported) is a ``CallbackAttempt``.
``models/callback.py`` owns the request itself; the queue operations live here
because they belong to the operators' aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, Index, Integer, String, Text, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from callflows import safe_contact
from callflows.hours import WeeklyHours, Window, next_allowed_moment
from config import Settings
from models.base import Base, utcnow
from models.callback import MERGED, CallbackRequest
from models.operator import Operator

OPEN, CLAIMED, CLOSED = "open", "claimed", "closed"
DISPOSITIONS = ("reached", "left_voicemail", "no_answer", "wrong_number", "resolved", "referred")
UNREACHABLE = "closed_unreachable"

# The queue order (urgent, then priority, then oldest) as an index over open
# requests only, so claiming reads the head of the index instead of sorting.
_OPEN_ONLY = text("status = 'open'")
_CLAIMED_ONLY = text("status = 'claimed'")
Index(
    "ix_callback_requests_claim_order",
    CallbackRequest.urgent.desc(),
    CallbackRequest.priority.desc(),
    CallbackRequest.created_at,
    CallbackRequest.id,
    sqlite_where=_OPEN_ONLY,
    postgresql_where=_OPEN_ONLY,
)
# One claim per operator, enforced by the database: a second tab's claim fails
# instead of holding two requests.
Index(
    "uq_callback_requests_held",
    CallbackRequest.claimed_by_id,
    unique=True,
    sqlite_where=_CLAIMED_ONLY,
    postgresql_where=_CLAIMED_ONLY,
)


class ClaimError(Exception):
    """The request is not claimed by this operator (or no longer open to the action)."""


class RequestHistory(Base):
    """One state change (or note) of a callback request; rows are only ever added."""

    __tablename__ = "callback_history"
    __table_args__ = (Index("ix_callback_history_request_at", "request_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("callback_requests.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    operator_id: Mapped[int | None] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    detail: Mapped[str | None] = mapped_column(Text)

    def as_dict(self) -> dict[str, Any]:
        """The row for the API."""
        return {
            "at": self.at.isoformat(),
            "event": self.event,
            "operator_id": self.operator_id,
            "from_status": self.from_status,
            "to_status": self.to_status,
            "detail": self.detail,
        }


class CallbackAttempt(Base):
    """One try at calling a caller back."""

    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("callback_requests.id", ondelete="CASCADE"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    # The hotline's outbound call to the operator (bridged to the caller), when dialled.
    call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    call_status: Mapped[str | None] = mapped_column(String(24))
    caller_status: Mapped[str | None] = mapped_column(String(24))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    disposition: Mapped[str | None] = mapped_column(String(24))
    notes: Mapped[str | None] = mapped_column(Text)

    def as_dict(self) -> dict[str, Any]:
        """The row for the API."""
        return {
            "id": self.id,
            "operator_id": self.operator_id,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "call_status": self.call_status,
            "caller_status": self.caller_status,
            "duration_seconds": self.duration_seconds,
            "disposition": self.disposition,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class RetryPolicy:
    """When a caller who did not answer is tried again (settings.callback_*)."""

    max_attempts: int = 3
    retry_minutes: int = 60
    calling_hours: WeeklyHours | None = None
    timezone: str = "America/New_York"
    # Staffed hours: a call back needs an operator on duty as well as calling hours.
    business_hours: WeeklyHours | None = None
    holidays: tuple[date, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """The policy configured for this hotline."""
        return cls(
            settings.callback_max_attempts, settings.callback_retry_minutes, settings.calling_hours, settings.timezone,
            settings.business_hours, settings.holidays,
        )  # fmt: skip

    def staffed(self) -> list[Window]:
        """Calling hours and staffed hours as windows (none when unrestricted)."""
        tz = ZoneInfo(self.timezone)
        windows = [Window(self.calling_hours, tz)] if self.calling_hours else []
        if self.business_hours:
            windows.append(Window(self.business_hours, tz, frozenset(self.holidays)))
        return windows

    def next_attempt(self, now: datetime, attempts: int, request: CallbackRequest | None = None) -> datetime:
        """Backoff doubling per attempt, moved to the next moment the caller's window and calling hours allow."""
        earliest = now + timedelta(minutes=self.retry_minutes * 2 ** max(attempts - 1, 0))
        return self.next_allowed(earliest, request)

    def next_allowed(self, earliest: datetime, request: CallbackRequest | None = None) -> datetime:
        """The first moment from ``earliest`` inside calling hours and the caller's own window.

        When the caller's window never meets calling hours, the nearest calling hours win.
        """
        staffed = self.staffed()
        caller = (
            safe_contact.caller_window(request.call_window, request.caller_timezone, ZoneInfo(self.timezone))
            if request is not None
            else None
        )
        if caller is not None:
            moment = next_allowed_moment(earliest, [*staffed, caller])
            if moment is not None:
                return moment
        return next_allowed_moment(earliest, staffed) or earliest


def record(
    session: Session,
    request: CallbackRequest,
    event: str,
    now: datetime,
    operator_id: int | None = None,
    from_status: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one history row for ``request`` (its current status is the new status)."""
    # A Core INSERT: history rows are never read back in the same unit of work.
    session.execute(
        insert(RequestHistory).values(
            request_id=request.id,
            at=now,
            operator_id=operator_id,
            event=event,
            from_status=from_status,
            to_status=request.status,
            detail=detail,
        )
    )


def _due(now: datetime) -> Any:
    return or_(CallbackRequest.next_attempt_at.is_(None), CallbackRequest.next_attempt_at <= now)


def _filtered(query: Any, language: str | None, office: str | None) -> Any:
    if language:
        query = query.where(CallbackRequest.language == language)
    if office:
        query = query.where(CallbackRequest.field_office == office)
    return query


QUEUE_ORDER = (
    CallbackRequest.urgent.desc(),
    CallbackRequest.priority.desc(),
    CallbackRequest.created_at,
    CallbackRequest.id,
)


def held_by(session: Session, operator: Operator) -> CallbackRequest | None:
    """The request ``operator`` holds a claim on, if any."""
    query = select(CallbackRequest).where(
        CallbackRequest.claimed_by_id == operator.id, CallbackRequest.status == CLAIMED
    )
    return session.scalars(query.limit(1)).first()


def claim_next(
    session: Session,
    operator: Operator,
    now: datetime,
    language: str | None = None,
    office: str | None = None,
    lease_seconds: int = 900,
) -> CallbackRequest | None:
    """Hand ``operator`` the next request, or the one they already hold; None when the queue is empty.

    Atomic under concurrency: one conditional ``UPDATE ... WHERE id = (head of
    the queue) AND status = 'open' RETURNING``; on PostgreSQL the head is picked
    ``FOR UPDATE SKIP LOCKED`` so concurrent operators take the next rows instead
    of waiting; SQLite serialises writers. The partial unique index on
    ``claimed_by_id`` turns a second simultaneous claim by the same operator
    (two tabs) into an IntegrityError, answered with the claim they hold. The
    caller commits.
    """
    lease_until = now + timedelta(seconds=lease_seconds)
    if session.get_bind().dialect.name == "postgresql":
        if office is None and operator.home_office:
            # A Community Relations Officer takes their own office's requests first, then anyone's.
            mine = _claim_next_postgresql(session, operator, now, lease_until, language, operator.home_office)
            if mine is not None:
                return mine
        return _claim_next_postgresql(session, operator, now, lease_until, language, office)
    held = held_by(session, operator)
    if held is not None:
        held.lease_expires_at = lease_until
        return held
    if office is None and operator.home_office:
        # A Community Relations Officer takes their own office's requests first, then anyone's.
        mine = _claim_head(session, operator, now, language, operator.home_office, lease_until)
        if mine is not None:
            return mine
    return _claim_head(session, operator, now, language, office, lease_until)


def _claim_head(
    session: Session, operator: Operator, now: datetime, language: str | None, office: str | None, lease_until: datetime
) -> CallbackRequest | None:
    head = _filtered(select(CallbackRequest.id).where(CallbackRequest.status == OPEN, _due(now)), language, office)
    head = head.order_by(*QUEUE_ORDER).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        head = head.with_for_update(skip_locked=True)
    claim = (
        update(CallbackRequest)
        .where(CallbackRequest.id == head.scalar_subquery(), CallbackRequest.status == OPEN)
        .values(status=CLAIMED, claimed_by_id=operator.id, claimed_at=now, lease_expires_at=lease_until, updated_at=now)
        .returning(CallbackRequest)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    try:
        with session.begin_nested():
            request = session.scalars(claim).first()
    except IntegrityError:
        # This operator's other tab won a claim a moment ago (uq_callback_requests_held).
        return held_by(session, operator)
    if request is None:
        return None
    record(session, request, "claimed", now, operator.id, OPEN)
    return request


# One round trip on PostgreSQL: renew the claim the operator holds, or take the head of
# the queue (SKIP LOCKED, so concurrent operators take the next rows instead of waiting)
# and append its history row, all in a single statement. The filters are fixed fragments
# with bound parameters.
_CLAIM_SQL = """
WITH held AS (
    SELECT id FROM callback_requests WHERE claimed_by_id = :operator AND status = 'claimed' LIMIT 1
), renewed AS (
    UPDATE callback_requests SET lease_expires_at = :lease
    WHERE id = (SELECT id FROM held) RETURNING callback_requests.*
), head AS (
    SELECT id FROM callback_requests
    WHERE status = 'open' AND (next_attempt_at IS NULL OR next_attempt_at <= :now)
      AND NOT EXISTS (SELECT 1 FROM held) {filters}
    ORDER BY {preference}urgent DESC, priority DESC, created_at, id
    LIMIT 1 FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE callback_requests
    SET status = 'claimed', claimed_by_id = :operator, claimed_at = :now, lease_expires_at = :lease, updated_at = :now
    WHERE id = (SELECT id FROM head) AND status = 'open'
    RETURNING callback_requests.*
), history AS (
    INSERT INTO callback_history (request_id, at, operator_id, event, from_status, to_status)
    SELECT id, :now, :operator, 'claimed', 'open', 'claimed' FROM claimed
)
SELECT * FROM claimed UNION ALL SELECT * FROM renewed
"""
_CLAIM_FILTERS = {"language": " AND language = :language", "office": " AND field_office = :office"}


def _claim_next_postgresql(
    session: Session, operator: Operator, now: datetime, lease_until: datetime, language: str | None, office: str | None
) -> CallbackRequest | None:
    home = operator.home_office if office is None else None
    params = {
        "operator": operator.id,
        "now": now,
        "lease": lease_until,
        "language": language,
        "office": office,
        "home": home,
    }
    filters = "".join(fragment for name, fragment in _CLAIM_FILTERS.items() if params[name])
    # A Community Relations Officer takes their own office's requests first, then anyone's.
    preference = "COALESCE(field_office = :home, false) DESC, " if home else ""
    statement = select(CallbackRequest).from_statement(text(_CLAIM_SQL.format(filters=filters, preference=preference)))
    try:
        return session.scalars(statement.execution_options(populate_existing=True), params).first()
    except IntegrityError:
        # This operator's other tab won a claim a moment ago (uq_callback_requests_held). Nothing
        # else was written in this transaction: roll it back and answer with the claim they hold.
        session.rollback()
        return held_by(session, operator)


def _claimed_by(session: Session, request_id: int, operator: Operator) -> CallbackRequest:
    request = session.get(CallbackRequest, request_id, with_for_update=True)
    if request is None:
        raise ClaimError("no such request")
    if request.status != CLAIMED or (request.claimed_by_id != operator.id and not operator.is_supervisor):
        raise ClaimError("the request is not claimed by you")
    return request


def _reopen(request: CallbackRequest, now: datetime) -> None:
    request.status = OPEN
    request.claimed_by_id = None
    request.claimed_at = None
    request.lease_expires_at = None
    request.updated_at = now


def release(session: Session, request_id: int, operator: Operator, now: datetime) -> CallbackRequest:
    """Give a claimed request back to the queue (supervisors may release anyone's claim)."""
    request = _claimed_by(session, request_id, operator)
    _reopen(request, now)
    record(session, request, "released", now, operator.id, CLAIMED)
    return request


def complete(
    session: Session,
    request_id: int,
    operator: Operator,
    now: datetime,
    disposition: str,
    notes: str = "",
    policy: RetryPolicy | None = None,
) -> CallbackRequest:
    """Finish a claim with a disposition; "no_answer" schedules a retry or closes as unreachable."""
    if disposition not in DISPOSITIONS:
        raise ValueError(f"unknown disposition {disposition!r}")
    if disposition != "no_answer" and session.get_bind().dialect.name == "postgresql":
        return _complete_closing_postgresql(session, request_id, operator, now, disposition, notes)
    policy = policy or RetryPolicy()
    request = _claimed_by(session, request_id, operator)
    attempt = session.scalars(
        select(CallbackAttempt)
        .where(CallbackAttempt.request_id == request.id, CallbackAttempt.disposition.is_(None))
        .order_by(CallbackAttempt.id.desc())
        .limit(1)
    ).first()
    if attempt is None:
        attempt = CallbackAttempt(request_id=request.id, operator_id=operator.id, started_at=request.claimed_at or now)
        session.add(attempt)
    attempt.disposition = disposition
    attempt.notes = notes or None
    attempt.ended_at = attempt.ended_at or now
    request.attempts = (request.attempts or 0) + 1
    detail = f"{disposition}: {notes}" if notes else disposition
    if disposition == "no_answer" and request.attempts < policy.max_attempts:
        _reopen(request, now)
        request.next_attempt_at = policy.next_attempt(now, request.attempts, request)
        record(session, request, "completed", now, operator.id, CLAIMED, detail)
        record(session, request, "retry_scheduled", now, None, OPEN, request.next_attempt_at.isoformat())
        return request
    request.status = CLOSED
    request.disposition = UNREACHABLE if disposition == "no_answer" else disposition
    request.closed_at = now
    request.lease_expires_at = None
    request.next_attempt_at = None
    request.updated_at = now
    record(session, request, "completed", now, operator.id, CLAIMED, detail)
    if request.disposition == UNREACHABLE:
        record(session, request, UNREACHABLE, now, None, CLOSED, f"{request.attempts} attempts")
    return request


# For speed, a closing disposition on PostgreSQL in one round trip, without loading
# ORM objects first: lock the request, close it if this operator (or a supervisor) holds it,
# finish the open attempt or add one, and append the history row. "no_answer" (a retry may be
# scheduled in the caller's hours) keeps the general path above.
_COMPLETE_SQL = """
WITH target AS (
    SELECT id, status, claimed_by_id FROM callback_requests WHERE id = :request FOR UPDATE
), closed AS (
    UPDATE callback_requests AS r
    SET status = 'closed', disposition = :disposition, closed_at = :now, lease_expires_at = NULL,
        next_attempt_at = NULL, updated_at = :now, attempts = COALESCE(r.attempts, 0) + 1
    FROM target AS t
    WHERE r.id = t.id AND t.status = 'claimed' AND (t.claimed_by_id = :operator OR :supervisor)
    RETURNING r.*
), open_attempt AS (
    SELECT a.id FROM callback_attempts AS a
    WHERE a.request_id = (SELECT id FROM closed) AND a.disposition IS NULL
    ORDER BY a.id DESC LIMIT 1
), finished AS (
    UPDATE callback_attempts AS a
    SET disposition = :disposition, notes = :notes, ended_at = COALESCE(a.ended_at, :now)
    WHERE a.id = (SELECT id FROM open_attempt)
), added AS (
    INSERT INTO callback_attempts (request_id, operator_id, started_at, ended_at, disposition, notes)
    SELECT id, :operator, COALESCE(claimed_at, :now), :now, :disposition, :notes FROM closed
    WHERE NOT EXISTS (SELECT 1 FROM open_attempt)
), history AS (
    INSERT INTO callback_history (request_id, at, operator_id, event, from_status, to_status, detail)
    SELECT id, :now, :operator, 'completed', 'claimed', 'closed', :detail FROM closed
)
SELECT * FROM closed
"""


def _complete_closing_postgresql(
    session: Session, request_id: int, operator: Operator, now: datetime, disposition: str, notes: str
) -> CallbackRequest:
    params = {
        "request": request_id,
        "operator": operator.id,
        "supervisor": bool(operator.is_supervisor),
        "now": now,
        "disposition": disposition,
        "notes": notes or None,
        "detail": f"{disposition}: {notes}" if notes else disposition,
    }
    statement = select(CallbackRequest).from_statement(text(_COMPLETE_SQL))
    request = session.scalars(statement.execution_options(populate_existing=True), params).first()
    if request is None:
        # Nothing was written: say why, as the general path does.
        raise ClaimError(
            "no such request"
            if session.get(CallbackRequest, request_id) is None
            else "the request is not claimed by you"
        )
    return request


def add_note(session: Session, request_id: int, operator: Operator, now: datetime, note: str) -> RequestHistory:
    """Add an operator's note to a request's history."""
    request = session.get(CallbackRequest, request_id)
    if request is None:
        raise ClaimError("no such request")
    row = RequestHistory(
        request_id=request.id,
        at=now,
        operator_id=operator.id,
        event="note",
        from_status=request.status,
        to_status=request.status,
        detail=note.strip()[:4000],
    )
    session.add(row)
    return row


def merge(session: Session, request_id: int, into_id: int, operator: Operator, now: datetime) -> CallbackRequest:
    """Close request ``request_id`` as merged into ``into_id`` (the same number asked twice); returns the kept one.

    Callers never hear that an earlier request exists, so a second call makes a second
    request; an operator who sees "also asked at …" joins them here. The kept request
    takes the union of what was said, and the more careful of each safe-contact answer.
    """
    if request_id == into_id:
        raise ClaimError("a request cannot be merged into itself")
    first, second = sorted((request_id, into_id))
    rows = {
        r.id: r
        for r in session.scalars(
            select(CallbackRequest).where(CallbackRequest.id.in_((first, second))).order_by(CallbackRequest.id)
            .with_for_update()
        )
    }  # fmt: skip
    source, kept = rows.get(request_id), rows.get(into_id)
    if source is None or kept is None:
        raise ClaimError("no such request")
    if source.phone != kept.phone:
        raise ClaimError("only requests for the same number can be merged")
    for request in (source, kept):
        if request.status not in (OPEN, CLAIMED):
            raise ClaimError(f"request {request.id} is no longer open")
        if request.status == CLAIMED and request.claimed_by_id != operator.id and not operator.is_supervisor:
            raise ClaimError(f"request {request.id} is claimed by another operator")
    kept.urgent = bool(kept.urgent or source.urgent)
    kept.priority = max(kept.priority or 0, source.priority or 0)
    for name in ("caller_type", "need", "field_office", "caller_timezone", "transcription"):
        if getattr(kept, name) is None:
            setattr(kept, name, getattr(source, name))
    if not kept.message_url and source.message_url:
        kept.message_url, kept.message_seconds = source.message_url, source.message_seconds
    # Either call's "no" wins: the phone may be in other hands on the next call.
    for name in ("voicemail_ok", "may_identify"):
        answers = {getattr(kept, name), getattr(source, name)} - {None}
        setattr(kept, name, False if False in answers else (True if answers else None))
    if kept.safe_to_call != source.safe_to_call:
        kept.safe_to_call = None
    if kept.call_window != source.call_window:
        kept.call_window = kept.call_window if source.call_window in (None, "any") else (
            source.call_window if kept.call_window in (None, "any") else None
        )  # fmt: skip
    kept.updated_at = now
    from_status = source.status
    source.status, source.disposition, source.closed_at = CLOSED, MERGED, now
    source.claimed_by_id = source.claimed_at = source.lease_expires_at = source.next_attempt_at = None
    source.updated_at = now
    record(session, source, MERGED, now, operator.id, from_status, f"merged into request {kept.id}")
    record(session, kept, "merged_in", now, operator.id, kept.status, f"request {source.id} merged in")
    return kept


def expire_leases(session: Session, now: datetime) -> list[int]:
    """Return claims whose lease ran out to the queue; returns their ids."""
    query = select(CallbackRequest).where(CallbackRequest.status == CLAIMED, CallbackRequest.lease_expires_at < now)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    expired = []
    for request in session.scalars(query).all():
        holder = request.claimed_by_id
        _reopen(request, now)
        record(session, request, "lease_expired", now, holder, CLAIMED)
        expired.append(request.id)
    return expired


def history(session: Session, request_id: int) -> list[RequestHistory]:
    """Every history row of a request, oldest first."""
    query = select(RequestHistory).where(RequestHistory.request_id == request_id)
    return list(session.scalars(query.order_by(RequestHistory.at, RequestHistory.id)))


def attempts(session: Session, request_id: int) -> list[CallbackAttempt]:
    """Every attempt at a request, oldest first."""
    query = select(CallbackAttempt).where(CallbackAttempt.request_id == request_id)
    return list(session.scalars(query.order_by(CallbackAttempt.id)))


def queue(
    session: Session,
    status: str | None = OPEN,
    language: str | None = None,
    office: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[CallbackRequest]:
    """Requests in queue order (open ones by default)."""
    query = select(CallbackRequest)
    if status:
        query = query.where(CallbackRequest.status == status)
    query = _filtered(query, language, office).order_by(*QUEUE_ORDER).limit(limit).offset(offset)
    return list(session.scalars(query))


def worked_by(session: Session, operator: Operator, limit: int = 50) -> list[tuple[CallbackAttempt, CallbackRequest]]:
    """An operator's recent attempts with their requests, newest first."""
    query = (
        select(CallbackAttempt, CallbackRequest)
        .join(CallbackRequest, CallbackRequest.id == CallbackAttempt.request_id)
        .where(CallbackAttempt.operator_id == operator.id)
        .order_by(CallbackAttempt.id.desc())
        .limit(limit)
    )
    return [(a, r) for a, r in session.execute(query)]


def oldest_waiting(session: Session, now: datetime, urgent: bool | None = None) -> CallbackRequest | None:
    """The open request that has waited longest (only urgent ones when ``urgent``)."""
    query = select(CallbackRequest).where(CallbackRequest.status == OPEN, _due(now))
    if urgent is not None:
        query = query.where(CallbackRequest.urgent.is_(urgent))
    return session.scalars(query.order_by(CallbackRequest.created_at, CallbackRequest.id).limit(1)).first()


def stats(session: Session, now: datetime, tz: ZoneInfo, days: int = 7, hours: int = 8) -> dict[str, Any]:
    """Queue depth, oldest wait, claims in progress, completions per hour and per day."""
    counts = dict(session.execute(select(CallbackRequest.status, func.count()).group_by(CallbackRequest.status)).all())
    urgent_open = session.scalar(
        select(func.count()).where(CallbackRequest.status == OPEN, CallbackRequest.urgent.is_(True))
    )
    oldest = oldest_waiting(session, now)
    local_today = now.astimezone(tz).date()
    since = datetime.combine(local_today - timedelta(days=days - 1), datetime.min.time(), tz)
    completed_at = session.scalars(
        select(RequestHistory.at).where(RequestHistory.event == "completed", RequestHistory.at >= since)
    ).all()
    created_at = session.scalars(select(CallbackRequest.created_at).where(CallbackRequest.created_at >= since)).all()
    per_day = []
    for offset in range(days - 1, -1, -1):
        day = local_today - timedelta(days=offset)
        per_day.append(
            {
                "date": day.isoformat(),
                "completed": sum(1 for at in completed_at if at.astimezone(tz).date() == day),
                "received": sum(1 for at in created_at if at.astimezone(tz).date() == day),
            }
        )
    per_hour = []
    top = now.replace(minute=0, second=0, microsecond=0)
    for offset in range(hours - 1, -1, -1):
        start = top - timedelta(hours=offset)
        per_hour.append(
            {
                "hour": start.astimezone(tz).strftime("%H:00"),
                "completed": sum(1 for at in completed_at if start <= at < start + timedelta(hours=1)),
            }
        )
    return {
        "queue_depth": counts.get(OPEN, 0),
        "urgent_waiting": urgent_open or 0,
        "claims_in_progress": counts.get(CLAIMED, 0),
        "closed": counts.get(CLOSED, 0),
        "oldest_wait_seconds": int((now - oldest.created_at).total_seconds()) if oldest else 0,
        "completed_last_hour": sum(1 for at in completed_at if at >= now - timedelta(hours=1)),
        "completions_per_hour": per_hour,
        "last_days": per_day,
    }
