"""Delivering custody-change notifications: texts and calls, each exactly once.

Texts and calls go through one batch: due rows are claimed (state ``sending`` or
``calling``), checked, and handed to ``workers.deliveries``, which commits each
one's intent before Twilio is called and marks it in one commit after; a worker
killed in between leaves rows the next run reconciles against Twilio's own
message or call list before sending anything (docs/decisions/send-once.md).
Quiet hours are the registrant's own (their number's time zone); the rate per
sending number is a token bucket in Redis shared by every worker: a throttled
text waits for its token, it is never dropped. Every text or call that tells a
registrant something is audited as a disclosure.
"""

from __future__ import annotations

import logging
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from redis import Redis
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from twilio.rest import Client

from callflows.catalogue import catalogue
from callflows.hours import WeeklyHours, Window, next_allowed_moment
from callflows.masking import mask_phone
from callflows.phones import time_zone
from callflows.safe_contact import caller_window
from config import Settings
from models.audit import DISCLOSED, LookupAudit, hash_caller
from models.base import Database, utcnow
from models.custody import HELD_STATUSES, CustodyRecord
from models.disclosure import never_disclosed, within_public_window
from models.import_lock import ImportLocked, import_lock
from models.notification import (
    ACKNOWLEDGED,
    BACK_IN_CUSTODY,
    CALLING,
    DUE,
    EXPIRED,
    SENDING,
    SENT,
    SKIPPED,
    TRANSFERRED,
    Notification,
    NotificationAttempt,
    create_notifications,
)
from models.registration import ACTIVE, Registration, guesses_spent, new_code
from models.texting import OPT_OUT, SmsConsent
from workers.deliveries import IN_FLIGHT, Delivery, Outgoing, deliver, sid_or_raise
from workers.imports import FEED_LOCK

log = logging.getLogger("voice.workers.notify")

# A row left in "sending" longer than this is a worker that died mid-send: reconcile it.
STALE_SENDING = timedelta(seconds=60)
# A call claimed but never placed, or placed and never reported back, is tried again after this.
STALE_CALLING = timedelta(minutes=15)
TERMINAL_CALL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
RETRY_AFTER_ERROR = timedelta(minutes=2)
OPTED_OUT_ERROR = 21610
NOTIFIED = "notified"

# A token bucket per sending number (burst = one second's worth), taken atomically in Redis
# with Redis's own clock so every worker shares one bucket. Returns 0 (go) or milliseconds to wait.
_TAKE_TOKEN = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = clock[1] * 1000 + clock[2] / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000)
return wait
"""


class SendingRate:
    """The per-number token bucket in Redis; ``take`` blocks until the number may send."""

    def __init__(self, connection: Redis, per_second: float) -> None:
        self.per_second = per_second
        self._script = connection.register_script(_TAKE_TOKEN)

    def take(self, number: str) -> float:
        """Wait for a token for ``number``; returns the seconds waited (a throttled text is delayed, never dropped)."""
        waited = 0.0
        burst = max(1.0, self.per_second)
        while True:
            wait_ms = int(self._script(keys=[f"notify:rate:{number}"], args=[self.per_second, burst]))
            if wait_ms <= 0:
                return waited
            time.sleep(wait_ms / 1000)
            waited += wait_ms / 1000


def sending_number(settings: Settings, phone: str) -> str:
    """The number that texts and calls ``phone``: always the same one (opt-outs are per sending number)."""
    pool = settings.notifications.sending_numbers or (settings.hotline_number,)
    return pool[zlib.crc32(phone.encode()) % len(pool)]


def notification_text(notification: Notification, registration: Registration, settings: Settings) -> str:
    """The text a registrant gets: the reference, what changed and when; never a name, "ICE" or "victim"."""
    zone = time_zone(registration.phone, settings.timezone)
    cat = catalogue()
    lang = cat.resolve(registration.language)
    local = notification.event_at.astimezone(zone)
    date_text = cat.text(
        lang, "notify.date", {"month_name": cat.text(lang, f"notify.month.{local.month}"), "day": local.day}
    )
    return cat.text(lang, f"notify.sms.{notification.kind}", {"reference": registration.reference, "date": date_text})


def may_tell(
    record: CustodyRecord | None,
    registration: Registration,
    now: datetime,
    settings: Settings,
    notification: Notification | None = None,
) -> bool:
    """The record still matches and may be told (not a possible minor, not protected, and the policy allows)."""
    if record is None or record.country_of_birth != registration.country:
        return False
    if never_disclosed(record.date_of_birth, record.protected, now.date()):
        return False
    policy = settings.disclosure
    if policy.tell_registrants:
        return True
    # NOTIFY_REGISTRANTS_BEYOND_LOOKUP=false: registrants hear only what the public look-up would say now.
    if notification is None or notification.kind in (TRANSFERRED, BACK_IN_CUSTODY):
        return record.status in HELD_STATUSES
    return policy.tells_status(notification.kind) and within_public_window(
        notification.kind, notification.event_at, now, policy.public_window_days
    )


def create_due(database: Database, settings: Settings, lock_wait: float = 60.0) -> int:
    """Turn new custody events into notifications; under the feed lock so no import is half-read."""
    window = timedelta(hours=settings.notifications.call_window_hours)
    with import_lock(database, FEED_LOCK, wait=lock_wait), database.session() as session:
        created = create_notifications(session, window)
    if created:
        log.info("notifications created", extra={"count": created})
    return created


@dataclass
class BatchRun:
    """What one ``send_due_texts`` or ``call_due`` run did."""

    sent: int = 0
    reconciled: int = 0
    skipped: int = 0
    deferred: int = 0
    expired: int = 0
    failed: int = 0
    throttled_seconds: float = 0.0
    sids: list[str] = field(default_factory=list)

    @property
    def placed(self) -> int:
        """Calls placed (a call run's ``sent``)."""
        return self.sent


@dataclass(frozen=True)
class _Channel:
    """A notification's text side or call side: its columns, and the state a claim puts it in."""

    name: str
    state: Any
    due_at: Any
    claimed: str
    claimed_at: Any
    # A claim older than this is a worker that died mid-send (or a call never reported back).
    stale: timedelta


TEXT = _Channel(
    "sms", Notification.sms_state, Notification.sms_due_at, SENDING, Notification.sms_claimed_at, STALE_SENDING
)
CALL = _Channel(
    "voice", Notification.voice_state, Notification.voice_due_at, CALLING, Notification.voice_due_at, STALE_CALLING
)


def _claim(session: Session, channel: _Channel, now: datetime, limit: int) -> list[int]:
    """Claim due texts or calls (state "sending"/"calling", committed before Twilio is called).

    One UPDATE ... RETURNING over a sub-select: atomic under SQLite's write lock, and on PostgreSQL
    the rows another worker is claiming are skipped, so two workers never claim the same one.
    """
    due = (
        select(Notification.id)
        .where(channel.state == DUE, channel.due_at <= now)
        .order_by(channel.due_at, Notification.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(Notification)
        .where(Notification.id.in_(due.scalar_subquery()), channel.state == DUE)
        .values({channel.state: channel.claimed, channel.claimed_at: now})
        .returning(Notification.id)
    ).all()
    session.commit()
    return sorted(claimed)


def _audit_row(settings: Settings, owner: Any, channel: str, sid: str, now: datetime) -> dict[str, Any]:
    """Each notification is audited as a disclosure (the policy's "registrants told beyond the look-up")."""
    return {
        "at": now,
        "channel": channel,
        "sid": sid,
        "thread": f"registration:{owner.reference}",
        "caller_hash": hash_caller(owner.phone, settings.audit_hash_key),
        "a_number": owner.a_number,
        "country": owner.country,
        "result": DISCLOSED,
        "fields_disclosed": NOTIFIED,
        "flagged": False,
        "request_key": f"notify:{sid}",
    }


def _audit(
    session: Session, settings: Settings, registration: Registration, channel: str, sid: str, now: datetime
) -> None:
    """Audit one notification as a disclosure, in the caller's transaction."""
    session.add(LookupAudit(**_audit_row(settings, registration, channel, sid, now)))


def _insert_once(session: Session, model: type, keys: list[str]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING on ``keys`` (marking a text twice leaves one attempt, one audit)."""
    insert_for = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert_for(model).on_conflict_do_nothing(index_elements=keys)


def _key(channel: _Channel, notification: Notification) -> str:
    """What an outbound intent is for: the notification's text, or its next call attempt."""
    if channel is TEXT:
        return f"notification-text:{notification.id}"
    return f"notification-call:{notification.id}:{notification.voice_attempts + 1}"


def _outgoing(
    channel: _Channel, notification: Notification, registration: Registration, settings: Settings
) -> Outgoing:
    """The text or call that tells ``registration`` about ``notification``."""
    phone, sender = registration.phone, sending_number(settings, registration.phone)
    if channel is not TEXT:
        # Whoever sees the phone's call log sees a number that answers "not available", never the hotline's.
        sender = settings.neutral_number
    if channel is TEXT:
        return Outgoing(
            _key(channel, notification), phone, sender, notification_text(notification, registration, settings)
        )
    base = settings.public_base_url.rstrip("/")
    call = {
        "url": f"{base}/notify/voice/answer/{notification.id}",
        "status_callback": f"{base}/notify/voice/status/{notification.id}",
        "status_callback_event": ["initiated", "ringing", "answered", "completed"],
        "machine_detection": "Enable",
        "timeout": 30,
    }
    return Outgoing(_key(channel, notification), phone, sender, call=call)


def _mark(
    session: Session,
    channel: _Channel,
    settings: Settings,
    owners: dict[str, int],
    results: list[Delivery],
    now: datetime,
) -> None:
    """Write what Twilio took and what it refused, with the deliveries' own commit.

    A text Twilio took is sent (attempt and disclosure audit rows, once each); a call placed counts an
    attempt and waits for its status callbacks. A refusal is tried again later, an opted-out number never.
    """
    # A SID an earlier run already marked moved the notification with it: only what is new here is written.
    taken = [d for d in results if d.sid is not None and not d.already_marked]
    if taken:
        rows = {
            row.id: row
            for row in session.execute(
                select(Notification.id, Registration.reference, Registration.phone, Registration.a_number,
                       Registration.country)
                .join(Registration, Registration.id == Notification.registration_id)
                .where(Notification.id.in_([owners[d.outgoing.key] for d in taken]))
            )
        }  # fmt: skip
        session.execute(
            _insert_once(session, NotificationAttempt, ["sid"]),
            [
                {"notification_id": owners[d.outgoing.key], "channel": channel.name, "sid": d.sid, "status": "queued",
                 "started_at": now, "updated_at": now}
                for d in taken
            ],
        )  # fmt: skip
        if channel is TEXT:
            session.execute(
                update(Notification),
                [{"id": owners[d.outgoing.key], "sms_state": SENT, "sms_sid": d.sid, "sms_from": d.outgoing.sender}
                 for d in taken],
            )  # fmt: skip
            session.execute(
                _insert_once(session, LookupAudit, ["request_key"]),
                [_audit_row(settings, rows[owners[d.outgoing.key]], "sms", d.sid, now) for d in taken],
            )
        else:
            session.execute(
                update(Notification)
                .where(Notification.id.in_([owners[d.outgoing.key] for d in taken]))
                .values(voice_attempts=Notification.voice_attempts + 1)
            )
    for delivery in results:
        code = delivery.code
        if delivery.sid is not None or code is None or code < 0:
            # Unknown, taken back or in flight: left claimed; the reconcile asks Twilio before anything goes again.
            continue
        notification = session.get(Notification, owners[delivery.outgoing.key])
        if channel is TEXT and code == OPTED_OUT_ERROR:
            notification.sms_state = SKIPPED
            SmsConsent.record(session, delivery.outgoing.to, OPT_OUT, "twilio-21610", None)
        else:
            session.execute(
                update(Notification)
                .where(Notification.id == notification.id)
                .values({channel.state: DUE, channel.due_at: now + RETRY_AFTER_ERROR})
            )


def _reconcile(database: Database, client: Client, settings: Settings, channel: _Channel, now: datetime) -> int:
    """Claims left by a worker that died: what Twilio already has is marked, the rest is due again.

    A text Twilio has is sent; a call it has is counted as an attempt, and a call claimed this long
    ago that never reported back is due again, as one never placed is.
    """
    with database.session() as session:
        rows = session.execute(
            select(Notification, Registration)
            .join(Registration, Registration.id == Notification.registration_id)
            .where(channel.state == channel.claimed, channel.claimed_at <= now - channel.stale)
        ).all()
        owners = {_key(channel, n): n.id for n, _ in rows}
        held = {n.id: getattr(n, channel.claimed_at.key) for n, _ in rows}
        outgoing = [_outgoing(channel, n, r, settings) for n, r in rows]
    if not outgoing:
        return 0

    def settle(session: Session, results: list[Delivery]) -> None:
        _mark(session, channel, settings, owners, results, now)
        for delivery in results:
            notification_id = owners[delivery.outgoing.key]
            if delivery.code == IN_FLIGHT or (channel is TEXT and delivery.sid is not None):
                continue
            # Only while the claim is as stale as it was read: a worker that refreshed it is sending it.
            notification = session.scalar(
                select(Notification).where(
                    Notification.id == notification_id,
                    channel.state == channel.claimed,
                    channel.claimed_at == held[notification_id],
                )
            )
            if notification is None:
                continue
            if delivery.sid is not None and not delivery.already_marked:
                # The call rang while nobody was marking it (its status callbacks found no attempt then).
                _try_again_later(settings, notification, now)
            else:
                setattr(notification, channel.state.key, DUE)
                setattr(notification, channel.due_at.key, now)
            log.info(
                "notification reconciled",
                extra={"notification_id": notification_id, "channel": channel.name, "found": delivery.sid is not None},
            )

    results = deliver(database, client, outgoing, mark=settle, stale_after=channel.stale, now=now, send=False)
    return sum(1 for d in results if d.code != IN_FLIGHT)


def _opted_out(session: Session, phones: set[str]) -> set[str]:
    """Which of ``phones`` said STOP last (one query for a whole batch)."""
    latest: dict[str, str] = {}
    query = (
        select(SmsConsent.phone, SmsConsent.action)
        .where(SmsConsent.phone.in_(phones))
        .order_by(SmsConsent.at, SmsConsent.id)
    )
    for phone, action in session.execute(query):
        latest[phone] = action
    return {phone for phone, action in latest.items() if action == OPT_OUT}


def _outside_quiet_hours(now: datetime, hours: WeeklyHours, zone: ZoneInfo) -> datetime:
    """``now``, or the first moment after it outside the registrant's quiet hours (one mechanism: hours.py)."""
    allowed = next_allowed_moment(now, [Window(hours, zone)])
    if allowed is None:  # hours outside quiet hours are never empty; an impossible answer fails loudly
        raise ValueError("no moment outside quiet hours in a week")
    return allowed


def _prepare(
    database: Database,
    settings: Settings,
    channel: _Channel,
    claimed: list[int],
    now: datetime,
    run: BatchRun,
) -> tuple[list[Outgoing], dict[str, int]]:
    """Check each claimed notification (still allowed, outside quiet hours, inside a call's window, not opted
    out of texts); the texts or calls to send now, and the notification each is for."""
    hours = WeeklyHours.outside_quiet_hours(settings.notifications.quiet_start, settings.notifications.quiet_end)
    outgoing: list[Outgoing] = []
    owners: dict[str, int] = {}
    with database.session() as session:
        rows = session.execute(
            select(Notification, Registration, CustodyRecord)
            .join(Registration, Registration.id == Notification.registration_id)
            .outerjoin(CustodyRecord, CustodyRecord.a_number == Registration.a_number)
            .where(Notification.id.in_(claimed))
            .order_by(Notification.id)
        ).all()
        stopped = _opted_out(session, {r.phone for _, r, _ in rows}) if channel is TEXT else set()
        for notification, registration, record in rows:
            if (
                registration.status != ACTIVE
                or not may_tell(record, registration, now, settings, notification)
                or registration.phone in stopped
                or (channel is CALL and not registration.pin_hash)
                or (channel is CALL and guesses_spent(session, registration, settings.notifications))
            ):
                setattr(notification, channel.state.key, SKIPPED)
                run.skipped += 1
                continue
            window_ends = notification.window_ends_at if channel is CALL else None
            if window_ends is not None and now >= window_ends:
                notification.voice_state = EXPIRED
                run.expired += 1
                continue
            any_hour = channel is TEXT and (settings.notifications.texts_in_quiet_hours or registration.texts_any_hour)
            zone = time_zone(registration.phone, settings.timezone)
            allowed_at = now if any_hour else _outside_quiet_hours(now, hours, zone)
            chosen = caller_window(registration.contact_window, None, zone)
            if chosen is not None:
                # The registrant's own "when" (morning, afternoon, evening) holds for texts and calls alike.
                allowed_at = next_allowed_moment(allowed_at, [chosen] if any_hour else [chosen, Window(hours, zone)])
                allowed_at = allowed_at or _outside_quiet_hours(now, hours, zone)
            if allowed_at > now:
                if window_ends is not None and allowed_at >= window_ends:
                    notification.voice_state = EXPIRED
                    run.expired += 1
                else:
                    setattr(notification, channel.state.key, DUE)
                    setattr(notification, channel.due_at.key, allowed_at)
                    run.deferred += 1
                continue
            item = _outgoing(channel, notification, registration, settings)
            outgoing.append(item)
            owners[item.key] = notification.id
    return outgoing, owners


def _send_batch(
    database: Database,
    settings: Settings,
    client: Client,
    channel: _Channel,
    *,
    limit: int,
    now: datetime,
    rate: SendingRate | None = None,
    concurrency: int = 1,
) -> BatchRun:
    """Reconcile what a dead worker left, claim what is due, check it, send it once, mark it."""
    run = BatchRun(reconciled=_reconcile(database, client, settings, channel, now))
    with database.session() as session:
        claimed = _claim(session, channel, now, limit)
    if not claimed:
        return run
    outgoing, owners = _prepare(database, settings, channel, claimed, now, run)
    results = deliver(
        database,
        client,
        outgoing,
        mark=lambda session, results: _mark(session, channel, settings, owners, results, now),
        rate=rate,
        concurrency=concurrency,
        stale_after=channel.stale,
        now=now,
    )
    for delivery in results:
        item = delivery.outgoing
        run.throttled_seconds += delivery.waited
        facts = {"key": item.key, "to": mask_phone(item.to), "channel": channel.name}
        if delivery.sid is not None:
            run.sent += not delivery.earlier
            run.sids.append(delivery.sid)
            log.info("notification sent", extra={**facts, "sid": delivery.sid})
        else:
            run.skipped += delivery.code == OPTED_OUT_ERROR
            run.failed += delivery.code != OPTED_OUT_ERROR
            log.warning("notification not sent", extra={**facts, "code": delivery.code})
    return run


def send_due_texts(
    database: Database,
    settings: Settings,
    client: Client,
    rate: SendingRate,
    *,
    limit: int = 500,
    now: datetime | None = None,
    concurrency: int = 8,
) -> BatchRun:
    """Send the texts that are due (reconciling any a dead worker left half-done first).

    The claim and the intents are committed before any text goes out; the texts of a batch are handed
    to Twilio by ``concurrency`` threads, each waiting for its sending number's token; the batch is
    marked in one commit after. A worker killed in between leaves the batch in "sending" for the
    reconcile, which asks Twilio what it already has, so nothing is sent twice.
    """
    return _send_batch(
        database, settings, client, TEXT, limit=limit, now=now or utcnow(), rate=rate, concurrency=concurrency
    )


# --- calls -------------------------------------------------------------------------------------


def call_due(
    database: Database, settings: Settings, client: Client, *, limit: int = 500, now: datetime | None = None
) -> BatchRun:
    """Place the notification calls that are due, outside the registrant's quiet hours and inside the window.

    Each call attempt is an intent of its own, so a worker killed after Twilio placed the call and before
    the mark does not ring the registrant a second time: the next run finds the call in Twilio's list.
    """
    return _send_batch(database, settings, client, CALL, limit=limit, now=now or utcnow())


def record_call_status(
    session: Session,
    settings: Settings,
    notification_id: int,
    call_sid: str,
    status: str,
    answered_by: str | None,
    now: datetime,
) -> None:
    """A status callback: record the attempt; a finished call without the PIN is tried again later (or expires)."""
    attempt = session.scalar(select(NotificationAttempt).where(NotificationAttempt.sid == call_sid))
    notification = session.get(Notification, notification_id)
    if attempt is None or notification is None or attempt.notification_id != notification_id:
        return
    attempt.status = status[:20]
    if answered_by:
        attempt.answered_by = answered_by[:32]
    attempt.updated_at = now
    if status not in TERMINAL_CALL_STATUSES or notification.voice_state != CALLING:
        return
    latest = session.scalar(
        select(NotificationAttempt.sid)
        .where(NotificationAttempt.notification_id == notification_id, NotificationAttempt.channel == "voice")
        .order_by(NotificationAttempt.id.desc())
        .limit(1)
    )
    if latest != call_sid:
        return
    _try_again_later(settings, notification, now)


def _try_again_later(settings: Settings, notification: Notification, now: datetime) -> None:
    """A call that ended without the PIN: the next try after the interval, or none once the window closes."""
    retry_at = now + timedelta(minutes=settings.notifications.call_retry_minutes)
    if notification.window_ends_at is not None and retry_at >= notification.window_ends_at:
        notification.voice_state = EXPIRED
    else:
        notification.voice_state, notification.voice_due_at = DUE, retry_at


def acknowledge(session: Session, settings: Settings, notification: Notification, call_sid: str, now: datetime) -> None:
    """The PIN was entered: the registrant has heard the update; no more calls, and the disclosure is audited."""
    attempt = session.scalar(select(NotificationAttempt).where(NotificationAttempt.sid == call_sid))
    if attempt is not None:
        attempt.pin_ok = True
        attempt.updated_at = now
    if notification.voice_state == ACKNOWLEDGED:
        return
    notification.voice_state = ACKNOWLEDGED
    notification.acknowledged_at = now
    _audit(session, settings, session.get(Registration, notification.registration_id), "voice", call_sid, now)


# --- expiry and the periodic pass ---------------------------------------------------------------


def expire_registrations(
    database: Database, settings: Settings, client: Client, rate: SendingRate, now: datetime | None = None
) -> tuple[int, int]:
    """End registrations past their time, and text a warning before (once); returns (expired, warned).

    A registration is marked warned in the commit that writes the warning's SID: a worker killed after
    Twilio took the warning finds it in Twilio's list on the next pass, and sends it neither twice nor never.
    """
    now = now or utcnow()
    warn_before = timedelta(days=settings.notifications.expiry_warning_days)
    cat = catalogue()
    owners: dict[str, int] = {}
    warnings: list[Outgoing] = []
    with database.session() as session:
        ended = session.execute(
            update(Registration)
            .where(Registration.status == ACTIVE, Registration.expires_at <= now)
            .values(status="expired", ended_at=now, ended_by="expired")
        ).rowcount
        due = session.scalars(
            select(Registration)
            .where(
                Registration.status == ACTIVE,
                Registration.expires_at <= now + warn_before,
                Registration.expiry_warned_at.is_(None),
            )
            .limit(500)
        )
        for registration in due:
            if SmsConsent.is_opted_out(session, registration.phone):
                registration.expiry_warned_at = now
                continue
            lang = cat.resolve(registration.language)
            local = registration.expires_at.astimezone(time_zone(registration.phone, settings.timezone))
            day = cat.text(
                lang, "notify.date", {"month_name": cat.text(lang, f"notify.month.{local.month}"), "day": local.day}
            )
            body = cat.text(lang, "notify.sms.expiring", {"reference": registration.reference, "date": day})
            key = f"expiry-warning:{registration.id}:{registration.expires_at.date().isoformat()}"
            warnings.append(Outgoing(key, registration.phone, sending_number(settings, registration.phone), body))
            owners[key] = registration.id

    def mark_warned(session: Session, results: list[Delivery]) -> None:
        for delivery in results:
            # A refusal (an opted-out number, a bad one) is not tried again: a warning is a courtesy.
            if delivery.sid is not None or (delivery.code is not None and delivery.code >= 0):
                session.get(Registration, owners[delivery.outgoing.key]).expiry_warned_at = now
            if delivery.sid is None:
                log.warning(
                    "expiry warning failed", extra={"to": mask_phone(delivery.outgoing.to), "code": delivery.code}
                )

    results = deliver(database, client, warnings, mark=mark_warned, rate=rate, now=now)
    return ended or 0, sum(1 for d in results if d.sid is not None)


def tick() -> dict[str, int]:
    """One periodic pass (rq's cron scheduler, workers/schedule.py): create, text, call, expire."""
    from rq import get_current_job

    import runtime
    from workers.twilio_rest import twilio_client

    job = get_current_job()
    settings = runtime.settings()
    database = runtime.database()
    connection = job.connection if job is not None else None
    if connection is None:
        from workers import connect

        connection = connect(settings.redis_url or "redis://127.0.0.1:6379/0")
    client = twilio_client(settings)
    rate = SendingRate(connection, settings.notifications.rate_per_number)
    try:
        created = create_due(database, settings, lock_wait=5.0)
    except ImportLocked:
        created = 0  # an import is running: its events are read on the next pass
    texts = send_due_texts(database, settings, client, rate)
    calls = call_due(database, settings, client)
    expired, warned = expire_registrations(database, settings, client, rate)
    return {"created": created, "texts": texts.sent, "calls": calls.placed, "expired": expired, "warned": warned}


def send_code(registration_id: int) -> str:
    """Text a fresh code to a number entered on a call: "Reply YES 123456 ..." and nothing else (safe to rerun).

    Each code is a text of its own, named by its keyed hash. A rerun after a worker was killed first asks
    Twilio whether the last code went out: if it did and still works, that is the answer; otherwise a
    new code is sent (the old one stops working): a lost code text is worse than a second one.
    """
    import runtime
    from workers import connect
    from workers.twilio_rest import twilio_client

    settings = runtime.settings()
    database = runtime.database()
    client = twilio_client(settings)
    now = utcnow()

    def code_text(registration: Registration, code: str = "") -> Outgoing:
        body = catalogue().text(catalogue().resolve(registration.language), "notify.sms.code", {"code": code})
        return Outgoing(
            f"registration-code:{registration.id}:{registration.code_hash[:16]}",
            registration.phone,
            sending_number(settings, registration.phone),
            body,
        )

    with database.session() as session:
        registration = session.get(Registration, registration_id)
        if (
            registration is None
            or registration.status != "pending"
            or SmsConsent.is_opted_out(session, registration.phone)
        ):
            return "skipped"
        last = code_text(registration) if registration.code_hash and registration.code_expires_at > now else None
    if last is not None:
        (earlier,) = deliver(database, client, [last], stale_after=timedelta(0), now=now, send=False)
        if earlier.sid is not None and not earlier.already_marked:
            log.info("registration code found at Twilio", extra={"registration_id": registration_id})
            return "sent"
    with database.session() as session:
        registration = session.get(Registration, registration_id)
        code = new_code()
        lifetime = timedelta(minutes=settings.notifications.code_minutes)
        registration.set_code(code, settings.audit_hash_key, now, lifetime)
        text = code_text(registration, code)
    rate = SendingRate(
        connect(settings.redis_url or "redis://127.0.0.1:6379/0"), settings.notifications.rate_per_number
    )
    (delivery,) = deliver(database, client, [text], rate=rate)
    sid_or_raise(delivery)
    log.info("registration code texted", extra={"registration_id": registration_id, "to": mask_phone(text.to)})
    return "sent"
