"""Delivering custody-change notifications (issue E): texts and calls, each exactly once.

Texts: a due row is claimed (state ``sending``, the intent, committed) before
Twilio is called and marked ``sent`` after; a worker killed in between leaves
the row in ``sending``, and the next run reconciles it against Twilio's own
message list before sending anything (DECISIONS.md, "Honest benchmarks").
Quiet hours are the registrant's own (their number's time zone); the rate per
sending number is a token bucket in Redis shared by every worker: a throttled
text waits for its token, it is never dropped. Every text or call that tells a
registrant something is audited as a disclosure.
"""

from __future__ import annotations

import logging
import os
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from redis import Redis
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from callflows.catalogue import catalogue
from callflows.hours import WeeklyHours, Window, next_allowed_moment
from callflows.phones import registrant_zone
from config import Settings
from config.logs import mask_phone
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
from models.registration import ACTIVE, Registration, new_code
from models.texting import OPT_OUT, SmsConsent
from workers.imports import FEED_LOCK

log = logging.getLogger("voice.workers.notify")

# A row left in "sending" longer than this is a worker that died mid-send: reconcile it.
STALE_SENDING = timedelta(seconds=60)
RETRY_AFTER_ERROR = timedelta(minutes=2)
OPTED_OUT_ERROR = 21610
UNKNOWN_OUTCOME = -1
TAKEN_BACK = -2
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
    zone = registrant_zone(registration.phone, settings.timezone)
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
    return policy.disclose_other_statuses and within_public_window(
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
class TextRun:
    """What one ``send_due_texts`` run did."""

    sent: int = 0
    reconciled: int = 0
    skipped: int = 0
    deferred: int = 0
    failed: int = 0
    throttled_seconds: float = 0.0
    sids: list[str] = field(default_factory=list)


def _claim_texts(session: Session, now: datetime, limit: int) -> list[int]:
    """Claim due texts (the intent: state "sending", committed before Twilio is called).

    One UPDATE ... RETURNING over a sub-select: atomic under SQLite's write lock, and on PostgreSQL
    the rows another worker is claiming are skipped, so two workers never claim the same text.
    """
    due = (
        select(Notification.id)
        .where(Notification.sms_state == DUE, Notification.sms_due_at <= now)
        .order_by(Notification.sms_due_at, Notification.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(Notification)
        .where(Notification.id.in_(due.scalar_subquery()), Notification.sms_state == DUE)
        .values(sms_state=SENDING, sms_claimed_at=now)
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


def _mark_sent(
    database: Database, settings: Settings, notification_id: int, sid: str, sender: str, now: datetime
) -> None:
    with database.session() as session:
        notification = session.get(Notification, notification_id)
        registration = session.get(Registration, notification.registration_id)
        notification.sms_state = SENT
        notification.sms_sid = sid
        notification.sms_from = sender
        attempt = {
            "notification_id": notification_id, "channel": "sms", "sid": sid, "status": "queued",
            "started_at": now, "updated_at": now,
        }  # fmt: skip
        session.execute(_insert_once(session, NotificationAttempt, ["sid"]), [attempt])
        session.execute(
            _insert_once(session, LookupAudit, ["request_key"]), [_audit_row(settings, registration, "sms", sid, now)]
        )


def reconcile_texts(database: Database, client: Client, settings: Settings, now: datetime) -> int:
    """Rows left in "sending" by a worker that died: marked sent when Twilio has the text, else due again."""
    fixed = 0
    with database.session() as session:
        stale = list(
            session.scalars(
                select(Notification).where(
                    Notification.sms_state == SENDING, Notification.sms_claimed_at <= now - STALE_SENDING
                )
            )
        )
        work = [(n.id, n.registration_id, n.sms_claimed_at) for n in stale]
    for notification_id, registration_id, claimed_at in work:
        with database.session() as session:
            notification = session.get(Notification, notification_id)
            registration = session.get(Registration, registration_id)
            body = notification_text(notification, registration, settings)
            sender = sending_number(settings, registration.phone)
        found = [
            m
            for m in client.messages.list(
                to=registration.phone, from_=sender, date_sent_after=(claimed_at - timedelta(days=1)).date()
            )
            if m.body == body
        ]
        if found:
            _mark_sent(database, settings, notification_id, found[0].sid, sender, now)
        else:
            with database.session() as session:
                # Only while the claim is as stale as it was read: a worker that refreshed it is sending it.
                session.execute(
                    update(Notification)
                    .where(
                        Notification.id == notification_id,
                        Notification.sms_state == SENDING,
                        Notification.sms_claimed_at == claimed_at,
                    )
                    .values(sms_state=DUE, sms_due_at=now)
                )
        fixed += 1
        log.info("notification text reconciled", extra={"notification_id": notification_id, "found": bool(found)})
    return fixed


@dataclass(frozen=True)
class _Text:
    notification_id: int
    phone: str
    sender: str
    body: str
    # The claim's time: the row is still this worker's only while it holds this value.
    claimed_at: datetime


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


def _prepare_texts(
    database: Database, settings: Settings, claimed: list[int], now: datetime, run: TextRun
) -> list[_Text]:
    """Check each claimed text (still allowed, not opted out, outside quiet hours); the ones to send now."""
    hours = WeeklyHours.outside_quiet_hours(settings.notifications.quiet_start, settings.notifications.quiet_end)
    texts: list[_Text] = []
    with database.session() as session:
        rows = session.execute(
            select(Notification, Registration, CustodyRecord)
            .join(Registration, Registration.id == Notification.registration_id)
            .outerjoin(CustodyRecord, CustodyRecord.a_number == Registration.a_number)
            .where(Notification.id.in_(claimed))
        ).all()
        stopped = _opted_out(session, {registration.phone for _, registration, _ in rows})
        for notification, registration, record in rows:
            if (
                registration.status != ACTIVE
                or not may_tell(record, registration, now, settings, notification)
                or registration.phone in stopped
            ):
                notification.sms_state = SKIPPED
                run.skipped += 1
                continue
            zone = registrant_zone(registration.phone, settings.timezone)
            any_hour = settings.notifications.texts_in_quiet_hours or registration.texts_any_hour
            allowed_at = now if any_hour else _outside_quiet_hours(now, hours, zone)
            if allowed_at > now:
                notification.sms_state, notification.sms_due_at = DUE, allowed_at
                run.deferred += 1
                continue
            texts.append(
                _Text(
                    notification.id,
                    registration.phone,
                    sending_number(settings, registration.phone),
                    notification_text(notification, registration, settings),
                    now,
                )
            )
    return texts


def _still_mine(database: Database, text: _Text) -> bool:
    """Refresh the claim right before sending; False when the reconcile has taken the row back meanwhile.

    The reconcile only touches rows whose claim is older than STALE_SENDING, and the REST client gives
    up after TWILIO_TIMEOUT seconds (less), so a text is either refreshed here and sent, or taken back
    and not sent by this worker: never both.
    """
    with database.engine.begin() as connection:
        refreshed = connection.execute(
            update(Notification)
            .where(
                Notification.id == text.notification_id,
                Notification.sms_state == SENDING,
                Notification.sms_claimed_at == text.claimed_at,
            )
            .values(sms_claimed_at=utcnow())
        )
        return refreshed.rowcount == 1


def _send_one(
    database: Database, client: Client, rate: SendingRate, text: _Text
) -> tuple[_Text, str | None, int | None, float]:
    """Wait for the sending number's token, hand the text to Twilio; (text, sid, error code, seconds waited)."""
    waited = rate.take(text.sender)
    if not _still_mine(database, text):
        return text, None, TAKEN_BACK, waited
    try:
        message = client.messages.create(to=text.phone, from_=text.sender, body=text.body)
    except TwilioRestException as error:
        return text, None, error.code or 0, waited
    except Exception as error:  # the connection broke: Twilio may or may not have the text
        log.warning(
            "notification text outcome unknown", extra={"notification_id": text.notification_id, "error": str(error)}
        )
        return text, None, UNKNOWN_OUTCOME, waited
    return text, message.sid, None, waited


def _mark_texts(
    database: Database, settings: Settings, results: list[tuple[_Text, str | None, int | None, float]], now: datetime
) -> None:
    """Mark what Twilio took (sent, with its sid, attempt and audit row) and what it refused, in one commit."""
    sent = [(text, sid) for text, sid, code, _ in results if sid is not None]
    with database.session() as session:
        owners = {
            row.id: row
            for row in session.execute(
                select(
                    Notification.id,
                    Registration.reference,
                    Registration.phone,
                    Registration.a_number,
                    Registration.country,
                )
                .join(Registration, Registration.id == Notification.registration_id)
                .where(Notification.id.in_([text.notification_id for text, _ in sent]))
            )
        }
        if sent:
            session.execute(
                update(Notification),
                [{"id": t.notification_id, "sms_state": SENT, "sms_sid": sid, "sms_from": t.sender} for t, sid in sent],
            )
            # A reconcile may have marked one of these already (it found the text in Twilio's list).
            session.execute(
                _insert_once(session, NotificationAttempt, ["sid"]),
                [
                    {"notification_id": t.notification_id, "channel": "sms", "sid": sid, "status": "queued",
                     "started_at": now, "updated_at": now}
                    for t, sid in sent
                ],
            )  # fmt: skip
            session.execute(
                _insert_once(session, LookupAudit, ["request_key"]),
                [_audit_row(settings, owners[t.notification_id], "sms", sid, now) for t, sid in sent],
            )
        for text, sid, code, _ in results:
            if sid is not None or code in (UNKNOWN_OUTCOME, TAKEN_BACK):
                # Unknown: left in "sending"; the reconcile asks Twilio's list before anything is sent again.
                continue
            notification = session.get(Notification, text.notification_id)
            if code == OPTED_OUT_ERROR:
                notification.sms_state = SKIPPED
                SmsConsent.record(session, text.phone, OPT_OUT, "twilio-21610", None)
            else:
                notification.sms_state, notification.sms_due_at = DUE, now + RETRY_AFTER_ERROR


_POOLS: dict[tuple[int, int], ThreadPoolExecutor] = {}


def _sending_pool(size: int) -> ThreadPoolExecutor:
    """This process's sending threads (kept between batches; a forked child makes its own)."""
    key = (os.getpid(), size)
    if key not in _POOLS:
        _POOLS[key] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="notify-send")
    return _POOLS[key]


def send_due_texts(
    database: Database,
    settings: Settings,
    client: Client,
    rate: SendingRate,
    *,
    limit: int = 500,
    now: datetime | None = None,
    concurrency: int = 8,
) -> TextRun:
    """Send the texts that are due (reconciling any a dead worker left half-done first).

    The claim (the intent) is committed before any text goes out; the texts of a batch are handed to
    Twilio by ``concurrency`` threads, each waiting for its sending number's token; the batch is marked
    in one commit after. A worker killed in between leaves the batch in "sending" for the reconcile,
    which asks Twilio what it already has, so nothing is sent twice.
    """
    now = now or utcnow()
    run = TextRun()
    run.reconciled = reconcile_texts(database, client, settings, now)
    with database.session() as session:
        claimed = _claim_texts(session, now, limit)
    if not claimed:
        return run
    texts = _prepare_texts(database, settings, claimed, now, run)
    if len(texts) <= 1 or concurrency <= 1:
        results = [_send_one(database, client, rate, text) for text in texts]
    else:
        results = list(_sending_pool(concurrency).map(lambda text: _send_one(database, client, rate, text), texts))
    _mark_texts(database, settings, results, now)
    for text, sid, code, waited in results:
        run.throttled_seconds += waited
        if sid is not None:
            run.sent += 1
            run.sids.append(sid)
            log.info(
                "notification texted",
                extra={"notification_id": text.notification_id, "to": mask_phone(text.phone), "sid": sid},
            )
        else:
            run.skipped += code == OPTED_OUT_ERROR
            run.failed += code != OPTED_OUT_ERROR
            log.warning(
                "notification text failed",
                extra={"notification_id": text.notification_id, "to": mask_phone(text.phone), "code": code},
            )
    return run


# --- calls -------------------------------------------------------------------------------------

# A call claimed but never placed (a worker died between the claim and Twilio's answer) is tried again.
STALE_CALLING = timedelta(minutes=15)
TERMINAL_CALL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


@dataclass
class CallRun:
    """What one ``call_due`` run did."""

    placed: int = 0
    deferred: int = 0
    expired: int = 0
    skipped: int = 0
    failed: int = 0
    sids: list[str] = field(default_factory=list)


def _claim_calls(session: Session, now: datetime, limit: int) -> list[int]:
    """Claim due calls atomically (as ``_claim_texts``); a claim never reported back is freed again."""
    due = (
        select(Notification.id)
        .where(Notification.voice_state == DUE, Notification.voice_due_at <= now)
        .order_by(Notification.voice_due_at, Notification.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(Notification)
        .where(Notification.id.in_(due.scalar_subquery()), Notification.voice_state == DUE)
        .values(voice_state=CALLING, voice_due_at=now)
        .returning(Notification.id)
    ).all()
    # A claim whose call was never placed or never reported back: try again.
    session.execute(
        update(Notification)
        .where(Notification.voice_state == CALLING, Notification.voice_due_at <= now - STALE_CALLING)
        .values(voice_state=DUE, voice_due_at=now)
    )
    session.commit()
    return sorted(claimed)


def call_due(
    database: Database, settings: Settings, client: Client, *, limit: int = 500, now: datetime | None = None
) -> CallRun:
    """Place the notification calls that are due, outside the registrant's quiet hours and inside the window."""
    now = now or utcnow()
    run = CallRun()
    hours = WeeklyHours.outside_quiet_hours(settings.notifications.quiet_start, settings.notifications.quiet_end)
    base = settings.public_base_url.rstrip("/")
    with database.session() as session:
        claimed = _claim_calls(session, now, limit)
    for notification_id in claimed:
        with database.session() as session:
            notification = session.get(Notification, notification_id)
            registration = session.get(Registration, notification.registration_id)
            record = session.get(CustodyRecord, registration.a_number)
            if (
                registration.status != ACTIVE
                or not may_tell(record, registration, now, settings, notification)
                or not registration.pin_hash
            ):
                notification.voice_state = SKIPPED
                run.skipped += 1
                continue
            if notification.window_ends_at is not None and now >= notification.window_ends_at:
                notification.voice_state = EXPIRED
                run.expired += 1
                continue
            allowed_at = _outside_quiet_hours(now, hours, registrant_zone(registration.phone, settings.timezone))
            if allowed_at > now:
                if notification.window_ends_at is not None and allowed_at >= notification.window_ends_at:
                    notification.voice_state = EXPIRED
                    run.expired += 1
                else:
                    notification.voice_state, notification.voice_due_at = DUE, allowed_at
                    run.deferred += 1
                continue
            phone = registration.phone
        sender = sending_number(settings, phone)
        try:
            call = client.calls.create(
                to=phone,
                from_=sender,
                url=f"{base}/notify/voice/answer/{notification_id}",
                status_callback=f"{base}/notify/voice/status/{notification_id}",
                status_callback_event=["initiated", "ringing", "answered", "completed"],
                machine_detection="Enable",
                timeout=30,
            )
        except TwilioRestException as error:
            with database.session() as session:
                notification = session.get(Notification, notification_id)
                notification.voice_state, notification.voice_due_at = DUE, now + RETRY_AFTER_ERROR
            run.failed += 1
            log.warning("notification call failed", extra={"notification_id": notification_id, "code": error.code})
            continue
        with database.session() as session:
            notification = session.get(Notification, notification_id)
            notification.voice_attempts += 1
            session.add(
                NotificationAttempt(
                    notification_id=notification_id,
                    channel="voice",
                    sid=call.sid,
                    status="queued",
                    started_at=now,
                    updated_at=now,
                )
            )
        run.placed += 1
        run.sids.append(call.sid)
        log.info(
            "notification call placed",
            extra={"notification_id": notification_id, "to": mask_phone(phone), "sid": call.sid},
        )
    return run


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

    The warning is marked before it is sent: a worker killed in between loses one warning rather than
    sending it twice.
    """
    now = now or utcnow()
    warn_before = timedelta(days=settings.notifications.expiry_warning_days)
    with database.session() as session:
        ended = session.execute(
            update(Registration)
            .where(Registration.status == ACTIVE, Registration.expires_at <= now)
            .values(status="expired", ended_at=now, ended_by="expired")
        ).rowcount
        due = list(
            session.scalars(
                select(Registration)
                .where(
                    Registration.status == ACTIVE,
                    Registration.expires_at <= now + warn_before,
                    Registration.expiry_warned_at.is_(None),
                )
                .limit(500)
            )
        )
        warnings = []
        for registration in due:
            registration.expiry_warned_at = now
            if not SmsConsent.is_opted_out(session, registration.phone):
                cat = catalogue()
                lang = cat.resolve(registration.language)
                local = registration.expires_at.astimezone(registrant_zone(registration.phone, settings.timezone))
                day = cat.text(
                    lang, "notify.date", {"month_name": cat.text(lang, f"notify.month.{local.month}"), "day": local.day}
                )
                body = cat.text(lang, "notify.sms.expiring", {"reference": registration.reference, "date": day})
                warnings.append((registration.phone, body))
    for phone, body in warnings:
        sender = sending_number(settings, phone)
        rate.take(sender)
        try:
            client.messages.create(to=phone, from_=sender, body=body)
        except TwilioRestException as error:
            log.warning("expiry warning failed", extra={"to": mask_phone(phone), "code": error.code})
    return ended or 0, len(warnings)


def tick() -> dict[str, int]:
    """One periodic pass (rq's cron scheduler, workers/schedule.py): create, text, call, expire."""
    from rq import get_current_job

    from workers import runtime
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

    A rerun sends a new code (the old one stops working): a lost code text is worse than a second one.
    """
    from workers import connect, runtime
    from workers.twilio_rest import twilio_client

    settings = runtime.settings()
    database = runtime.database()
    with database.session() as session:
        registration = session.get(Registration, registration_id)
        if (
            registration is None
            or registration.status != "pending"
            or SmsConsent.is_opted_out(session, registration.phone)
        ):
            return "skipped"
        code = new_code()
        registration.set_code(
            code, settings.audit_hash_key, utcnow(), timedelta(minutes=settings.notifications.code_minutes)
        )
        phone, lang = registration.phone, catalogue().resolve(registration.language)
    sender = sending_number(settings, phone)
    SendingRate(connect(settings.redis_url or "redis://127.0.0.1:6379/0"), settings.notifications.rate_per_number).take(
        sender
    )
    twilio_client(settings).messages.create(
        to=phone, from_=sender, body=catalogue().text(lang, "notify.sms.code", {"code": code})
    )
    log.info("registration code texted", extra={"registration_id": registration_id, "to": mask_phone(phone)})
    return "sent"
