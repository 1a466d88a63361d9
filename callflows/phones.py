"""Phone numbers, each rule once: parsed at the edge and kept as E.164, printed, spoken, placed in a time zone.

Masking (the last four digits) is in ``callflows.masking``, which needs no ``phonenumbers`` so the logging
formatter can use it; digits read one by one are in ``callflows.readback``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberType
from phonenumbers import timezone as number_timezones

from callflows.readback import spoken_digits, spoken_groups

# Twilio's forms of a withheld caller ID (see the Twilio notes: "anonymous",
# "unknown", "+266696687" or empty).
WITHHELD = {
    "",
    "anonymous",
    "unknown",
    "restricted",
    "private",
    "+266696687",
    "266696687",
}

# A victim assistance specialist cannot call these back: they cost the hotline
# money or reach no one.
_REFUSED_TYPES = {
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
    PhoneNumberType.PAGER,
    PhoneNumberType.UNKNOWN,
}
# NANPA reserves 555-0100 to 555-0199 in every area code for fiction: such a line rings no one.
_FICTIONAL_LINE = re.compile(r"\+1[0-9]{3}55501[0-9]{2}")


# --- parse ----------------------------------------------------------------------------------


def is_withheld(number: str | None) -> bool:
    """True when the caller ID is withheld or missing."""
    return (number or "").strip().lower() in WITHHELD


# A North American number already in E.164, as Twilio sends every caller ID from the US: its area
# code starts with 2-9, so the parser would find no national prefix or leading zero to take off.
_NANP_E164 = re.compile(r"\+1[2-9][0-9]{9}")


# Parsing costs tens of microseconds and the same callers come back: parse each number once.
@lru_cache(maxsize=65536)
def to_e164(number: str | None, region: str = "US") -> str | None:
    """Any valid number in E.164 form, or None (used for caller IDs and staff numbers)."""
    if number is not None and _NANP_E164.fullmatch(number):
        # Already the E.164 form: only its validity is asked (the general parse is half the cost of a new caller).
        return (
            number
            if phonenumbers.is_valid_number(PhoneNumber(country_code=1, national_number=int(number[2:])))
            else None
        )
    return _parsed_e164(number, region)


def _parsed_e164(number: str | None, region: str) -> str | None:
    """``to_e164`` by the general parser, for any spelling of a number."""
    if is_withheld(number):
        return None
    try:
        parsed = phonenumbers.parse(number, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=65536)
def parse_callback_number(number: str | None, region: str = "US") -> str | None:
    """A number a specialist can call back, in E.164, or None.

    Refuses invalid and too-short numbers, premium-rate, toll-free and other
    numbers that cannot be called back at a normal rate.
    """
    e164 = to_e164(number, region)
    if e164 is None:
        return None
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    return None if kind in _REFUSED_TYPES else e164


def e164_problem(number: str) -> str | None:
    """Why ``number`` is not a valid number written in E.164 (for data files), or None when it is."""
    try:
        parsed = phonenumbers.parse(number, None)
    except NumberParseException:
        return "does not parse"
    if not phonenumbers.is_valid_number(parsed):
        return "is not a valid number"
    if phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) != number:
        return "is not in E.164 form"
    return None


def is_fictional(e164: str | None) -> bool:
    """True for a 555-01XX number, reserved for fiction: a stand-in that rings no one."""
    return _FICTIONAL_LINE.fullmatch(e164 or "") is not None


# --- print and speak --------------------------------------------------------------------------


def printed_phone(e164: str | None) -> str:
    """A number as a text prints it: ``+19565550101`` → ``956-555-0101`` (other numbers as they are)."""
    if e164 and e164.startswith("+1") and len(e164) == 12:
        return f"{e164[2:5]}-{e164[5:8]}-{e164[8:]}"
    return e164 or ""


def spoken_phone(e164: str) -> str:
    """A phone number as it is read back: ``+12025550143`` → ``"2 0 2, 5 5 5, 0 1 4 3"``.

    North American numbers drop the country code and group 3-3-4, the way they
    are printed; other numbers are read in groups of three after their ``+``.
    """
    digits = e164.lstrip("+")
    if e164.startswith("+1") and len(digits) == 11:
        return ", ".join(spoken_digits(group) for group in (digits[1:4], digits[4:7], digits[7:]))
    return spoken_groups(digits)


# --- time zone ----------------------------------------------------------------------------------


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=65536)
def zone_for_number(number: str | None, hotline_zone: str) -> str | None:
    """The IANA time zone a phone number is in, or None when the number names no place.

    One rule (docs/decisions/phone-time-zone.md): a number whose exchange ``phonenumbers`` places in one
    zone is in that zone; where it gives several (an area code that spans zones, an exchange it does not
    know), the hotline's own zone when it is one of them, else the first it lists (a neighbour of the
    others). A number that is not geographic (toll-free, a mobile number valid across a country) names
    no place: None, and the caller of this falls back (the ZIP code, then the hotline's zone).
    """
    if not number or is_withheld(number):
        return None
    try:
        parsed = phonenumbers.parse(number, "US")
    except NumberParseException:
        return None
    if not phonenumbers.is_number_geographical(parsed):
        return None
    zones = [
        zone
        for zone in number_timezones.time_zones_for_geographical_number(parsed)
        if zone != number_timezones.UNKNOWN_TIMEZONE and _known_zone(zone)
    ]
    if not zones:
        return None
    return hotline_zone if hotline_zone in zones else zones[0]


def time_zone(number: str | None, hotline_zone: str) -> ZoneInfo:
    """The zone to read a phone's local time in: ``zone_for_number``, else the hotline's."""
    return ZoneInfo(zone_for_number(number, hotline_zone) or hotline_zone)
