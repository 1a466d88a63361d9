"""Reading the texts people send the hotline, and counting the segments of a reply.

Pure functions: no Flask, no database. ``parse_text`` understands
``STATUS A201345678 MEXICO`` / ``ESTADO A201345678 MEXICO`` with free-form
spacing, case and punctuation, HELP/AYUDA, and the opt-out and opt-in words
Twilio itself acts on (its opt-out keywords).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from callflows.countries import match_country, normalize_country
from callflows.speech import normalize

STATUS = "status"
HELP = "help"
STOP = "stop"
START = "start"
UNKNOWN = "unknown"
CANCEL_REQUEST = "cancel_request"
CHANGE_REQUEST = "change_request"

# Twilio treats these as opt-out or opt-in keywords when they are the whole message, one word.
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
START_WORDS = frozenset({"start", "unstop", "yes"})
HELP_WORDS = {"help": "en", "info": "en", "ayuda": "es", "informacion": "es"}
STATUS_WORDS = {"status": "en", "estado": "es", "estatus": "es"}
# A callback confirmation's commands always carry its reference ("CANCEL K7Q2"): the bare
# carrier words keep their carrier meaning. A reference is 4 letters and digits.
REQUEST_WORDS = {
    "cancel": (CANCEL_REQUEST, "en"),
    "cancelar": (CANCEL_REQUEST, "es"),
    "change": (CHANGE_REQUEST, "en"),
    "cambiar": (CHANGE_REQUEST, "es"),
}
REFERENCE_LENGTH = 4
# Words that suggest a Spanish texter when no keyword says so (the help text answers in their language).
_SPANISH_HINTS = frozenset({"hola", "ayuda", "por", "favor", "gracias", "necesito", "donde", "busco", "quiero"})

# GSM 03.38: the basic set costs one septet, the extension set two; anything else forces UCS-2.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class TextCommand:
    """What a text asks for, in which language, with the A-number and country when given."""

    kind: str
    language: str
    keyword: str = ""
    a_number: str | None = None
    country: str | None = None
    # The country as written, when one was written (kept to tell "missing" from "not recognized").
    country_text: str = ""
    # A callback confirmation's reference (CANCEL K7Q2), upper case.
    reference: str | None = None


def parse_text(body: str) -> TextCommand:
    """Read one incoming text."""
    words = normalize(body).split()
    if not words:
        return TextCommand(UNKNOWN, "en")
    first = words[0]
    if len(words) == 1 and first in STOP_WORDS:
        return TextCommand(STOP, "en", keyword=first)
    if len(words) == 1 and first in START_WORDS:
        return TextCommand(START, "en", keyword=first)
    if first in REQUEST_WORDS and len(words) == 2 and _is_reference(words[1]):
        kind, language = REQUEST_WORDS[first]
        return TextCommand(kind, language, keyword=first, reference=words[1].upper())
    if first in HELP_WORDS and len(words) == 1:
        # HELP/AYUDA alone is the help reply; "HELP ME ..." is someone writing to us (docs/decisions/sms-keywords.md).
        return TextCommand(HELP, HELP_WORDS[first], keyword=first)
    keyword, rest = _status_keyword(words)
    if keyword is None:
        language = "es" if _SPANISH_HINTS & set(words) else "en"
        found = _look_up_in_free_text(words, language)
        # Free text that is not a command goes to a specialist (UNKNOWN), unless it names
        # an A-number and a country: then it still answers the look-up.
        return found or TextCommand(UNKNOWN, language)
    a_number, rest = _a_number(rest)
    country_text = " ".join(rest)
    return TextCommand(
        STATUS,
        STATUS_WORDS[keyword],
        keyword=keyword,
        a_number=a_number,
        country=_country(country_text, STATUS_WORDS[keyword]) if country_text else None,
        country_text=country_text,
    )


def _is_reference(word: str) -> bool:
    return len(word) == REFERENCE_LENGTH and word.isalnum() and word.isascii() and not word.isdigit()


def _look_up_in_free_text(words: list[str], language: str) -> TextCommand | None:
    """A look-up written as a sentence ("my brother A201345678 born in Mexico"), when both parts are certain."""
    for start in range(len(words)):
        a_number, rest = _a_number(words[start:])
        if a_number is None:
            continue
        for text in (" ".join(rest), " ".join(rest[-1:]), " ".join(rest[-2:]), " ".join(words[:start][-2:])):
            country = _country(text, language) if text else None
            if country is not None:
                return TextCommand(STATUS, language, a_number=a_number, country=country, country_text=text)
        return None
    return None


def _status_keyword(words: list[str]) -> tuple[str | None, list[str]]:
    first = words[0]
    if first in STATUS_WORDS:
        return first, words[1:]
    # "STATUSA201345678" or "status201345678": the keyword glued to the number.
    for keyword in STATUS_WORDS:
        if first.startswith(keyword) and first[len(keyword) :].lstrip("a").isdigit():
            return keyword, [first[len(keyword) :], *words[1:]]
    return None, words


def _a_number(words: list[str]) -> tuple[str | None, list[str]]:
    """The A-number at the start of ``words`` ("a 201 345 678", "a201345678") and the words after it."""
    digits = ""
    index = 0
    if index < len(words) and words[index] == "a":
        index += 1
    while index < len(words):
        word = words[index]
        if not digits and word.startswith("a") and word[1:].isdigit():
            word = word[1:]
        if not word.isdigit():
            break
        digits += word
        index += 1
    if len(digits) not in (8, 9):
        return None, words[index:] if digits else words
    return digits.zfill(9), words[index:]


def _country(text: str, language: str) -> str | None:
    code = normalize_country(text)
    if code is not None:
        return code
    # A text cannot be confirmed like a call: only a certain match counts.
    match = match_country(text, language)
    return match.code if match is not None and match.certain else None


def segments(text: str) -> int:
    """How many SMS segments ``text`` takes (GSM-7: 160 alone, 153 each when split; UCS-2: 70 and 67)."""
    if all(char in _GSM_BASIC or char in _GSM_EXTENDED for char in text):
        septets = sum(2 if char in _GSM_EXTENDED else 1 for char in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)
