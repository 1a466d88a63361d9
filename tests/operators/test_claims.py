"""Queue semantics: order, one claim per operator, filters, leases, retries, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from config import parse_business_hours
from models import CallbackRequest, claims
from models.base import utcnow
from models.claims import RetryPolicy
from workers import queue as queue_jobs


def claim(database, operator, **filters):
    with database.session() as session:
        item = claims.claim_next(session, operator, utcnow(), **filters)
        return None if item is None else item.id


def test_claims_come_urgent_first_then_by_priority_then_oldest(database, make_operator, add_request) -> None:
    old_plain = add_request(minutes_ago=60)
    new_urgent = add_request(minutes_ago=1, urgent=True)
    old_urgent = add_request(minutes_ago=30, urgent=True)
    high_priority = add_request(minutes_ago=5, priority=2)
    order = []
    for _ in range(4):
        operator, _token = make_operator()
        order.append(claim(database, operator))
    assert order == [old_urgent, new_urgent, high_priority, old_plain]


def test_an_operator_holding_a_claim_gets_it_back_not_a_second_one(database, make_operator, add_request) -> None:
    first = add_request(minutes_ago=20)
    add_request(minutes_ago=10)
    operator, _ = make_operator()
    assert claim(database, operator) == first
    assert claim(database, operator) == first
    with database.session() as session:
        assert session.get(CallbackRequest, first).claimed_by_id == operator.id
        assert len(claims.queue(session, status=claims.CLAIMED)) == 1


def test_claims_filter_by_language_and_field_office(database, make_operator, add_request) -> None:
    add_request(minutes_ago=30, language="en", field_office="NYC")
    spanish_miami = add_request(minutes_ago=5, language="es", field_office="MIA")
    add_request(minutes_ago=50, language="es", field_office="NYC")
    operator, _ = make_operator()
    assert claim(database, operator, language="es", office="MIA") == spanish_miami
    other, _ = make_operator()
    assert claim(database, other, language="fr") is None


def test_an_empty_queue_gives_nothing(database, make_operator) -> None:
    operator, _ = make_operator()
    assert claim(database, operator) is None


def test_an_expired_lease_returns_the_request_to_the_queue(database, make_operator, add_request) -> None:
    request_id = add_request()
    operator, _ = make_operator()
    with database.session() as session:
        claims.claim_next(session, operator, utcnow() - timedelta(seconds=1000), lease_seconds=900)
    assert queue_jobs.expire_leases() == 1
    assert queue_jobs.expire_leases() == 0
    other, _ = make_operator()
    assert claim(database, other) == request_id
    with database.session() as session:
        events = [h.event for h in claims.history(session, request_id)]
    assert events == ["claimed", "lease_expired", "claimed"]


def test_no_answer_is_retried_later_then_closed_as_unreachable(database, make_operator, add_request) -> None:
    request_id = add_request()
    operator, _ = make_operator()
    policy = RetryPolicy(max_attempts=2, retry_minutes=30, calling_hours=None)
    now = utcnow()
    with database.session() as session:
        claims.claim_next(session, operator, now)
        item = claims.complete(session, request_id, operator, now, "no_answer", "rang out", policy)
        assert item.status == claims.OPEN
        assert item.next_attempt_at == now + timedelta(minutes=30)
    # Not claimable until the retry time.
    assert claim(database, operator) is None
    later = now + timedelta(minutes=31)
    with database.session() as session:
        assert claims.claim_next(session, operator, later).id == request_id
        item = claims.complete(session, request_id, operator, later, "no_answer", "", policy)
        assert (item.status, item.disposition, item.attempts) == ("closed", "closed_unreachable", 2)
        events = [h.event for h in claims.history(session, request_id)]
        assert len(claims.attempts(session, request_id)) == 2
    assert events == ["claimed", "completed", "retry_scheduled", "claimed", "completed", "closed_unreachable"]


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 11, 25, 10, 0), datetime(2026, 11, 25, 10, 0)),  # inside hours: unchanged
        (datetime(2026, 11, 25, 21, 30), datetime(2026, 11, 26, 9, 0)),  # after closing: next morning
        (datetime(2026, 11, 25, 7, 0), datetime(2026, 11, 25, 9, 0)),  # before opening: same morning
        (datetime(2026, 11, 27, 19, 0), datetime(2026, 11, 30, 9, 0)),  # friday evening: monday
    ],
)
def test_retries_fall_inside_calling_hours(local: datetime, expected: datetime) -> None:
    tz = ZoneInfo("America/New_York")
    hours = parse_business_hours("mon-fri 09:00-18:00")
    got = RetryPolicy(calling_hours=hours, timezone=tz.key).next_allowed(local.replace(tzinfo=tz).astimezone(UTC))
    assert got.astimezone(tz).replace(tzinfo=None) == expected


def test_retry_backoff_doubles_per_attempt() -> None:
    policy = RetryPolicy(retry_minutes=60, calling_hours=parse_business_hours("mon-sun 00:00-24:00"))
    start = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    assert [policy.next_attempt(start, n) - start for n in (1, 2, 3)] == [timedelta(hours=h) for h in (1, 2, 4)]


def test_completing_or_releasing_needs_your_own_claim(database, make_operator, add_request) -> None:
    request_id = add_request()
    owner, _ = make_operator()
    intruder, _ = make_operator()
    supervisor, _ = make_operator(role="supervisor")
    now = utcnow()
    with database.session() as session:
        claims.claim_next(session, owner, now)
    with database.session() as session, pytest.raises(claims.ClaimError):
        claims.complete(session, request_id, intruder, now, "reached")
    with database.session() as session, pytest.raises(claims.ClaimError):
        claims.release(session, request_id, intruder, now)
    with database.session() as session:
        assert claims.release(session, request_id, supervisor, now).status == claims.OPEN


def test_every_state_change_and_note_is_in_the_history(database, make_operator, add_request) -> None:
    request_id = add_request()
    operator, _ = make_operator()
    now = utcnow()
    with database.session() as session:
        claims.claim_next(session, operator, now)
        claims.release(session, request_id, operator, now)
        claims.claim_next(session, operator, now)
        claims.add_note(session, request_id, operator, now, "caller prefers afternoons")
        claims.complete(session, request_id, operator, now, "referred", "legal aid")
    with database.session() as session:
        rows = claims.history(session, request_id)
    assert [(r.event, r.from_status, r.to_status) for r in rows] == [
        ("claimed", "open", "claimed"),
        ("released", "claimed", "open"),
        ("claimed", "open", "claimed"),
        ("note", "claimed", "claimed"),
        ("completed", "claimed", "closed"),
    ]
    assert rows[-1].detail == "referred: legal aid"


def test_stats_count_depth_progress_and_completions(database, make_operator, add_request) -> None:
    add_request(minutes_ago=45)
    add_request(minutes_ago=5)
    done = add_request(minutes_ago=3)
    operator, _ = make_operator()
    now = utcnow()
    with database.session() as session:
        claims.claim_next(session, operator, now)
    with database.session() as session:
        # Finish a request another way: claim through a second operator.
        other, _ = make_operator()
        claims.claim_next(session, other, now)
    with database.session() as session:
        held = claims.held_by(session, other).id
        claims.complete(session, held, other, now, "resolved")
        numbers = claims.stats(session, now, ZoneInfo("America/New_York"))
    assert numbers["queue_depth"] == 1
    assert numbers["claims_in_progress"] == 1
    assert numbers["completed_last_hour"] == 1
    assert numbers["oldest_wait_seconds"] >= 2 * 60 and done
    assert numbers["last_days"][-1]["completed"] == 1
    assert len(numbers["last_days"]) == 7
