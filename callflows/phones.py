"""Phone numbers at the edge: parsed once with ``phonenumbers``, kept as E.164."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType
from phonenumbers import timezone as number_timezones

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


def is_withheld(number: str | None) -> bool:
    """True when the caller ID is withheld or missing."""
    return (number or "").strip().lower() in WITHHELD


# Parsing costs tens of microseconds and the same callers come back: parse each number once.
@lru_cache(maxsize=65536)
def to_e164(number: str | None, region: str = "US") -> str | None:
    """Any valid number in E.164 form, or None (used for caller IDs and staff numbers)."""
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


@lru_cache(maxsize=65536)
def registrant_zone(phone: str, default: str) -> ZoneInfo:
    """The time zone of a phone number, or ``default`` when the number does not name exactly one.

    phonenumbers gives one zone for most area codes; a toll-free or non-geographic number (and an area
    code that spans zones) gives several, and guessing the first would be wrong: the hotline's own
    zone is used then.
    """
    try:
        zones = number_timezones.time_zones_for_geographical_number(phonenumbers.parse(phone, "US"))
    except NumberParseException:
        zones = ()
    if len(zones) == 1 and zones[0] != number_timezones.UNKNOWN_TIMEZONE:
        try:
            return ZoneInfo(zones[0])
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(default)
