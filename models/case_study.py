"""Case studies: a short anonymised summary of a completed callback request, for the quarterly report.

An operator proposes one; a supervisor other than the author approves it; only approved
ones appear in a report. A summary that contains a person's name or anything shaped like a
phone number, an A-number, an e-mail address, a date of birth or a street address is
refused before it is stored, so such text never rests in the table. The shapes are looked
for in the text as written and as read aloud: number words in English and Spanish become
digits, any script's digits become ASCII, "at"/"dot" become "@"/".", and "/" separates digit
groups like "-" does.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache

from sqlalchemy import ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from models.base import Base
from models.callback import CallbackRequest
from models.claims import CLOSED

PROPOSED, APPROVED = "proposed", "approved"
MAX_SUMMARY = 1200
MIN_SUMMARY = 40

_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|"
    "september|october|november|december|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|"
    "octubre|noviembre|diciembre"
)
_STREET_WORDS = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|way|terrace|parkway|pkwy|"
    "highway|hwy|calle|avenida|camino|apt|apartment|suite|unit"
)
# What a summary must not contain, each with the reason the operator is shown.
IDENTIFYING = (
    ("an e-mail address", re.compile(r"[\w.+-]+\s*(@|\(at\)|\[at\])\s*[\w-]+(\.[\w-]+)+", re.I)),
    (
        "an e-mail address",
        re.compile(
            r"\b(gmail|hotmail|yahoo|outlook|icloud|aol|protonmail|live\.com)\b|\.\s*(com|org|net|edu|gov|mx)\b", re.I
        ),
    ),
    (
        "an A-number",
        re.compile(
            r"\bA\s*-?\s*#?\s*\d{3}[\s/.-]?\d{3}[\s/.-]?\d{2,3}\b|\b\d{8,9}\b|\bA[\s#-]*(\d[\s/.-]*){8,9}(?!\d)", re.I
        ),
    ),
    ("a phone number", re.compile(r"(\+?\d[\s./()-]*){7,}")),
    (
        "a date of birth",
        re.compile(
            r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b"
            rf"|\b({_MONTHS})\.?\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{2,4}}\b"
            rf"|\b\d{{1,2}}\s+(de\s+)?({_MONTHS})\.?,?\s+(de\s+)?\d{{2,4}}\b"
            r"|\b(born|dob|d\.o\.b\.?|birth\s*date|date of birth|nacid[oa]|fecha de nacimiento)\b",
            re.I,
        ),
    ),
    (
        "a street address",
        re.compile(
            rf"\b\d{{1,6}}\s+([A-Za-z0-9.'-]+\s+){{0,4}}({_STREET_WORDS})\b\.?"
            rf"|\b({_STREET_WORDS})\s+#?\d+|\bP\.?\s*O\.?\s*Box\b|\b\d{{5}}(-\d{{4}})?\b",
            re.I,
        ),
    ),
)


# Number words, English and Spanish, as the digits they stand for.
_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
    "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90",
    "hundred": "100", "cero": "0", "uno": "1", "una": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5",
    "seis": "6", "siete": "7", "ocho": "8", "nueve": "9", "diez": "10", "once": "11", "doce": "12",
    "trece": "13", "catorce": "14", "quince": "15", "dieciseis": "16", "diecisiete": "17", "dieciocho": "18",
    "diecinueve": "19", "veinte": "20", "treinta": "30", "cuarenta": "40", "cincuenta": "50", "sesenta": "60",
    "setenta": "70", "ochenta": "80", "noventa": "90", "cien": "100",
}  # fmt: skip
_NUMBER_WORD = re.compile(r"\b(" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b", re.I)
# "maria dot lopez at gmail dot com", "arroba", "punto".
_SPOKEN_AT = re.compile(r"\s+(?:at|arroba)\s+(?=[\w-]+\s*(?:\.|\bdot\b|\bpunto\b))", re.I)
_SPOKEN_DOT = re.compile(r"\s+(?:dot|punto)\s+", re.I)
# "Ms. Lopez", "Sra. Hernández": a title before a capitalised word is a name.
_TITLED = re.compile(r"\b(?i:mr|mrs|ms|miss|dr|sr|sra|srta|don|doña|señor|señora)\.?\s+[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+")
_WORD = re.compile(r"[A-Za-zÁÉÍÓÚÑáéíóúñü'’]+")
# Capitalised words that are given names in the census lists but ordinary words in a summary.
_NOT_NAMES = frozenset(
    {
        "april",
        "may",
        "june",
        "august",
        "january",
        "march",
        "grace",
        "hope",
        "joy",
        "faith",
        "will",
        "mark",
        "bill",
        "rose",
        "summer",
        "autumn",
        "dawn",
        "christian",
        "page",
        "sunny",
        "star",
        "crystal",
        "ivy",
        "iris",
        "destiny",
        "justice",
        "liberty",
        "charity",
        "honor",
        "precious",
        "la",
        "el",
        "los",
        "las",
        "de",
        "del",
        "san",
        "santa",
    }
)


@lru_cache(maxsize=1)
def _names() -> tuple[frozenset[str], frozenset[str]]:
    """Given names and surnames (US census frequency lists shipped in zxcvbn), lower case, accents dropped."""
    given = frozenset(FREQUENCY_LISTS["female_names"]) | frozenset(FREQUENCY_LISTS["male_names"])
    return given - _NOT_NAMES, frozenset(FREQUENCY_LISTS["surnames"]) - _NOT_NAMES


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def _names_a_person(text: str) -> bool:
    """A given name followed by a capitalised word ("Maria Lopez"), a given name or surname in capitals
    mid-sentence ("... said Lopez"), or a title before a capitalised word ("Sra. Hernández")."""
    if _TITLED.search(text):
        return True
    given, surnames = _names()
    words = [(m.group(), m.start()) for m in _WORD.finditer(text)]
    for index, (word, start) in enumerate(words):
        if not word[0].isupper() or len(word) < 3:
            continue
        plain = _plain(word)
        following = words[index + 1][0] if index + 1 < len(words) else ""
        if plain in given and following[:1].isupper() and _plain(following) in surnames:
            return True
        sentence_start = start == 0 or text[:start].rstrip()[-1:] in ".!?;:"
        if not sentence_start and (plain in given or plain in surnames) and word != word.upper():
            return True
    return False


def spelled_out(text: str) -> str:
    """``text`` as a reader would take it: any script's digits as ASCII, number words as digits,
    spoken "at"/"dot" as "@"/"." (so "two zero two", "٢٠٢" and "maria dot lopez at gmail dot com"
    are seen for what they are)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text)
    text = _NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[_plain(m.group())], _plain_accents(text))
    text = _SPOKEN_DOT.sub(".", text)
    return _SPOKEN_AT.sub("@", text)


def _plain_accents(text: str) -> str:
    # "dieciséis" is "dieciseis" to the number words; letters keep their case.
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class SummaryRefused(ValueError):
    """The summary may identify someone (or is too short or long); ``reasons`` say why."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class CaseStudyError(Exception):
    """The request cannot be a case study (not completed), or the case study cannot be approved."""


def check_summary(summary: str) -> str:
    """The summary, stripped, or SummaryRefused naming what looks identifying."""
    text = " ".join(summary.split())
    reasons = []
    if len(text) < MIN_SUMMARY:
        reasons.append(f"a summary needs at least {MIN_SUMMARY} characters")
    if len(text) > MAX_SUMMARY:
        reasons.append(f"a summary has at most {MAX_SUMMARY} characters")
    readings = (text, spelled_out(text))
    found = [what for what, pattern in IDENTIFYING if any(pattern.search(reading) for reading in readings)]
    if _names_a_person(text):
        found.insert(0, "a name")
    reasons += [f"it looks like it contains {what}" for what in dict.fromkeys(found)]
    if reasons:
        raise SummaryRefused(reasons)
    return text


class CaseStudy(Base):
    """An anonymised summary of one completed request, proposed by an operator and approved by a supervisor."""

    __tablename__ = "case_studies"
    __table_args__ = (Index("ix_case_studies_status_request", "status", "request_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("callback_requests.id", ondelete="CASCADE"), unique=True)
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PROPOSED)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]

    @staticmethod
    def propose(session: Session, request_id: int, summary: str, operator_id: int, now: datetime) -> CaseStudy:
        """Mark a completed request as a case study (or replace its summary, which needs approval again)."""
        text = check_summary(summary)
        request = session.get(CallbackRequest, request_id)
        if request is None or request.status != CLOSED:
            raise CaseStudyError("only a completed request can be a case study")
        study = session.scalars(select(CaseStudy).where(CaseStudy.request_id == request_id)).first()
        if study is None:
            study = CaseStudy(request_id=request_id)
            session.add(study)
        study.summary, study.status, study.proposed_by_id, study.proposed_at = text, PROPOSED, operator_id, now
        study.approved_by_id = study.approved_at = None
        session.flush()
        return study

    def approve(self, supervisor_id: int, now: datetime) -> None:
        """A supervisor's approval: the summary may now appear in reports (checked once more)."""
        check_summary(self.summary)
        if self.proposed_by_id == supervisor_id:
            raise CaseStudyError("a case study is approved by someone other than who wrote it")
        self.status, self.approved_by_id, self.approved_at = APPROVED, supervisor_id, now

    @staticmethod
    def pending(session: Session) -> list[CaseStudy]:
        """Case studies waiting for approval, oldest first."""
        query = select(CaseStudy).where(CaseStudy.status == PROPOSED).order_by(CaseStudy.proposed_at, CaseStudy.id)
        return list(session.scalars(query))

    @staticmethod
    def approved_between(session: Session, start: datetime, end: datetime) -> list[str]:
        """The approved summaries of requests closed in [start, end), oldest first (text only)."""
        query = (
            select(CaseStudy.summary)
            .join(CallbackRequest, CallbackRequest.id == CaseStudy.request_id)
            .where(CaseStudy.status == APPROVED, CallbackRequest.closed_at >= start, CallbackRequest.closed_at < end)
            .order_by(CallbackRequest.closed_at, CaseStudy.id)
        )
        return list(session.scalars(query))
