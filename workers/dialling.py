"""Every outbound call an operator starts: a call back (operator first or caller first) and "Take next caller".

Each call goes through ``workers.deliveries.deliver``: its intent is committed
before Twilio is asked and its SID marked after, so a crash in between never
rings anyone twice. A call back's caller sees the neutral number unless they
allowed the specialist to say where they call from; the operator's own phone is
rung from the hotline number.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

import runtime
from callflows.masking import mask_phone
from config import Settings
from models import claims
from models.base import utcnow
from models.callback import CallbackRequest
from models.claims import CallbackAttempt
from models.live_queue import QueuedCall
from models.operator import Operator
from workers.deliveries import Delivery, Outgoing, deliver
from workers.twilio_rest import twilio_client

log = logging.getLogger("voice.workers.dialling")


class BridgeError(Exception):
    """A call back could not be started; the message says why, for the operator."""


def start_call(
    session: Session, current: Settings, request_id: int, operator: Operator, caller_first: bool = False
) -> CallbackAttempt:
    """Start a call back on a request ``operator`` holds, within the caller's window.

    Operator first (the default): Twilio rings the operator from the hotline number
    and the answer webhook bridges to the caller. Caller first (``web.phone.customer_first``):
    Twilio rings the caller, showing the number they allowed, and their key press
    rings the operator. Either way the attempt is recorded before Twilio is asked,
    and its status callbacks come to ``/bridge/status``.
    """
    item = session.get(CallbackRequest, request_id)
    if item is None or item.status != claims.CLAIMED or item.claimed_by_id != operator.id:
        raise BridgeError("claim the request before calling the caller back")
    if not operator.phone:
        raise BridgeError("your account has no phone number to ring")
    now = utcnow()
    if item.call_window not in (None, "any"):
        # The caller's own window (their time zone) inside calling hours: obeyed by every call back.
        allowed = claims.RetryPolicy.from_settings(current).next_allowed(now, item)
        if allowed > now + timedelta(minutes=1):
            local = allowed.astimezone(ZoneInfo(item.caller_timezone) if item.caller_timezone else current.tz)
            raise BridgeError(
                f"the caller asked to be called in the {item.call_window} (their time); "
                f"call from {local:%a %H:%M} their time"
            )
    attempt = CallbackAttempt(request_id=item.id, operator_id=operator.id, started_at=now, call_status="queued")
    session.add(attempt)
    session.flush()
    detail = f"attempt {attempt.id}" + (", caller first" if caller_first else "")
    claims.record(session, item, "call_started", now, operator.id, item.status, detail)
    # Committed before Twilio can call the answer URL, which looks the attempt up.
    session.commit()
    if caller_first:
        to, sender, answer_path = item.phone, shown_number(item, current), "/bridge/customer/answer"
        # No voicemail: the answer webhook hangs up on a machine before a word is said.
        detection = {} if item.leave_voicemail else {"machine_detection": "Enable"}
    else:
        to, sender, answer_path, detection = operator.phone, current.hotline_number, "/bridge/answer", {}
    ring(session, current, attempt, to, sender, answer_path, detection)
    log.info(
        "call back started",
        extra={
            "attempt_id": attempt.id,
            "request_id": item.id,
            "caller_first": caller_first,
            "to": mask_phone(to),
        },
    )
    return attempt


def shown_number(item: CallbackRequest, current: Settings) -> str:
    """The number the caller's phone shows: the neutral one unless they allowed us to say who calls."""
    return current.hotline_number if item.identify else current.neutral_number


def ring(
    session: Session,
    current: Settings,
    attempt: CallbackAttempt,
    to: str,
    sender: str,
    answer_path: str,
    detection: dict[str, str],
) -> None:
    """Place a committed call-back attempt's call once (``workers.deliveries``); its SID is marked on the attempt."""
    base = current.public_base_url.rstrip("/")
    query = urlencode({"attempt": attempt.id})
    attempt_id = attempt.id
    call = Outgoing(
        f"callback-attempt:{attempt_id}",
        to,
        sender,
        call={
            **detection,
            "url": f"{base}{answer_path}?{query}",
            "method": "POST",
            "status_callback": f"{base}/bridge/status?{query}",
            "status_callback_method": "POST",
            "status_callback_event": ["initiated", "ringing", "answered", "completed"],
        },
    )

    def mark(marking: Session, results: list[Delivery]) -> None:
        (delivery,) = results
        row = marking.get(CallbackAttempt, attempt_id)
        if delivery.sid is not None:
            row.call_sid = delivery.sid
        elif delivery.code is not None and delivery.code >= 0:
            row.call_status, row.ended_at = "failed", utcnow()

    (delivery,) = deliver(runtime.hotline().database, twilio_client(current), [call], mark=mark)
    session.refresh(attempt)
    if delivery.sid is None:
        log.warning("call not started", extra={"attempt_id": attempt_id, "to": mask_phone(to), "code": delivery.code})
        if delivery.code is not None and delivery.code >= 0:
            raise BridgeError("Twilio refused the call; try again in a minute")
        raise BridgeError("the call may have started; wait for it before you try again")


class LiveQueueError(Exception):
    """The operator's phone could not be rung; the message says why, for the operator."""


class NobodyWaiting(Exception):
    """No caller is holding for an operator."""


def take_next(session: Session, current: Settings, operator: Operator) -> str:
    """Ring ``operator``'s phone from the hotline number; their answer takes the next caller. Returns the CallSid."""
    if not operator.phone:
        raise LiveQueueError("your account has no phone number to ring")
    if not QueuedCall.waiting(session, limit=1):
        raise NobodyWaiting()
    base = current.public_base_url.rstrip("/")
    ring_operator = Outgoing(
        f"operator-ring:{operator.id}:{secrets.token_hex(8)}",
        operator.phone,
        current.hotline_number,
        call={"url": f"{base}/live/answer?{urlencode({'operator': operator.id})}", "method": "POST"},
    )
    (delivery,) = deliver(runtime.hotline().database, twilio_client(current), [ring_operator])
    if delivery.sid is None:
        log.warning("operator phone not rung", extra={"operator_id": operator.id, "code": delivery.code})
        raise LiveQueueError("Twilio refused the call; try again in a minute")
    log.info(
        "ringing operator for the next caller", extra={"operator_id": operator.id, "to": mask_phone(operator.phone)}
    )
    return delivery.sid
