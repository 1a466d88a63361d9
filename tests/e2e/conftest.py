"""Fixtures for end-to-end calls: open or closed operator hours, signed posts, the callback table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from config import Settings, parse_business_hours
from models import CallbackRequest
from models.base import utcnow
from simulator import Call, sign
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL

# The clock is controlled through settings, as in production: these hours are
# always open, and ``closed_hours`` makes every nearby day a holiday.
ALWAYS_OPEN = parse_business_hours("mon-sun 00:00-24:00")

# Phrases each option is announced with, per language, so a test walks the tree by
# listening for "For <phrase>, press N" rather than knowing the digits.
PHRASES = {
    "en": {
        "language": "1",
        "custody": "the custody status",
        "callback": "a call back from a victim",
        "operator": "an operator",
        "help_near_you": "help near you",
        "more_help": "any kind of help",
        "ice_office": "the ICE field office",
        "victim": "a victim of a crime",
        "family": "a family member",
        "witness": "a witness",
        "someone_else": "someone else",
        "offender_info": "information about an offender",
        "local_services": "victim services near you",
        "removal_process": "help understanding the removal",
        "something_else": "something else",
        "danger_yes": "in danger now",
        "danger_no": "not in danger",
        "this_number": "this number",
        "other_number": "a different number",
        "entered_right": "that number",
        "enter_again": "another number",
        "record": "a short recorded message",
        "skip": "no message",
        "offer_callback": "a call back",
        "offer_main": "the main menu",
        "office_callback": "about this office",
        "try_again": "another ZIP code",
        "saved": "Your request is saved",
        "main": "How can we help",
        "closed": "not available right now",
        "no_estimate": "can't tell you yet how long",
        "refused": "we can't call that number",
        "withheld": "Your caller ID is hidden",
        "danger_notice": "hang up and dial 9 1 1",
        "goodbye": "Goodbye",
        "not_reached": "could not connect you",
        "removal_continue": "go on with your call back",
        # Safe-contact questions.
        "safe_yes": "If it is safe",
        "safe_no": "If it is not safe",
        "not_safe_other": "a different number that is safe",
        "not_safe_call_us": "when you can call us",
        "voicemail_yes": "If we may leave a voicemail",
        "voicemail_no": "If we should not leave a voicemail",
        "identify_yes": "If the specialist may say",
        "identify_no": "If the specialist should not say",
        "morning": "For the morning",
        "afternoon": "For the afternoon",
        "evening": "For the evening",
        "any_time": "If any time is fine",
        # A caller in danger out of hours (callflows/flows/danger.py).
        "danger_lines": "These national hotlines are free",
        "ndvh": "the National Domestic Violence Hotline",
        "rainn": "RAINN",
        "lifeline": "988",
        "callback_instead": "a call back from us instead",
        "back_with_us": "You are back with the hotline",
    },
    "es": {
        "language": "2",
        "custody": "la situación de custodia",
        "callback": "que un especialista en asistencia a víctimas le devuelva",
        "operator": "hablar con un operador",
        "office": "su oficina local",
        "victim": "víctima de un delito",
        "family": "familiar de una víctima",
        "witness": "testigo de un delito",
        "help_near_you": "encontrar ayuda cerca de usted",
        "more_help": "o cualquier tipo de ayuda",
        "ice_office": "la oficina de campo de ICE",
        "someone_else": "otra persona",
        "offender_info": "información sobre un delincuente",
        "local_services": "servicios para víctimas",
        "removal_process": "el proceso de deportación",
        "something_else": "otra cosa",
        "danger_yes": "está en peligro ahora",
        "danger_no": "no está en peligro",
        "this_number": "este número",
        "other_number": "otro número",
        "entered_right": "ese número",
        "enter_again": "marcarlo otra vez",
        "record": "grabar un mensaje",
        "skip": "sin dejar mensaje",
        "offer_callback": "que un especialista",
        "offer_main": "volver al menú principal",
        "office_callback": "sobre esta oficina",
        "try_again": "otro código postal",
        "saved": "Su solicitud quedó guardada",
        "main": "En qué podemos ayudarle",
        "closed": "no están disponibles en este momento",
        "no_estimate": "Todavía no podemos decirle",
        "refused": "no podemos llamar a ese número",
        "withheld": "Su número está oculto",
        "danger_notice": "cuelgue y marque el 9 1 1",
        "goodbye": "Adiós",
        "not_reached": "No pudimos comunicarle",
        "removal_continue": "seguir con su solicitud",
        "safe_yes": "Si es seguro",
        "safe_no": "Si no es seguro",
        "not_safe_other": "otro número que sea seguro",
        "not_safe_call_us": "cuándo puede llamarnos",
        "voicemail_yes": "Si podemos dejarle un mensaje",
        "voicemail_no": "Si no debemos dejarle un mensaje",
        "identify_yes": "Si el especialista puede decir",
        "identify_no": "Si el especialista no debe decir",
        "morning": "Si prefiere por la mañana",
        "afternoon": "Si prefiere por la tarde",
        "evening": "Si prefiere por la noche",
        "any_time": "Si le da igual la hora",
        "danger_lines": "Estas líneas nacionales son gratuitas",
        "ndvh": "la Línea Nacional sobre la Violencia Doméstica",
        "rainn": "RAINN",
        "lifeline": "el 988",
        "callback_instead": "que nosotros le devolvamos la llamada",
        "back_with_us": "Está de nuevo con la línea de ayuda",
    },
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings with operators always answering (tests close them explicitly)."""
    return settings.replace(business_hours=ALWAYS_OPEN, holidays=())


@pytest.fixture
def closed_hours(app) -> None:
    """Operators closed: weekday hours, and yesterday, today and tomorrow are holidays (any time zone)."""
    hotline = app.extensions["hotline"]
    today = utcnow().date()
    hotline.settings = hotline.settings.replace(
        business_hours=parse_business_hours("mon-fri 08:00-20:00"),
        holidays=tuple(today + timedelta(days=d) for d in (-1, 0, 1)),
    )


def choose(caller: Call, lang: str, what: str) -> Call:
    """Press the key announced for the option ``what`` (a PHRASES name)."""
    return caller.press(caller.option_for(PHRASES[lang][what]))


def safe_contact(
    caller: Call,
    lang: str,
    safe: str = "safe_yes",
    voicemail: str = "voicemail_no",
    identify: str = "identify_no",
    window: str = "any_time",
) -> Call:
    """Answer the safe-contact questions after the number is confirmed: the caller is at the message offer."""
    for answer in (safe, voicemail, identify, window):
        choose(caller, lang, answer)
    return caller


def heard(caller: Call, lang: str, what: str) -> bool:
    """True when the last answer contained the phrase ``what``."""
    return PHRASES[lang][what] in caller.last_heard()


def requests(app) -> list[CallbackRequest]:
    """Every callback request, oldest first."""
    with app.extensions["hotline"].database.session() as session:
        return list(session.scalars(select(CallbackRequest).order_by(CallbackRequest.id)))


def post_signed(client, path: str, params: dict[str, str], headers: dict[str, str] | None = None):
    """POST ``params`` to ``path`` signed the way Twilio signs it."""
    signature = sign(AUTH_TOKEN, PUBLIC_BASE_URL + path, params)
    return client.post(
        path, data=params, headers={"X-Twilio-Signature": signature, **(headers or {})}, base_url=PUBLIC_BASE_URL
    )
