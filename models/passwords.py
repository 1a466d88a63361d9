"""Which operator passwords are refused: too short, guessable (zxcvbn's estimate), built from the
account or the hotline's own words, or one of the most common breached passwords (a shipped list)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from zxcvbn import zxcvbn

MIN_LENGTH = 10
# zxcvbn's estimate of the guesses an attacker needs, as a power of ten. 10^10 is its top score:
# out of reach of an online attack and costly offline against argon2id.
MIN_GUESSES_LOG10 = 10
# zxcvbn's matching grows with the length; a longer password is not weaker for being cut here.
ESTIMATE_CHARACTERS = 100
COMMON_LIST = Path(__file__).parent / "data" / "common-passwords.txt"
# Words an attacker tries first against this service's accounts.
SERVICE_WORDS = ("voice", "hotline", "demo", "operator", "supervisor", "admin", "ops", "ice", "victim")
_RUNS = ("01234567890123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_LEET = str.maketrans("@4310$5!7", "aaeiosslt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of the most common breached passwords, lower-cased."""
    lines = COMMON_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _is_common(lowered: str) -> bool:
    # "Password1!", "P@ssw0rd123": the listed word with digits and symbols around it or swapped in.
    bare = _DECORATION.sub("", lowered)
    candidates = {lowered, bare, lowered.translate(_LEET), _DECORATION.sub("", lowered.translate(_LEET))}
    common = common_passwords()
    return any(c in common for c in candidates if c)


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why ``password`` is refused for the account ``email`` (``name``), or None when it is acceptable."""
    lowered = password.strip().lower()
    local = email.strip().lower().split("@", 1)[0]
    if len(password) < MIN_LENGTH:
        return f"use at least {MIN_LENGTH} characters"
    if len(set(lowered)) == 1:
        return "a password of one repeated character is refused"
    if email and (lowered == email.strip().lower() or (len(local) >= 4 and local in lowered)):
        return "a password built from the e-mail address is refused"
    if _is_common(lowered) or any(lowered in run or lowered in run[::-1] for run in _RUNS):
        return "this password is on the list of common passwords"
    hints = [email, local, *re.split(r"[\W_]+", local), *name.lower().split(), *SERVICE_WORDS]
    estimate = zxcvbn(password[:ESTIMATE_CHARACTERS], user_inputs=[h for h in hints if h])
    if float(estimate["guesses_log10"]) < MIN_GUESSES_LOG10:
        warning = estimate["feedback"].get("warning") or "it follows a pattern that is guessed early"
        return f"this password is too easy to guess ({warning.rstrip('.').lower()}); a few unrelated words are stronger"
    return None
