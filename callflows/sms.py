"""Reading the texts people send the hotline, and counting the segments of a reply.

Pure functions: no Flask, no database. ``parse_text`` understands
``STATUS A201345678 MEXICO`` / ``ESTADO A201345678 MEXICO`` with free-form
spacing, case and punctuation, HELP/AYUDA, the opt-out and opt-in words
Twilio itself acts on (STOP, START...), and the Spanish ones it does not
(PARAR, BAJA, CANCELAR SUSCRIPCION; INICIAR), which the hotline answers itself.

A text's language comes from its keyword, else from its letters and a few
common words (``detect_language``, data in each catalogue language's
``_texting.json``); when neither tells, ``sure`` is False and the texter's
conversation remembers the language.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from callflows.catalogue import catalogue
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
# Spanish opt-out and opt-in words (the whole message). Twilio's default opt-out list does not
# include them, so the hotline records them like STOP and START and confirms them in Spanish.
OWN_STOP_WORDS = {"parar": "es", "baja": "es", "cancelar suscripcion": "es"}
OWN_START_WORDS = {"iniciar": "es"}
HELP_WORDS = {"help": "en", "info": "en", "ayuda": "es", "informacion": "es"}
STATUS_WORDS = {"status": "en", "estado": "es", "estatus": "es"}
# The English keywords are what the help texts of every other language teach too, so they do not
# tell the language: the conversation's remembered language answers them when there is one.
_SHARED_KEYWORDS = frozenset({"status", "help", "info", "cancel", "change"})
# A callback confirmation's commands always carry its reference ("CANCEL K7Q2"): the bare
# carrier words keep their carrier meaning. A reference is 4 letters and digits.
REQUEST_WORDS = {
    "cancel": (CANCEL_REQUEST, "en"),
    "cancelar": (CANCEL_REQUEST, "es"),
    "change": (CHANGE_REQUEST, "en"),
    "cambiar": (CHANGE_REQUEST, "es"),
}
REFERENCE_LENGTH = 4

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
    # False when nothing in the text told its language (the default language stands in).
    sure: bool = True
    # True for an opt-out or opt-in word the carrier does not answer (PARAR, INICIAR): we confirm it.
    confirm: bool = False


def detect_language(body: str) -> str | None:
    """The catalogue language a text is written in, from its letters and common words; None when unsure.

    Each language may list, in ``_texting.json``, ``letters`` (a character class such
    as accented vowels, or a script's range) and ``words``; a letter counts twice, a
    word once. A tie, or nothing found, is None.
    """
    words = set(normalize(body).split())
    lowered = body.lower()
    scores: dict[str, int] = {}
    for code, letters, common in _texting_data():
        score = len(words & common) + (2 * len(letters.findall(lowered)) if letters else 0)
        if score:
            scores[code] = score
    if not scores:
        return None
    best = max(scores.values())
    winners = [code for code, score in scores.items() if score == best]
    return winners[0] if len(winners) == 1 else None


@cache
def _texting_data() -> tuple[tuple[str, re.Pattern[str] | None, frozenset[str]], ...]:
    cat = catalogue()
    out = []
    for code in cat.codes:
        data = cat.data.get(code, {}).get("texting", {})
        letters = re.compile(f"[{data['letters']}]") if data.get("letters") else None
        out.append((code, letters, frozenset(normalize(word) for word in data.get("words", ()))))
    return tuple(out)


def parse_text(body: str) -> TextCommand:
    """Read one incoming text."""
    words = normalize(body).split()
    default = catalogue().default
    if not words:
        return TextCommand(UNKNOWN, default, sure=False)
    first, whole = words[0], " ".join(words)
    if len(words) == 1 and first in STOP_WORDS:
        return TextCommand(STOP, "en", keyword=first, sure=False)
    if len(words) == 1 and first in START_WORDS:
        return TextCommand(START, "en", keyword=first, sure=False)
    if whole in OWN_STOP_WORDS:
        return TextCommand(STOP, OWN_STOP_WORDS[whole], keyword=whole, confirm=True)
    if whole in OWN_START_WORDS:
        return TextCommand(START, OWN_START_WORDS[whole], keyword=whole, confirm=True)
    if first in REQUEST_WORDS and len(words) == 2 and _is_reference(words[1]):
        kind, language = REQUEST_WORDS[first]
        return TextCommand(kind, language, keyword=first, reference=words[1].upper(), sure=_tells(first))
    if first in HELP_WORDS and len(words) == 1:
        # HELP/AYUDA alone is the help reply; "HELP ME ..." is someone writing to us.
        return TextCommand(HELP, HELP_WORDS[first], keyword=first, sure=_tells(first))
    keyword, rest = _status_keyword(words)
    if keyword is None:
        detected = detect_language(body)
        language = detected or default
        found = _look_up_in_free_text(words, language)
        # Free text that is not a command goes to a specialist (UNKNOWN), unless it names
        # an A-number and a country: then it still answers the look-up.
        command = found or TextCommand(UNKNOWN, language)
        return TextCommand(**{**command.__dict__, "sure": detected is not None})
    a_number, rest = _a_number(rest)
    country_text = " ".join(rest)
    return TextCommand(
        STATUS,
        STATUS_WORDS[keyword],
        keyword=keyword,
        a_number=a_number,
        country=_country(country_text, STATUS_WORDS[keyword]) if country_text else None,
        country_text=country_text,
        sure=_tells(keyword),
    )


def _tells(keyword: str) -> bool:
    return keyword not in _SHARED_KEYWORDS


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


def _ascii_digits(word: str) -> bool:
    # str.isdigit() also takes other scripts' digits ("٢٠١"): an A-number is ASCII digits only.
    return word.isascii() and word.isdigit()


def _status_keyword(words: list[str]) -> tuple[str | None, list[str]]:
    first = words[0]
    if first in STATUS_WORDS:
        return first, words[1:]
    # "STATUSA201345678" or "status201345678": the keyword glued to the number.
    for keyword in STATUS_WORDS:
        if first.startswith(keyword) and _ascii_digits(first[len(keyword) :].lstrip("a")):
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
        if not digits and word.startswith("a") and _ascii_digits(word[1:]):
            word = word[1:]
        if not _ascii_digits(word):
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
