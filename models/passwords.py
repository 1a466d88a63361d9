"""Which operator passwords are refused: too short, one repeated character,
the e-mail (or its name part), a run like 1234567890, or one of the commonest passwords."""

from __future__ import annotations

MIN_LENGTH = 10
# The commonest choices that pass the length rule (from public breach-frequency lists), lower-cased.
COMMON = frozenset(
    {
        "1234567890",
        "0123456789",
        "1q2w3e4r5t",
        "qwertyuiop",
        "asdfghjkl;",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "iloveyou123",
        "letmein123",
        "welcome123",
        "changeme123",
        "administrator",
        "qwerty12345",
        "abc1234567",
        "football123",
        "sunshine123",
        "trustno1234",
        "hotline123",
        "voicehotline",
    }
)
_RUNS = ("01234567890123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` is refused for the account ``email``, or None when it is acceptable."""
    lowered = password.strip().lower()
    local = email.strip().lower().split("@", 1)[0]
    if len(password) < MIN_LENGTH:
        return f"use at least {MIN_LENGTH} characters"
    if len(set(lowered)) == 1:
        return "a password of one repeated character is refused"
    if email and (lowered == email.strip().lower() or (len(local) >= 4 and local in lowered)):
        return "a password built from the e-mail address is refused"
    if lowered in COMMON or any(lowered in run or lowered in run[::-1] for run in _RUNS):
        return "this password is on the list of common passwords"
    return None
