"""The custody look-up: limits, the disclosure policy and the audit, for calls and texts alike.

Every attempt is audited in the same transaction as the read, and committed
before the caller hears the answer (a retried webhook, recognised by Twilio's
idempotency token or the MessageSid, is audited once). The caller's number is
kept only as a keyed hash. Limits (``settings.lookup_limits``): distinct
A-numbers per caller number per 24 h, failed attempts per call or SMS thread;
past either, the attempt is refused, flagged for supervisor review, and the
caller is offered an operator.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from callflows.countries import country_name
from callflows.engine import CallState, Outcome
from callflows.masking import mask_a_number, mask_phone
from callflows.offices import state_name
from callflows.parsers import UNSURE_COUNTRY
from callflows.phones import spoken_phone
from config import Settings
from config.logs import info_line
from models.audit import (
    CALL_ENDED,
    COUNTRY_MISMATCH,
    DISCLOSED,
    INCOMPLETE,
    LIMITED,
    NOT_DISCLOSED,
    NOT_FOUND,
    STATUS_DISCLOSED,
    VOICE,
    DeskTransaction,
    FoundRecord,
    LookupDesk,
    hash_caller,
)
from models.base import utcnow
from models.custody import CASE_STATUSES, HELD_STATUSES, NOT_IN_CUSTODY, RELEASED, REMOVED
from models.disclosure import never_disclosed, within_public_window
from web.context import hotline
from web.phone.actions import CallContext, effect

log = logging.getLogger("voice.web.phone.actions.custody")

LIMIT_WINDOW = timedelta(hours=24)
# What the caller hears, by outcome; every "no information" result class shares one.
NO_INFORMATION = "no_information"
DISCLOSED_STATUSES = {RELEASED: "released", REMOVED: "removed", NOT_IN_CUSTODY: "not_in_custody"}
FACILITY_FIELDS = ("facility_name", "city", "state")
DISCLOSED_VALUES = (*FACILITY_FIELDS, "facility_phone", "case_status")
# The context values a voice look-up's outcome sets: the identifiers cleared, the disclosed values told.
TOLD_ON_CALL = ("a_number", "country", "country_confirmed", "country_name", *DISCLOSED_VALUES)


@dataclass(frozen=True)
class LookupRequest:
    """One look-up attempt: who asks (channel, sid, thread, number) and for whom."""

    channel: str
    sid: str
    thread: str
    caller: str | None
    a_number: str | None
    country: str | None
    request_key: str | None
    now: datetime


@dataclass(frozen=True)
class LookupAnswer:
    """What the caller is told (``outcome``), what the audit calls it, and the disclosed values."""

    outcome: str
    result: str
    values: dict[str, str] = field(default_factory=dict)


def lookup_desk() -> LookupDesk:
    """This app's look-up desk (one long-lived connection per process)."""
    desk = current_app.extensions.get("custody_lookup_desk")
    if desk is None:
        desk = current_app.extensions["custody_lookup_desk"] = LookupDesk(hotline().database)
    return desk


def decide(
    record: FoundRecord | None, country: str | None, settings: Settings, now: datetime | None = None
) -> LookupAnswer:
    """Apply the disclosure policy to what was found (pure: no database)."""
    policy = settings.disclosure
    now = now or utcnow()
    if record is None:
        return LookupAnswer(NO_INFORMATION, NOT_FOUND)
    if country is not None and record.country_of_birth != country:
        return LookupAnswer(NO_INFORMATION, COUNTRY_MISMATCH)
    # Possible minors and protected records answer exactly like an unknown one.
    if never_disclosed(record.date_of_birth, record.protected, now.date()):
        return LookupAnswer(NO_INFORMATION, NOT_DISCLOSED)
    if record.status in HELD_STATUSES and record.facility_name:
        values = {"facility_name": record.facility_name, "city": record.city or "", "state": record.state or ""}
        fields = [name for name in FACILITY_FIELDS if name in policy.in_custody_fields]
        if "phone" in policy.in_custody_fields and record.phone:
            values["facility_phone"] = record.phone
            fields.append("phone")
            return LookupAnswer("in_custody", DISCLOSED, values | {"fields": ",".join(fields)})
        return LookupAnswer("in_custody_no_phone", DISCLOSED, values | {"fields": ",".join(fields)})
    if (
        policy.tells_status(record.status)
        and record.status in DISCLOSED_STATUSES
        and within_public_window(record.status, record.status_changed_at, now, policy.public_window_days)
    ):
        return LookupAnswer(DISCLOSED_STATUSES[record.status], STATUS_DISCLOSED, {"fields": "status"})
    return LookupAnswer(NO_INFORMATION, NOT_DISCLOSED)


def look_up(
    desk: LookupDesk,
    settings: Settings,
    request: LookupRequest,
    claim: bool = False,
    reply: Callable[[LookupAnswer], str | None] | None = None,
) -> LookupAnswer | None:
    """Check the limits, read the record, apply the policy, audit the attempt; None for a duplicate text.

    ``reply`` (texts, with ``claim``) makes the reply from the answer; it is stored with the
    MessageSid in the audit row's transaction, so a retried delivery is answered the same.
    """
    caller_hash = hash_caller(request.caller, settings.audit_hash_key)
    audit = {
        "at": request.now,
        "channel": request.channel,
        "sid": request.sid,
        "thread": request.thread,
        "caller_hash": caller_hash,
        "a_number": request.a_number,
        "country": request.country,
        "request_key": request.request_key,
    }
    with desk.transaction() as tx:
        if claim and not tx.claim_message(request.sid, request.now):
            return None
        answer = _audited(tx, settings, request, audit)
        if reply is not None:
            tx.keep_reply(request.sid, reply(answer), request.now)
    if answer.result in (INCOMPLETE, CALL_ENDED):
        return answer
    log_fields = {
        "channel": request.channel,
        "sid": request.sid,
        "from": mask_phone(request.caller),
        "a_number": mask_a_number(request.a_number),
        "result": answer.result,
    }
    if answer.result == LIMITED:
        log.warning("custody look-up limit reached; caller flagged for supervisor review", extra=log_fields)
    else:
        info_line(log, "custody look-up", log_fields)
    return answer


def _audited(tx: DeskTransaction, settings: Settings, request: LookupRequest, audit: dict[str, Any]) -> LookupAnswer:
    """The answer to one attempt, its audit row written (inside the look-up's transaction)."""
    limits = settings.lookup_limits
    if request.a_number is None or (request.country is None and settings.disclosure.require_country):
        tx.audit(**audit, result=INCOMPLETE)
        return LookupAnswer("incomplete", INCOMPLETE)
    tx.lock_caller(audit["caller_hash"])
    counts, record = tx.read(
        audit["caller_hash"],
        request.thread,
        request.a_number,
        request.now - LIMIT_WINDOW,
        request.request_key,
        sid=request.sid if request.channel == VOICE else "",
    )
    if counts.call_ended:
        # A signed look-up request replayed after the call ended: nobody is on the line to hear it.
        tx.audit(**audit, result=CALL_ENDED, flagged=True)
        log.warning(
            "custody look-up refused: the call has ended",
            extra={"sid": request.sid, "from": mask_phone(request.caller)},
        )
        return LookupAnswer("incomplete", CALL_ENDED)
    if counts.earlier_result is not None:
        # A retried request: answer as the first time, without counting it again.
        limited = counts.earlier_result == LIMITED
    else:
        limited = (
            counts.distinct_other_a_numbers >= limits.distinct_a_numbers_per_day
            or counts.failed_in_thread >= limits.failed_attempts_per_call
        )
    if limited:
        tx.audit(**audit, result=LIMITED, flagged=True)
        return LookupAnswer("limited", LIMITED)
    answer = with_case_status(decide(record, request.country, settings, request.now), record, settings)
    disclosed = tuple(filter(None, answer.values.get("fields", "").split(",")))
    tx.audit(**audit, result=answer.result, fields_disclosed=disclosed)
    return answer


def look_up_on_call(state: CallState, context: CallContext) -> tuple[str, LookupAnswer | Outcome]:
    """The audited voice look-up of the A-number and country in the call's context (also for registrations).

    Returns the country asked and the answer; or an outcome the call answers at once: "unsure" when the
    country must be confirmed first, "error" when the look-up was missing a value.
    """
    heard = state.get("country") or ""
    country = heard.removesuffix(UNSURE_COUNTRY)
    if heard.endswith(UNSURE_COUNTRY) and state.get("country_confirmed") != "1":
        # Checked here rather than in an effect of its own: one effect per answer keeps the webhook fast.
        return country, Outcome.of("unsure", country_name=country_name(country, state.lang or "en"))
    token = context.idempotency_token
    answer = look_up(
        lookup_desk(),
        context.settings,
        LookupRequest(
            channel=VOICE,
            sid=context.call_sid,
            thread=context.call_sid,
            caller=context.caller,
            a_number=state.get("a_number") or None,
            country=country or None,
            request_key=f"voice:{token}" if token else None,
            now=context.now,
        ),
    )
    assert answer is not None  # only texts are claimed
    return country, Outcome.of("error") if answer.outcome == "incomplete" else answer


@effect("custody.look_up")
def look_up_by_phone(state: CallState, context: CallContext) -> Outcome:
    """The audited look-up of the A-number and country in the call's context."""
    _country, answer = look_up_on_call(state, context)
    if isinstance(answer, Outcome):
        return answer
    return told_on_call(answer, state.lang or "en")


def told_on_call(answer: LookupAnswer, lang: str) -> Outcome:
    """The outcome the call tree branches on, with the values the caller hears (in ``lang``'s words).

    It sets every value of ``TOLD_ON_CALL`` and no other, and depends on nothing but its arguments.
    """
    # The identifiers leave the URL once used, and an earlier answer's facility goes with them, so
    # every "no information" answer renders the same TwiML whatever came before.
    values = dict.fromkeys(TOLD_ON_CALL, "")
    values.update((key, value) for key, value in answer.values.items() if key in DISCLOSED_VALUES)
    if values["facility_phone"]:
        values["facility_phone"] = spoken_phone(values["facility_phone"])
    if values["state"]:
        values["state"] = state_name(values["state"], lang)
    return Outcome.of(answer.outcome, **values)


def with_case_status(answer: LookupAnswer, record: FoundRecord | None, settings: Settings) -> LookupAnswer:
    """Add the case status to an answer that discloses something, when the policy allows.

    It rides on the disclosure decision: an answer that says nothing (not found,
    not disclosed, a protected record or a minor) never gains a case status.
    """
    if (
        not settings.disclosure.disclose_case_status
        or record is None
        or record.case_status not in CASE_STATUSES
        or answer.result not in (DISCLOSED, STATUS_DISCLOSED)
    ):
        return answer
    fields = ",".join(filter(None, (answer.values.get("fields", ""), "case_status")))
    return LookupAnswer(
        answer.outcome, answer.result, answer.values | {"case_status": record.case_status, "fields": fields}
    )


@effect("custody.case_status")
def case_status(state: CallState, context: CallContext) -> Outcome:
    """Which case-status sentence follows the answer ("none" when the look-up disclosed none)."""
    code = state.get("case_status") or ""
    return Outcome.of(code if code in CASE_STATUSES else "none")
