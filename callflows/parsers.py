"""Named parsers for ``Ask`` nodes: keypad digits or speech text to a value.

Each parser takes the raw input, the call's language and whether it came from
the keypad, and returns the value to store or None ("didn't get that").
"""

from __future__ import annotations

from collections.abc import Callable

from callflows import countries, phones, speech

Parser = Callable[[str, str, bool], str | None]


def _a_number(text: str, lang: str, keypad: bool) -> str | None:
    if keypad:
        digits = text.strip().rstrip("#")
        if digits.isascii() and digits.isdigit() and len(digits) in (8, 9):
            return digits.zfill(9)
        return None
    return speech.parse_a_number(text, lang)


def _zip(text: str, lang: str, keypad: bool) -> str | None:
    if keypad:
        digits = text.strip().rstrip("#")
        return digits if digits.isascii() and digits.isdigit() and len(digits) == 5 else None
    return speech.parse_zip(text, lang)


def _phone(text: str, lang: str, keypad: bool) -> str | None:
    digits = text.strip().rstrip("#") if keypad else speech.parse_digits(text, lang)
    return phones.parse_callback_number(digits) if digits else None


def _pin(text: str, lang: str, keypad: bool) -> str | None:
    # A notification registration's 4-digit PIN.
    digits = text.strip().rstrip("#") if keypad else speech.parse_digits(text, lang)
    return digits if digits and digits.isascii() and digits.isdigit() and len(digits) == 4 else None


# A country heard by a fuzzy match is stored with this mark; the call flow asks the caller to confirm it.
UNSURE_COUNTRY = "?"


def _country(text: str, lang: str, keypad: bool) -> str | None:
    # Keys 1-4 pick the most common countries of birth (countries.COMMON_COUNTRIES); said as a digit too.
    key = text.strip().rstrip("#") if keypad else speech.spoken_digit(text, lang)
    if key is not None and key.isdigit():
        index = int(key) - 1
        return countries.COMMON_COUNTRIES[index] if 0 <= index < len(countries.COMMON_COUNTRIES) else None
    if keypad:
        return None
    match = countries.match_country(text, lang)
    if match is None:
        return None
    return match.code if match.certain else match.code + UNSURE_COUNTRY


PARSERS: dict[str, Parser] = {
    "a_number": _a_number,
    "zip": _zip,
    "phone": _phone,
    "country": _country,
    "pin": _pin,
}

# Parsers whose speech input is a spoken number (Twilio gets digit hints for them).
NUMERIC = {"a_number", "zip", "phone", "pin"}


def parse(name: str, text: str, lang: str, keypad: bool) -> str | None:
    """Run the parser ``name`` on one input."""
    return PARSERS[name](text, lang, keypad)


def is_numeric(name: str) -> bool:
    """True when the parser expects a spoken number."""
    return name in NUMERIC


def match_choice(text: str, choices: dict[str, list[str]], lang: str) -> str | None:
    """The choice whose words best match ``text`` (see ``speech.match_choice``)."""
    return speech.match_choice(text, choices, lang)


def heard_danger(text: str, phrases: list[str], alone: list[str], negations: list[str]) -> bool:
    """True when words of danger were said (see ``speech.heard_danger``)."""
    return speech.heard_danger(text, phrases, alone, negations)


def spoken_digit(text: str, lang: str) -> str | None:
    """A single spoken or typed digit ("two", "dos", "press 2"), else None."""
    return speech.spoken_digit(text, lang)
