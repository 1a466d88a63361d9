"""How numbers are read back to a caller: digit by digit, in the groups people write them in."""

from __future__ import annotations


def spoken_phone(e164: str) -> str:
    """A phone number as it is read back: ``+12025550143`` → ``"2 0 2, 5 5 5, 0 1 4 3"``.

    North American numbers drop the country code and group 3-3-4, the way they
    are printed; other numbers are read in groups of three after their ``+``.
    """
    digits = e164.lstrip("+")
    if e164.startswith("+1") and len(digits) == 11:
        groups = [digits[1:4], digits[4:7], digits[7:]]
    else:
        groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return ", ".join(" ".join(group) for group in groups)


def spoken_digits(value: str) -> str:
    """Digits one by one: ``"30301"`` → ``"3 0 3 0 1"``."""
    return " ".join(value)
