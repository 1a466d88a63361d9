"""Help near you, the pure parts: the SERVICES text command and the short list a texter reads.

``SERVICES 78520`` / ``SERVICIOS 78520``, optionally with a category word
(``LEGAL``, ``SHELTER``, ``REFUGIO`` …), asks for the three nearest services.
The list is built from catalogue sentences and trimmed to fit three SMS
segments. Texts say as little as they can (docs/decisions/who-may-be-called-or-texted.md):
no "ICE", no "victim", no person's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from callflows.catalogue import Catalogue, catalogue
from callflows.phones import printed_phone
from callflows.sms import segments
from callflows.speech import normalize

SERVICES = "services"
MAX_SEGMENTS = 3
SERVICES_WORDS = {"services": "en", "service": "en", "servicios": "es", "servicio": "es"}
# The words a texter may add after the ZIP code, in either language, by category.
CATEGORY_WORDS = {
    "domestic_violence": ("dv", "domestic", "violence", "abuse", "violencia", "domestica", "maltrato"),
    "sexual_assault": ("sexual", "assault", "rape", "agresion", "violacion", "abuso"),
    "legal_help": ("legal", "lawyer", "attorney", "abogado", "abogada", "juridica"),
    "counselling": ("counseling", "counselling", "therapy", "counselor", "consejeria", "terapia", "consejero"),
    "shelter": ("shelter", "housing", "refugio", "albergue", "vivienda"),
    "victim_compensation": ("compensation", "compensacion", "money", "dinero"),
}
_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")
# Words a text must never carry, stripped from service names before they are texted
# (docs/decisions/who-may-be-called-or-texted.md).
_UNSAYABLE = re.compile(r"\b(?:ICE|victims?|v[ií]ctimas?)\b\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ServicesCommand:
    """A SERVICES text: the ZIP code (None when missing or malformed), category and language."""

    language: str
    zip: str | None
    category: str | None = None


def parse_services(body: str) -> ServicesCommand | None:
    """Read ``SERVICES 78520 [LEGAL]``; None when the text is not a SERVICES command."""
    words = normalize(body).split()
    if not words or words[0] not in SERVICES_WORDS:
        return None
    language = SERVICES_WORDS[words[0]]
    zip_code = None
    category = None
    for word in words[1:]:
        match = _ZIP.match(word)
        if match and zip_code is None:
            zip_code = match.group(1)
            continue
        category = category or category_of_word(word)
    return ServicesCommand(language, zip_code, category)


def category_of_word(word: str) -> str | None:
    """The category a texter's word names ("refugio" → shelter), or None."""
    lowered = normalize(word)
    for category, words in CATEGORY_WORDS.items():
        if lowered in words:
            return category
    return None


@dataclass(frozen=True)
class ListedService:
    """One service as a text lists it."""

    name: str
    phone: str | None
    miles: float


def textable_name(name: str) -> str:
    """A service name with the words a text must not carry taken out."""
    return re.sub(r"\s{2,}", " ", _UNSAYABLE.sub("", name)).strip(" ,-") or name


def service_list_text(lang: str, zip_code: str, services: list[ListedService], cat: Catalogue | None = None) -> str:
    """The reply listing ``services`` near ``zip_code``, at most three segments (long names are shortened)."""
    cat = cat or catalogue()
    if not services:
        return cat.text(lang, "referrals.sms.none", {"zip": zip_code})
    for limit in (60, 40, 28, 20):
        lines = [
            cat.text(
                lang,
                "referrals.sms.item" if service.phone else "referrals.sms.item_no_phone",
                {
                    "n": number,
                    "name": _shorten(textable_name(service.name), limit),
                    "phone": printed_phone(service.phone),
                    "miles": f"{service.miles:.0f}" if service.miles >= 10 else f"{service.miles:.1f}",
                },
            )
            for number, service in enumerate(services, start=1)
        ]
        text = " ".join([cat.text(lang, "referrals.sms.intro", {"zip": zip_code}), *lines])
        text += " " + cat.text(lang, "referrals.sms.footer")
        if segments(text) <= MAX_SEGMENTS:
            return text
    return text


def _shorten(name: str, limit: int) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"
