"""What every Twilio-facing blueprint shares: the signature check, TwiML answers, the never-500 handler.

A blueprint faces Twilio only through ``twilio_blueprint``: every request to it
is refused (403) unless Twilio signed it, before any view, form parsing side
effect or database work, and a failure answers Twilio with the blueprint's calm
fallback (apology TwiML, an empty document, a 204...) instead of a 500. So no
Twilio route can forget either, and ``TWILIO_BLUEPRINTS`` names every one.
A text is handled once per MessageSid (``first_delivery``, ``may_reply``), because
Twilio may deliver it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" codec error handler used below)
from flask import Blueprint, Request, Response, abort, request
from sqlalchemy.orm import Session
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge
from werkzeug.sansio.utils import get_content_length

from callflows.catalogue import OPERATOR_LANGUAGE
from callflows.masking import mask_phone
from models.texting import ProcessedMessage, SmsConsent
from web.context import settings
from web.phone.signature import is_signed
from web.phone.twiml import apology

log = logging.getLogger("voice.web.phone.webhooks")

# The blueprints made Twilio-facing by ``twilio_blueprint``, by name (a test holds every
# route outside the office to this list).
TWILIO_BLUEPRINTS: set[str] = set()

Fallback = Callable[[], Response]


class FormFields(ImmutableMultiDict[str, str]):
    """A webhook's form fields: ``get`` of an absent field answers its default without an exception.

    Werkzeug's ``get`` raises and catches a ``BadRequestKeyError`` for each absent field, and a
    step asks for several that a keypad answer never has (recording, queue result, speech).
    """

    def get(self, key: str, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:  # type: ignore[override]
        if key not in self:
            return default
        return super().get(key, default, type)


class FormRequest(Request):
    """Flask's request with a URL-encoded body parsed in one pass.

    Every webhook is a URL-encoded form, parsed before anything else to check its
    signature; Werkzeug's general form parser (streams, parser objects, a decode per
    field) was a twentieth of a webhook's CPU. The answer is the same: fields in
    order, ``+`` and ``%XX`` decoded, a body that is not UTF-8 read as an empty
    form, the same 413 for a body over the app's limit. Other bodies (multipart
    uploads on the office pages) go to Werkzeug's parser.
    """

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        environ = self.environ
        mimetype = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
        if self.shallow or mimetype != "application/x-www-form-urlencoded":
            super()._load_form_data()
            return
        try:
            fields = parse_urlencoded(self._body().decode())
        except UnicodeDecodeError:
            fields = []
        self.__dict__["form"] = FormFields(fields)
        self.__dict__["files"] = ImmutableMultiDict()

    def _body(self) -> bytes:
        """The body, read once (``get_data()`` returns it afterwards)."""
        # Werkzeug's reading of the two headers, from the environ (its header object raises and
        # catches a KeyError for each absent one).
        environ = self.environ
        length = get_content_length(environ.get("CONTENT_LENGTH"), environ.get("HTTP_TRANSFER_ENCODING"))
        if length is None:
            # No Content-Length (a chunked body): Werkzeug's guarded stream.
            return self.get_data()
        if self.max_content_length is not None and length > self.max_content_length:
            raise RequestEntityTooLarge()
        # Exactly Content-Length bytes, as Werkzeug's limited stream would read.
        self._cached_data = body = environ["wsgi.input"].read(length)
        return body


def parse_urlencoded(body: str) -> list[tuple[str, str]]:
    """``urllib.parse.parse_qsl(body, keep_blank_values=True)`` as Werkzeug calls it, without a call per plain field."""
    fields = []
    for field in body.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if "%" in field or "+" in field:
            name = unquote(name.replace("+", " "), errors="werkzeug.url_quote")
            value = unquote(value.replace("+", " "), errors="werkzeug.url_quote")
        fields.append((name, value))
    return fields


# Twilio serves every recording from its REST API host; anything else in RecordingUrl is not
# Twilio's (an internal address such as 169.254.169.254 would be fetched by whoever plays it).
TWILIO_API_HOST = "api.twilio.com"


def twilio_recording_url(value: str | None) -> str | None:
    """``value`` when it is an https URL on Twilio's API host (no credentials, default port), else None."""
    if not value or len(value) > 2048:
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme != "https" or parts.hostname != TWILIO_API_HOST or parts.username or port not in (None, 443):
        return None
    if parts.netloc.lower() not in (TWILIO_API_HOST, f"{TWILIO_API_HOST}:443"):
        return None
    return value


def twiml(document: VoiceResponse | MessagingResponse | str) -> Response:
    """A TwiML answer (Twilio wants text/xml, not chunked)."""
    return Response(str(document), status=200, content_type="text/xml; charset=utf-8")


def apologise(lang: str | None) -> Response:
    """The apology TwiML in ``lang`` (every language when None): the operator number, then hang up."""
    return twiml(apology(lang, settings().operator_number))


def apologise_to_the_operator() -> Response:
    """The apology in the operators' language, for the legs an operator is on."""
    return apologise(OPERATOR_LANGUAGE)


def hang_up() -> Response:
    """A document that hangs up without a word."""
    response = VoiceResponse()
    response.hangup()
    return twiml(response)


def empty_document() -> Response:
    """An empty ``<Response/>``: Twilio goes on with what it was doing (no reply, no prompt)."""
    return twiml(VoiceResponse())


def no_content() -> Response:
    """A 204 for callbacks no caller hears."""
    return Response(status=204)


_NO_FORM: ImmutableMultiDict[str, str] = ImmutableMultiDict()


def readable_form() -> ImmutableMultiDict[str, str]:
    """The request's form for log lines, or an empty one when the body could not be read (too large, malformed)."""
    try:
        return request.form
    except HTTPException:
        return _NO_FORM


def form_field(name: str) -> str | None:
    """A form value for log lines, or None when the body could not be read (too large, malformed)."""
    return readable_form().get(name)


def call_sid() -> str:
    """The request's CallSid; a request without one is not a call (400)."""
    return _sid("CallSid")


def message_sid() -> str:
    """The request's MessageSid; a request without one is not a text (400)."""
    return _sid("MessageSid")


def _sid(name: str) -> str:
    sid = request.form.get(name, "").strip()
    if not sid or len(sid) > 64:
        raise BadRequest(f"{name} is missing or malformed")
    return sid


def first_delivery(session: Session, message_sid: str) -> bool:
    """True the first time a text's MessageSid is handled; a repeated delivery is rolled back and logged."""
    if ProcessedMessage.claim(session, message_sid):
        return True
    session.rollback()
    log.info("sms duplicate delivery", extra={"message_sid": message_sid})
    return False


def may_reply(session: Session, message_sid: str, number: str) -> bool:
    """True for a first delivery from a texter who has not opted out (one who has is kept as handled, no reply)."""
    if not first_delivery(session, message_sid):
        return False
    if SmsConsent.is_opted_out(session, number):
        session.commit()
        return False
    return True


def refuse_unsigned() -> None:
    """Refuse (403) any request not signed by Twilio with the hotline's auth token."""
    if is_signed(settings()):
        return
    log.warning(
        "twilio signature rejected",
        extra={
            "path": request.path,
            "sid": form_field("CallSid") or form_field("MessageSid"),
            "from": mask_phone(form_field("From")),
            "has_signature": "X-Twilio-Signature" in request.headers,
        },
    )
    abort(403, description="Twilio signature missing or invalid")


def twilio_blueprint(bp: Blueprint, fallback: Fallback, route_fallbacks: Mapping[str, Fallback] | None = None) -> None:
    """Make ``bp`` Twilio-facing: every request signed, and a failure answered by ``fallback``, never a 500.

    ``route_fallbacks`` names the views (by function name) that must answer otherwise,
    e.g. a leg where an apology would be heard by the wrong person.
    """
    # First of the blueprint's own hooks, so nothing of the blueprint runs for an unsigned request.
    bp.before_request_funcs.setdefault(None, []).insert(0, refuse_unsigned)
    by_endpoint = {f"{bp.name}.{view}": answer for view, answer in (route_fallbacks or {}).items()}

    def fail_calmly(error: Exception) -> Response | HTTPException:
        if isinstance(error, HTTPException) and error.code is not None and error.code < 500:
            return error
        log.exception(
            "twilio webhook failed",
            extra={
                "blueprint": bp.name,
                "route": request.path,
                "call_sid": form_field("CallSid"),
                "message_sid": form_field("MessageSid"),
            },
        )
        return by_endpoint.get(request.endpoint or "", fallback)()

    bp.register_error_handler(Exception, fail_calmly)
    TWILIO_BLUEPRINTS.add(bp.name)
