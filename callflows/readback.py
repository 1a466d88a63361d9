"""How digits are read back to a caller: one by one, in the groups people write them in.

A phone number's own grouping is ``callflows.phones.spoken_phone``.
"""

from __future__ import annotations


def spoken_digits(value: str) -> str:
    """Digits one by one: ``"30301"`` → ``"3 0 3 0 1"``."""
    return " ".join(value)


def spoken_groups(digits: str, size: int = 3) -> str:
    """Digits in groups of ``size``: ``"201345678"`` → ``"2 0 1, 3 4 5, 6 7 8"``."""
    return ", ".join(spoken_digits(digits[i : i + size]) for i in range(0, len(digits), size))
