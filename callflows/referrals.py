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
from callflows.sms import segments, to_gsm
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
    """The reply listing ``services`` near ``zip_code`` in at most three segments, nearest first.

    Names stay whole words: a long one loses its small words, then its last words, never letters in the
    middle of a word. Accents outside GSM-7 are dropped, so a Spanish text is not cut to 70 characters a segment.
    """
    cat = cat or catalogue()
    if not services:
        return to_gsm(cat.text(lang, "referrals.sms.none", {"zip": zip_code}))
    ordered = sorted(services, key=lambda service: service.miles)
    text = ""
    for words in (None, 0, 6, 5, 4, 3, 2):
        lines = [
            cat.text(
                lang,
                "referrals.sms.item" if service.phone else "referrals.sms.item_no_phone",
                {
                    "n": number,
                    "name": shortened_name(textable_name(service.name), words),
                    "phone": printed_phone(service.phone),
                    "miles": f"{service.miles:.0f}" if service.miles >= 10 else f"{service.miles:.1f}",
                },
            )
            for number, service in enumerate(ordered, start=1)
        ]
        text = " ".join([cat.text(lang, "referrals.sms.intro", {"zip": zip_code}), *lines])
        text = to_gsm(text + " " + cat.text(lang, "referrals.sms.footer"))
        if segments(text) <= MAX_SEGMENTS:
            return text
    return text


# Words a name can lose first and still say what and where the service is.
_SMALL_WORDS = frozenset(
    [
        "of",
        "the",
        "and",
        "for",
        "at",
        "in",
        "inc",
        "inc.",
        "llc",
        "co.",
        "corp.",
        "de",
        "del",
        "la",
        "las",
        "los",
        "el",
        "y",
        "para",
        "en",
        "a",
    ]
)


def shortened_name(name: str, words: int | None) -> str:
    """``name`` whole (``words`` None), without its small words (0), or its first ``words`` words of those."""
    if words is None:
        return name
    kept = [word for word in name.split() if word.lower().strip(",.") not in _SMALL_WORDS] or name.split()
    if words:
        kept = kept[:words]
    return " ".join(kept).strip(" ,-")
