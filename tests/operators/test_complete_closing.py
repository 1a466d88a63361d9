"""Closing a claim (one statement on PostgreSQL): the request, its attempt and its history
end up exactly as the general path leaves them, on both databases."""

from __future__ import annotations

import pytest

from models import CallbackAttempt, CallbackRequest, claims
from models.base import utcnow


def test_closing_finishes_the_open_attempt_instead_of_adding_one(database, make_operator, add_request) -> None:
    request_id = add_request()
    operator, _ = make_operator()
    now = utcnow()
    with database.session() as session:
        claims.claim_next(session, operator, now)
        # The hotline dialled the caller: an attempt without a disposition yet.
        session.add(CallbackAttempt(request_id=request_id, operator_id=operator.id, started_at=now, call_sid="CA1"))
    with database.session() as session:
        item = claims.complete(session, request_id, operator, now, "reached", "spoke with caller")
        assert (item.status, item.disposition, item.attempts, item.lease_expires_at) == ("closed", "reached", 1, None)
    with database.session() as session:
        (attempt,) = claims.attempts(session, request_id)
        assert (attempt.call_sid, attempt.disposition, attempt.notes) == ("CA1", "reached", "spoke with caller")
        assert attempt.ended_at is not None
        request = session.get(CallbackRequest, request_id)
        assert request.status == "closed" and request.closed_at is not None


def test_closing_without_a_dial_records_one_attempt_and_the_history(database, make_operator, add_request) -> None:
    request_id = add_request()
    operator, _ = make_operator()
    now = utcnow()
    with database.session() as session:
        claims.claim_next(session, operator, now)
    with database.session() as session:
        claims.complete(session, request_id, operator, now, "resolved")
    with database.session() as session:
        (attempt,) = claims.attempts(session, request_id)
        assert (attempt.operator_id, attempt.disposition, attempt.notes) == (operator.id, "resolved", None)
        rows = claims.history(session, request_id)
        assert [(r.event, r.to_status, r.detail) for r in rows][-1] == ("completed", "closed", "resolved")


def test_a_supervisor_may_close_anyones_claim_and_others_change_nothing(database, make_operator, add_request) -> None:
    request_id = add_request()
    owner, _ = make_operator()
    intruder, _ = make_operator()
    supervisor, _ = make_operator(role="supervisor")
    now = utcnow()
    with database.session() as session:
        claims.claim_next(session, owner, now)
    with database.session() as session, pytest.raises(claims.ClaimError, match="not claimed by you"):
        claims.complete(session, request_id, intruder, now, "resolved")
    with database.session() as session, pytest.raises(claims.ClaimError, match="no such request"):
        claims.complete(session, request_id + 1000, owner, now, "resolved")
    with database.session() as session:
        assert session.get(CallbackRequest, request_id).status == "claimed"
        assert claims.attempts(session, request_id) == []
    with database.session() as session:
        assert claims.complete(session, request_id, supervisor, now, "referred").status == "closed"
    with database.session() as session, pytest.raises(claims.ClaimError):
        claims.complete(session, request_id, owner, now, "resolved")
