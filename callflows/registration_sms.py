"""Reading the notification registration texts: REGISTER, YES/SI + code, CANCEL.

Pure functions: no Flask, no database. ``REGISTER A201345678 MEXICO`` /
``REGISTRAR ...`` asks to be told of custody changes; ``YES 123456`` /
``SI 123456`` confirms the code we texted back; ``CANCEL A201345678`` /
``CANCELAR ...`` (or the registration's reference, ``CANCEL K7Q2M``) ends it.
A carrier word alone (``YES``, ``CANCEL``) is never ours: it keeps its carrier
meaning (Twilio and the carriers act on it; docs/decisions/sms-keywords.md), so these
commands are recognised only with an argument of the right shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from callflows.sms import _a_number, _country
from callflows.speech import normalize

REGISTER = "register"
CONFIRM = "confirm"
CANCEL = "cancel"

REGISTER_WORDS = {"register": "en", "registrar": "es", "registrarse": "es", "registro": "es"}
CONFIRM_WORDS = {"yes": "en", "si": "es"}
CANCEL_WORDS = {"cancel": "en", "cancelar": "es"}
_CODE = re.compile(r"[0-9]{6}")
# A registration's reference (models/registration.py): five letters and digits, at least one letter.
_REFERENCE = re.compile(r"(?=.*[a-z])[a-z2-9]{5}")


@dataclass(frozen=True)
class RegistrationCommand:
    """A registration text: what it asks, in which language, and its argument."""

    kind: str
    language: str
    a_number: str | None = None
    country: str | None = None
    country_text: str = ""
    code: str | None = None
    reference: str | None = None


def parse_registration(body: str) -> RegistrationCommand | None:
    """Read a registration text, or None when the text is not one (bare carrier words included)."""
    words = normalize(body).split()
    if len(words) < 2:
        return None
    first, rest = words[0], words[1:]
    if first in REGISTER_WORDS:
        language = REGISTER_WORDS[first]
        a_number, after = _a_number(rest)
        country_text = " ".join(after)
        country = _country(country_text, language) if country_text else None
        return RegistrationCommand(REGISTER, language, a_number, country, country_text)
    if first in CONFIRM_WORDS and len(rest) == 1 and _CODE.fullmatch(rest[0]):
        return RegistrationCommand(CONFIRM, CONFIRM_WORDS[first], code=rest[0])
    if first in CANCEL_WORDS:
        language = CANCEL_WORDS[first]
        if len(rest) == 1 and _REFERENCE.fullmatch(rest[0]):
            return RegistrationCommand(CANCEL, language, reference=rest[0].upper())
        a_number, after = _a_number(rest)
        if a_number is not None and not after:
            return RegistrationCommand(CANCEL, language, a_number=a_number)
    return None
