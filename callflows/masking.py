"""How a phone number or an A-number is shown where the full value must not be: logs, jobs, other operators.

Stdlib only, so the logging formatter in ``config`` can mask with the same rule as everyone else.
"""

from __future__ import annotations

import re


def last_digits(number: str | None, count: int = 4) -> str:
    """The last ``count`` digits of a number, ignoring punctuation ("" when it has fewer)."""
    tail = (number or "")[-count:]
    if len(tail) == count and tail.isdecimal():
        return tail  # the usual case, an E.164 number: its last characters are its last digits
    digits = re.sub(r"\D", "", number or "")
    return digits[-count:] if len(digits) >= count else ""


def mask_phone(number: str | None) -> str:
    """Mask a phone number to its last four digits: ``+15555550123`` → ``***0123``."""
    if not number:
        return "(none)"
    return "***" + last_digits(number)


def mask_a_number(a_number: str | None) -> str:
    """Mask an A-number to its last three digits, so a log never holds one."""
    if not a_number:
        return "(none)"
    tail = last_digits(a_number, 3)
    return "A******" + tail if tail else "A***"
