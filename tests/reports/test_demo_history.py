"""`flask report demo` writes closed history only, up to now, and keeps away from a database with real traffic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from models.audit import LookupAudit
from models.call import CallEvent, CallSession
from models.callback import CallbackRequest
from models.claims import CallbackAttempt
from models.live_queue import WAITING, QueuedCall
from models.notification import Notification
from models.registration import LIVE, Registration

DEMO = ["report", "demo", "--events", "600", "--requests", "60"]


def current_quarter() -> str:
    today = datetime.now(UTC).date()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def test_the_demo_writes_closed_history_and_nothing_after_now(runner, database) -> None:
    before = datetime.now(UTC)
    result = runner.invoke(args=[*DEMO, "--quarter", current_quarter()])
    assert result.exit_code == 0, result.output
    after = datetime.now(UTC) + timedelta(seconds=1)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(CallbackRequest)) > 0
        # Nothing an operator would see as live work.
        assert session.scalar(select(func.count()).where(CallbackRequest.status != "closed")) == 0
        assert session.scalar(select(func.count()).where(QueuedCall.status == WAITING)) == 0
        assert session.scalar(select(func.count()).where(Registration.status.in_(LIVE))) == 0
        assert session.scalar(select(func.count()).where(Notification.sms_state == "due")) == 0
        assert session.scalar(select(func.count()).where(Notification.voice_state == "due")) == 0
        # Nothing dated after the command ran: no negative waits on any page.
        latest = [
            session.scalar(select(func.max(column)))
            for column in (
                CallbackRequest.created_at, CallbackRequest.closed_at, CallbackAttempt.started_at,
                CallbackAttempt.ended_at, CallEvent.at, CallSession.started_at, QueuedCall.enqueued_at,
                QueuedCall.left_at, QueuedCall.connected_at, LookupAudit.at, Registration.created_at,
                Registration.ended_at, Notification.acknowledged_at,
            )
        ]  # fmt: skip
    for value in latest:
        if value is not None:
            value = value if value.tzinfo else value.replace(tzinfo=UTC)
            assert value <= after, (value, before)


def test_the_demo_refuses_a_database_with_real_traffic_unless_forced(runner, database, add_request) -> None:
    add_request(phone="+12125559876")
    refused = runner.invoke(args=[*DEMO, "--quarter", current_quarter()])
    assert refused.exit_code != 0
    assert "real traffic" in refused.output and "--force" in refused.output
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(CallbackRequest)) == 1
    forced = runner.invoke(args=[*DEMO, "--quarter", current_quarter(), "--force"])
    assert forced.exit_code == 0, forced.output
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(CallbackRequest)) > 1


def test_the_demo_runs_again_on_its_own_history(runner) -> None:
    assert runner.invoke(args=[*DEMO, "--quarter", current_quarter()]).exit_code == 0
    again = runner.invoke(args=[*DEMO, "--quarter", current_quarter()])
    assert again.exit_code == 0, again.output


def test_the_demo_refuses_a_future_quarter(runner) -> None:
    result = runner.invoke(args=[*DEMO, "--quarter", f"{datetime.now(UTC).year + 2}Q1"])
    assert result.exit_code != 0 and "future" in result.output
