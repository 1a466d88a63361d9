"""One registrations-per-phone limit, applied alike to a texter, a caller and an operator registering someone."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from config import NotificationSettings
from models import ApiToken, Operator, Registration
from tests.notifications.test_voice_registration import register_by_phone, to_notify

PHONE = "+12025550143"  # the caller ID the voice tests call from
LIMIT = 2


@pytest.fixture
def settings(settings, fake_twilio):
    from datetime import time as clock

    return settings.replace(
        twilio_api_base_url=fake_twilio.base_url,
        notifications=NotificationSettings(
            quiet_start=clock(0, 0), quiet_end=clock(0, 0), registrations_per_phone=LIMIT
        ),
    )


@pytest.fixture
def headers(app) -> dict[str, str]:
    with app.extensions["hotline"].database.session() as session:
        person = Operator(email="op@voice.test", name="Op", role="operator", phone="+12025550111")
        person.set_password("correct horse battery")
        session.add(person)
        session.flush()
        return {"Authorization": f"Bearer {ApiToken.issue(session, person)}"}


def live_count(app) -> int:
    with app.extensions["hotline"].database.session() as session:
        query = select(func.count()).where(Registration.phone == PHONE, Registration.status.in_(("pending", "active")))
        return session.scalar(query.select_from(Registration))


def fill_by_text(texter) -> None:
    sender = texter(PHONE)
    for a_number in ("209000101", "209000102"):
        assert sender.send(f"REGISTER A{a_number} MEXICO")[0].startswith("Reply YES")


def register_by_operator(client, headers, a_number: str):
    body = {"a_number": a_number, "country": "MX", "phone": PHONE, "channels": "voice", "pin": "2468"}
    return client.post("/api/registrations", json=body, headers=headers)


def test_a_texter_at_the_limit_is_told_so_and_nothing_is_added(app, texter) -> None:
    fill_by_text(texter)
    reply = texter(PHONE).send("REGISTER A209000103 MEXICO")[0]
    assert reply.startswith("This phone has as many registrations as we allow")
    assert live_count(app) == LIMIT


def test_a_caller_at_the_limit_hears_so_and_nothing_is_added(app, call, texter) -> None:
    fill_by_text(texter)
    caller = to_notify(call)
    register_by_phone(caller, "209000103", "1", "3")
    assert "already has as many registrations as we allow" in caller.last_heard()
    assert live_count(app) == LIMIT


def test_an_operator_cannot_register_past_the_limit(app, client, headers, texter) -> None:
    fill_by_text(texter)
    refused = register_by_operator(client, headers, "209000103")
    assert refused.status_code == 400
    assert "most one phone may have" in str(refused.get_json())
    assert live_count(app) == LIMIT


def test_an_operator_registration_counts_toward_the_texters_limit(app, client, headers, texter) -> None:
    for a_number in ("209000101", "209000102"):
        assert register_by_operator(client, headers, a_number).status_code == 201
    reply = texter(PHONE).send("REGISTER A209000103 MEXICO")[0]
    assert reply.startswith("This phone has as many registrations as we allow")
