"""Who sees a caller's full number: the operator who holds the request, audited.

Everywhere else (the queue, other operators' claims, history, a closed request) a number
shows as its last four digits. Each time the full number is shown, a ``number_reads`` row
records who saw which request's number, when and where.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from callflows.masking import mask_a_number, mask_phone
from models import claims
from models.callback import CallbackRequest
from models.number_reads import NumberRead
from models.operator import Operator
from models.registration import Registration

PENDING = "number_reads_pending"


def holds(item: CallbackRequest, operator: Operator) -> bool:
    """True while ``operator`` holds the claim on ``item``."""
    return item.status == claims.CLAIMED and item.claimed_by_id == operator.id


def shown_phone(session: Session, item: CallbackRequest, operator: Operator, channel: str, now: datetime) -> str:
    """The number as ``operator`` may see it; a full number shown is audited (commit with the request)."""
    if holds(item, operator):
        NumberRead.record(session, operator.id, item.id, channel, now)
        session.info[PENDING] = True
        return item.phone
    return mask_phone(item.phone)


def commit_reads(session: Session) -> None:
    """Commit the audit rows of numbers shown in this request (views commit their own changes first)."""
    if session.info.pop(PENDING, False):
        session.commit()


def holds_registration(item: Registration, operator: Operator) -> bool:
    """True for the operator who registered the caller, and for supervisors (who review registrations)."""
    return operator.is_supervisor or (item.operator_id is not None and item.operator_id == operator.id)


def shown_registration_numbers(
    session: Session, item: Registration, operator: Operator, channel: str, now: datetime
) -> tuple[str, str]:
    """The registration's phone and A-number as ``operator`` may see them; a full read is audited."""
    if holds_registration(item, operator):
        NumberRead.record_registration(session, operator.id, item.id, channel, now)
        session.info[PENDING] = True
        return item.phone, item.a_number
    return mask_phone(item.phone), mask_a_number(item.a_number)
