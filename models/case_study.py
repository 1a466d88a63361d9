"""Case studies: a short anonymised summary of a completed callback request, for the quarterly report.

An operator proposes one; a supervisor approves it; only approved ones appear in
a report. A summary that contains anything shaped like a phone number, an
A-number, an e-mail address, a date of birth or a street address is refused
before it is stored, so such text never rests in the table.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

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
    ("an A-number", re.compile(r"\bA\s*-?\s*#?\s*\d{3}[\s-]?\d{3}[\s-]?\d{2,3}\b|\b\d{8,9}\b", re.I)),
    ("a phone number", re.compile(r"(\+?\d[\s.()-]*){7,}")),
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
    reasons += [f"it looks like it contains {what}" for what, pattern in IDENTIFYING if pattern.search(text)]
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
