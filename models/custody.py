"""Custody records: facilities, where each detained person is, and the append-only history.

The upstream feed is loaded by ``commands/custody.py`` (see docs/custody-feed.md);
the look-up that callers and texters use reads these tables through
``models.audit.LookupDesk`` (one long-lived connection per process, see the
style guide's "The hot path").
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

# The statuses the upstream feed uses, in the words staff use.
IN_CUSTODY = "in_custody"
RELEASED = "released"
REMOVED = "removed"
TRANSFERRED = "transferred"
NOT_IN_CUSTODY = "not_in_custody"
STATUSES = (IN_CUSTODY, RELEASED, REMOVED, TRANSFERRED, NOT_IN_CUSTODY)
# A transfer moves a person to another facility: they are still held there.
HELD_STATUSES = frozenset({IN_CUSTODY, TRANSFERRED})

_STATUS_WORDS = {
    "in custody": IN_CUSTODY,
    "in ice custody": IN_CUSTODY,
    "detained": IN_CUSTODY,
    "released": RELEASED,
    "removed": REMOVED,
    "deported": REMOVED,
    "transferred": TRANSFERRED,
    "not in custody": NOT_IN_CUSTODY,
    "not in ice custody": NOT_IN_CUSTODY,
}
# The optional ``case_status`` column: where the person's immigration case stands.
IN_PROCEEDINGS = "in_proceedings"
ORDERED_REMOVED = "ordered_removed"
APPEAL_PENDING = "appeal_pending"
CASE_REMOVED = "removed"
RELIEF_GRANTED = "relief_granted"
CASE_STATUSES = (IN_PROCEEDINGS, ORDERED_REMOVED, APPEAL_PENDING, CASE_REMOVED, RELIEF_GRANTED)
_CASE_STATUS_WORDS = {code.replace("_", " "): code for code in CASE_STATUSES}
# ASCII digits only: other scripts' digits (Arabic-Indic, full-width) are not an A-number.
_A_NUMBER = re.compile(r"[Aa]?[\s\-.]*(\d[\d\s\-.]*\d)", re.ASCII)


class Facility(Base):
    """A detention facility, keyed by the upstream system's facility code."""

    __tablename__ = "facilities"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))
    zip: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(32))
    field_office: Mapped[str | None] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustodyRecord(Base):
    """Where one detained person (by A-number) is, as of the last feed import."""

    __tablename__ = "custody_records"

    a_number: Mapped[str] = mapped_column(String(9), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # ISO 3166-1 alpha-2, the second identifier a caller must give.
    country_of_birth: Mapped[str] = mapped_column(String(2))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(24))
    facility_code: Mapped[str | None] = mapped_column(String(16))
    status_changed_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    batch: Mapped[str | None] = mapped_column(String(120))
    case_status: Mapped[str | None] = mapped_column(String(24))
    # T or U visa, VAWA self-petition: never disclosed or notified, answers like an unknown record
    # (docs/decisions/never-disclosed.md).
    protected: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CustodyEvent(Base):
    """One status or facility change of a custody record (append-only)."""

    __tablename__ = "custody_events"
    __table_args__ = (Index("ix_custody_events_a_number_at", "a_number", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    a_number: Mapped[str] = mapped_column(String(9))
    old_status: Mapped[str | None] = mapped_column(String(24))
    new_status: Mapped[str] = mapped_column(String(24))
    old_facility: Mapped[str | None] = mapped_column(String(16))
    new_facility: Mapped[str | None] = mapped_column(String(16))
    old_case_status: Mapped[str | None] = mapped_column(String(24))
    new_case_status: Mapped[str | None] = mapped_column(String(24))
    # When the status changed upstream, and which import told us.
    at: Mapped[datetime]
    batch: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


def normalize_a_number(value: str) -> str | None:
    """``A201345678``, ``201-345-678``, ``A 20134567`` → 9 digits (8 are zero-padded), else None."""
    # The common form first: a feed of a million rows passes through here.
    if len(value) == 10 and value[0] in "Aa" and value[1:].isdigit() and value.isascii():
        return value[1:]
    match = _A_NUMBER.fullmatch(value.strip())
    if match is None:
        return None
    digits = re.sub(r"\D", "", match[1], flags=re.ASCII)
    return digits.zfill(9) if len(digits) in (8, 9) else None


def normalize_status(value: str) -> str | None:
    """A feed status ("IN CUSTODY", "in_custody", "Deported") → one of STATUSES, else None."""
    words = " ".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
    return _STATUS_WORDS.get(words)


def normalize_case_status(value: str) -> str | None:
    """A feed case status ("IN PROCEEDINGS", "appeal_pending", "Relief-Granted") → one of CASE_STATUSES, else None."""
    words = " ".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
    return _CASE_STATUS_WORDS.get(words)
