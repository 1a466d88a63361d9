"""SMS webhooks: a text arrives, the hotline replies with one short message (at most 2 segments).

``STATUS A201345678 MEXICO`` / ``ESTADO ...`` is an audited custody look-up;
HELP/AYUDA alone gets the help text; other free text goes to a specialist
(``web.phone.texting``); the carrier's opt-out and opt-in words are recorded
and get no reply from us (Twilio and the carrier answer those themselves); the
Spanish ones the carrier does not know (PARAR, BAJA, CANCELAR SUSCRIPCION,
INICIAR) are recorded the same way and confirmed by us, in Spanish. A MessageSid
delivered twice is answered once: a retried delivery gets the reply stored with its MessageSid.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from flask import Blueprint, Response, request
from twilio.twiml.messaging_response import MessagingResponse

from callflows.catalogue import catalogue
from callflows.masking import mask_phone
from callflows.phones import to_e164
from callflows.referrals import parse_services
from callflows.registration_sms import parse_registration
from callflows.sms import CANCEL_REQUEST, CHANGE_REQUEST, START, STATUS, STOP, UNKNOWN, TextCommand, parse_text
from config.logs import info_line
from models.audit import SMS, hash_caller
from models.base import utcnow
from models.conversation import Conversation
from models.texting import OPT_IN, OPT_OUT, TEXTER_SQL, ProcessedMessage, SmsConsent, Texter
from web.context import db_session, settings
from web.phone import confirmations, texting
from web.phone.actions.custody import LookupAnswer, LookupRequest, look_up, lookup_desk
from web.phone.notify_sms import answer_registration
from web.phone.twiml import to_xml
from web.phone.webhooks import empty_document, first_delivery, message_sid, twilio_blueprint, twiml

log = logging.getLogger("voice.web.phone.sms")
bp = Blueprint("sms", __name__, url_prefix="/sms")
# A failed text gets an empty ``<Response/>``: no reply rather than a broken one.
twilio_blueprint(bp, fallback=empty_document)

# The reply for each look-up outcome (found-not-disclosed and not-found share one).
_STATUS_REPLIES = {
    "in_custody": "sms.found",
    "in_custody_no_phone": "sms.found_no_phone",
    "no_information": "sms.no_information",
    "released": "sms.status.released",
    "removed": "sms.status.removed",
    "not_in_custody": "sms.status.not_in_custody",
    "limited": "sms.limited",
}


def reply(text: str | None) -> Response:
    """A TwiML messaging answer with one message, or none."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return twiml(to_xml(response))


def sender() -> str:
    """The texter's number in E.164 (or as sent, for short codes and the like)."""
    raw = request.form.get("From", "").strip()
    return to_e164(raw) or raw[:32]


@bp.post("/incoming")
def incoming() -> Response:
    """Twilio's Messaging URL: read the text, act on it, reply once."""
    sid, number = message_sid(), sender()
    body = request.form.get("Body", "")[:1600]
    parsed = parse_text(body)
    info_line(log, "sms received", {"message_sid": sid, "from": mask_phone(number), "kind": parsed.kind})
    looked_up = texted_look_up(parsed, sid, number, body)
    if looked_up is not None:
        return reply(looked_up)
    return answer_text(parsed, sid, number, body)


def answer_text(parsed: TextCommand, sid: str, number: str, body: str) -> Response:
    """Any text on the general path: its reply stored with its MessageSid (one per MessageSid)."""
    command = in_remembered_language(parsed, number)
    answered, earlier = ProcessedMessage.earlier_reply(db_session(), sid)
    if answered:
        # Twilio retried a delivery we answered: the same reply again, not an empty one.
        log.info("sms duplicate delivery: same reply again", extra={"message_sid": sid})
        return reply(earlier)
    registration, services = parse_registration(body), parse_services(body)
    if registration is not None:
        # REGISTER / REGISTRAR, YES / SI with the code, CANCEL with an A-number or reference.
        text = answer_registration(registration, sid, number)
    elif services is not None:
        # SERVICES 78520 / SERVICIOS 78520 [category]: the nearest services.
        text = texting.answer_services_text(services, sid, number)
    elif command.kind == STATUS:
        text = answer_status(command, sid, number)
    elif command.kind in (CANCEL_REQUEST, CHANGE_REQUEST):
        text = confirmations.answer_request_command(command, sid, number, body.replace("\x00", ""))
    elif command.kind == UNKNOWN and body.strip():
        # Free text goes to a specialist.
        text = texting.receive_free_text(command, sid, number, body.replace("\x00", ""))
    else:
        text = answer_other(command, sid, number)
    ProcessedMessage.keep_reply(db_session(), sid, text)
    db_session().commit()
    return reply(text)


def texted_look_up(command: TextCommand, sid: str, number: str, body: str) -> str | None:
    """A STATUS text's look-up, served lean: its reply's text; None leaves the text to the general path.

    The general path reads the texter's state in three ORM queries, then runs the look-up's
    transaction, then stores the reply in a second one: SQLAlchemy's statement building and
    sessions were most of a texted look-up's CPU (docs/performance.md, sixth pass).
    Here the same three facts come in one read on the look-up desk's connection
    (``models.texting.TEXTER_SQL``), and the reply is stored with the MessageSid in the audit
    row's transaction. Anything but a first STATUS text from a texter who has not opted out (a
    duplicate delivery, a registration or services text, STOP...) returns None before anything
    is done, as does a delivery that another one claimed meanwhile (nothing is written for it).
    ``tests/custody/test_sms_lookup.py`` holds it to the general path's replies, audit rows and stored replies.
    """
    if command.kind != STATUS or parse_registration(body) is not None or parse_services(body) is not None:
        return None
    desk = lookup_desk()
    texter = Texter.of(desk.read_row(TEXTER_SQL, {"message_sid": sid, "phone": number}))
    if texter.answered or texter.opted_out:
        return None
    if not command.sure and texter.language in catalogue().codes:
        # As in_remembered_language: a text that does not tell its language is answered in the conversation's.
        command = replace(command, language=texter.language)
    replies: list[str] = []

    def kept(answer: LookupAnswer) -> str:
        replies.append(status_reply(command, answer))
        return replies[-1]

    answer = look_up(desk, settings(), status_request(command, sid, number), claim=True, reply=kept)
    return None if answer is None else replies[-1]


def in_remembered_language(command: TextCommand, number: str) -> TextCommand:
    """A text that does not tell its language ("ok", "STATUS ...") is answered in the texter's conversation's."""
    if command.sure:
        return command
    remembered = Conversation.language_of(db_session(), number)
    if remembered is None or remembered not in catalogue().codes:
        return command
    return replace(command, language=remembered)


def answer_status(command: TextCommand, sid: str, number: str) -> str | None:
    """The audited look-up a STATUS text asks for, as the reply's text (None: no reply)."""
    if SmsConsent.is_opted_out(db_session(), number):
        # The texter said STOP: nothing goes back until they opt in again.
        return None
    answer = look_up(lookup_desk(), settings(), status_request(command, sid, number), claim=True)
    if answer is None:
        log.info("sms duplicate delivery", extra={"message_sid": sid})
        return None
    return status_reply(command, answer)


def status_request(command: TextCommand, sid: str, number: str) -> LookupRequest:
    """The look-up a STATUS text asks for."""
    current = settings()
    return LookupRequest(
        channel=SMS,
        sid=sid,
        # The per-thread limit counts a texter's failed attempts over the window.
        thread="sms:" + hash_caller(number, current.audit_hash_key)[:60],
        caller=number,
        a_number=command.a_number,
        country=command.country,
        request_key="sms:" + sid,
        now=utcnow(),
    )


def status_reply(command: TextCommand, answer: LookupAnswer) -> str:
    """The reply's text for a STATUS text's answer, in the text's language (pure: no database)."""
    lang = command.language
    cat = catalogue()
    if answer.outcome == "incomplete":
        if command.a_number is None:
            return cat.text(lang, "sms.bad_a_number")
        return cat.text(lang, "sms.unknown_country" if command.country_text else "sms.need_country")
    params = {**answer.values, "a_last3": (command.a_number or "")[-3:]}
    if "facility_phone" in params:
        digits = params["facility_phone"].removeprefix("+1")
        params["facility_phone"] = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}" if len(digits) == 10 else digits
    text = cat.text(lang, _STATUS_REPLIES[answer.outcome], params)
    if params.get("case_status"):
        # Only on an answer that discloses, when the policy allows it (see with_case_status).
        text += " " + cat.text(lang, f"sms.case_status.{params['case_status']}")
    return text


def answer_other(command: TextCommand, sid: str, number: str) -> str | None:
    """Opt-out, opt-in, help: recorded once per MessageSid; the reply's text (None: no reply)."""
    session = db_session()
    if not first_delivery(session, sid):
        return None
    text = None
    if command.kind == STOP:
        SmsConsent.record(session, number, OPT_OUT, command.keyword, sid)
        texting.close_on_stop(session, number)
        if command.confirm:
            # PARAR, BAJA, CANCELAR SUSCRIPCION: the carrier does not answer these, so we do, once.
            text = catalogue().text(command.language, "sms.stopped")
    elif command.kind == START:
        SmsConsent.record(session, number, OPT_IN, command.keyword, sid)
        if command.confirm:
            text = catalogue().text(command.language, "sms.started")
    elif not SmsConsent.is_opted_out(session, number):
        text = catalogue().text(command.language, "sms.help")
    session.commit()
    if command.kind in (STOP, START):
        log.info("sms consent recorded", extra={"message_sid": sid, "from": mask_phone(number), "kind": command.kind})
    return text


@bp.post("/fallback")
def fallback() -> Response:
    """Twilio's messaging fallback URL: stay silent rather than send a broken reply."""
    log.error(
        "sms fallback",
        extra={"message_sid": request.form.get("MessageSid"), "error_code": request.form.get("ErrorCode")},
    )
    return empty_document()
