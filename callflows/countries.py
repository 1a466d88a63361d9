"""Countries of birth: names in English and Spanish, matched from speech, SMS or CSV.

The custody look-up needs a country of birth. Callers say it in either language, often in a
sentence ("I was born in Guatemala"), and the recognizer mishears some ("mehico"); a fuzzy
match is returned as uncertain so the call flow can ask the caller to confirm it.

In data/countries.csv an alias listed under two countries ("congo", "virgin islands") marks a
short name that is ambiguous: it matches neither, and the caller is asked again.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from callflows.speech import find_choice, normalize

__all__ = [
    "COMMON_COUNTRIES",
    "CountryMatch",
    "country_name",
    "match_country",
    "normalize_country",
]

_DATA = Path(__file__).parent / "data" / "countries.csv"

# The most common countries of birth of detained people, in keypad order (1 Mexico,
# 2 Guatemala, 3 Honduras, 4 El Salvador); the menu's next key is "say another country".
COMMON_COUNTRIES: tuple[str, ...] = ("MX", "GT", "HN", "SV")


@dataclass(frozen=True)
class CountryMatch:
    """A country heard in speech; certain is False when it was a fuzzy guess to confirm."""

    code: str
    score: float
    certain: bool


@dataclass(frozen=True)
class _Country:
    code: str
    name_en: str
    name_es: str
    aliases: tuple[str, ...]


@functools.cache
def _countries() -> dict[str, _Country]:
    """Load the country table once, keyed by ISO 3166-1 alpha-2 code."""
    with _DATA.open(encoding="utf-8", newline="") as file:
        return {
            row["code"]: _Country(
                code=row["code"],
                name_en=row["name_en"],
                name_es=row["name_es"],
                aliases=tuple(alias for alias in row["aliases"].split("|") if alias),
            )
            for row in csv.DictReader(file)
        }


@functools.cache
def _phrases() -> dict[str, tuple[str, ...]]:
    """Map each code to every way of saying the country, in both languages."""
    return {code: (country.name_en, country.name_es, *country.aliases) for code, country in _countries().items()}


@functools.cache
def _codes_by_name() -> dict[str, str]:
    """Map each normalized name and alias to its code, leaving out names two countries share."""
    codes: dict[str, set[str]] = {}
    for code, phrases in _phrases().items():
        for phrase in phrases:
            codes.setdefault(normalize(phrase), set()).add(code)
    return {name: found.pop() for name, found in codes.items() if len(found) == 1}


def country_name(code: str, language: str) -> str:
    """Return the country's name in the call's language (English unless Spanish)."""
    country = _countries().get(code.strip().upper())
    if country is None:
        raise KeyError(f"unknown country code {code!r}")
    return country.name_es if language.split("-")[0].lower() == "es" else country.name_en


def match_country(text: str, language: str) -> CountryMatch | None:
    """Match a spoken country of birth; None when nothing is close or several are.

    Names in both languages are matched whatever the call's language: callers on the
    Spanish line say "Honduras" the same way, and recognizers write "Mexico" for "México".
    """
    match = find_choice(text, _phrases())
    if match is None:
        return None
    return CountryMatch(match.key, match.score, certain=match.exact)


def normalize_country(value: str) -> str | None:
    """Turn a country name (either language), alias or ISO code into its ISO code, or None."""
    cleaned = value.strip()
    if len(cleaned) == 2 and cleaned.isalpha() and cleaned.upper() in _countries():
        return cleaned.upper()
    # Imports and SMS must not guess: only exact names and aliases count here.
    return _codes_by_name().get(normalize(cleaned))
