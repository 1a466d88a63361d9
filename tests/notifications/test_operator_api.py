"""Operators: register a caller (recorded as such), see a registration and its attempts, end it; look up by name."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from config import NotificationSettings
from models import ApiToken, LookupAudit, Operator
from tests.notifications.conftest import changed_days_ago
from tests.notifications.test_delivery import deliver, released


@pytest.fixture
def settings(settings, fake_twilio):
    from datetime import time as clock

    return settings.replace(
        twilio_api_base_url=fake_twilio.base_url,
        notifications=NotificationSettings(quiet_start=clock(0, 0), quiet_end=clock(0, 0)),
    )


def answer_the_code(texter, fake_twilio, registration_id: int, phone: str) -> None:
    """The number an operator entered sends back the code it was texted (only then is it called)."""
    import re

    from workers.notify import send_code

    assert send_code(registration_id) == "sent"
    body = [m.value("Body") for m in fake_twilio.messages() if m.value("To") == phone][-1]
    texter(phone).send(f"YES {re.search(r'[0-9]{6}', body)[0]}")


@pytest.fixture
def operator(app) -> tuple[int, dict[str, str]]:
    with app.extensions["hotline"].database.session() as session:
        person = Operator(email="op@voice.test", name="Op", role="operator", phone="+12025550111")
        person.set_password("correct horse battery")
        session.add(person)
        session.flush()
        token = ApiToken.issue(session, person)
        return person.id, {"Authorization": f"Bearer {token}"}


def test_an_operator_registers_a_caller_who_is_then_called_and_the_attempts_show(
    app, client, operator, feed, fake_twilio, texter
) -> None:
    operator_id, headers = operator
    feed([f"A209000091,Ana,Vega,Mexico,1980-01-01,in custody,DEMOELP,{changed_days_ago(3)}"])
    created = client.post(
        "/api/registrations",
        json={
            "a_number": "A209000091",
            "country": "Mexico",
            "phone": "(202) 555-0143",
            "channels": "voice",
            "pin": "2468",
        },
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    registration = created.get_json()
    assert (registration["source"], registration["operator_id"], registration["status"]) == (
        "operator",
        operator_id,
        "pending",
    )
    assert "pin" not in str(registration).lower().replace("pin_", "")
    # An entered number, even for calls alone, is called only once its code came back from it.
    feed([released("209000090")], protected=True)
    assert deliver(app)[1].placed == 0
    answer_the_code(texter, fake_twilio, registration["id"], "+12025550143")
    feed([released("209000091")], protected=True)
    _, calls = deliver(app)
    assert calls.placed == 1
    detail = client.get(f"/api/registrations/{registration['id']}", headers=headers).get_json()
    (notification,) = detail["notifications"]
    assert notification["kind"] == "released" and notification["voice_state"] == "calling"
    assert [a["sid"] for a in notification["attempts"]] == calls.sids
    ended = client.post(f"/api/registrations/{registration['id']}/end", headers=headers).get_json()
    assert ended["status"] == "cancelled" and ended["ended_by"] == f"operator {operator_id}"
    listed = client.get("/api/registrations?a_number=209000091", headers=headers).get_json()
    assert [r["id"] for r in listed["registrations"]] == [registration["id"]]


def test_an_operator_registering_texts_sends_only_the_code_first(app, client, operator, fake_twilio, texter) -> None:
    _, headers = operator
    created = client.post(
        "/api/registrations",
        json={"a_number": "201345678", "country": "MX", "phone": "+13055550144", "channels": "sms", "language": "es"},
        headers=headers,
    ).get_json()
    assert created["status"] == "pending"
    from workers.notify import send_code

    assert send_code(created["id"]) == "sent"
    (code_text,) = fake_twilio.messages()
    code = code_text.value("Body").split()[2]
    assert code_text.value("Body") == f"Responda SI {code} para recibir mensajes de este servicio."
    assert texter("+13055550144").send(f"SI {code}")[0].startswith("Registro confirmado")
    detail = client.get(f"/api/registrations/{created['id']}", headers=headers).get_json()
    assert detail["status"] == "active"


def test_a_code_text_whose_answer_was_lost_is_found_at_twilio_and_its_code_still_works(
    app, client, operator, fake_twilio, texter
) -> None:
    from workers.deliveries import DeliveryUnsettled
    from workers.notify import send_code

    _, headers = operator
    created = client.post(
        "/api/registrations",
        json={"a_number": "201345679", "country": "MX", "phone": "+13055550145", "channels": "sms", "language": "en"},
        headers=headers,
    ).get_json()

    fake_twilio.lose_answers = 1
    with pytest.raises(DeliveryUnsettled):
        send_code(created["id"])
    assert send_code(created["id"]) == "sent"  # rq's retry
    (code_text,) = fake_twilio.messages()
    code = code_text.value("Body").split()[2]
    assert texter("+13055550145").send(f"YES {code}")[0]
    detail = client.get(f"/api/registrations/{created['id']}", headers=headers).get_json()
    assert detail["status"] == "active"


def test_the_look_up_by_name_is_exact_withholds_minors_and_is_audited(app, client, operator, feed) -> None:
    _, headers = operator
    feed(
        [
            f"A209000092,Rosa,Flores,Guatemala,1980-01-01,in custody,DEMOELP,{changed_days_ago(3)}",
            f"A209000093,Rosa,Flores,Guatemala,2013-01-01,in custody,DEMOELP,{changed_days_ago(3)}",
            f"A209000094,Rosa,Floresta,Guatemala,1980-01-01,in custody,DEMOELP,{changed_days_ago(3)}",
        ]
    )
    found = client.post(
        "/api/custody/by-name",
        json={"first_name": "rosa", "last_name": "FLORES", "country": "Guatemala"},
        headers=headers,
    ).get_json()
    assert [r["a_number"] for r in found["records"]] == ["209000092"]
    none = client.post(
        "/api/custody/by-name",
        json={"first_name": "Rosa", "last_name": "Flores", "country": "GT", "date_of_birth": "2013-01-01"},
        headers=headers,
    ).get_json()
    assert none["records"] == []
    with app.extensions["hotline"].database.session() as session:
        audits = session.scalars(select(LookupAudit).order_by(LookupAudit.id)).all()
    assert [(a.channel, a.result) for a in audits] == [("operator", "disclosed"), ("operator", "not_disclosed")]
    assert client.post("/api/custody/by-name", json={"first_name": "Rosa"}, headers=headers).status_code == 400


def test_the_dashboard_shows_a_registration_with_its_attempts_and_can_end_it(
    app, client, operator, feed, fake_twilio, texter
) -> None:
    from tests.operators.conftest import csrf_from, log_in

    _, headers = operator
    feed([f"A209000095,Ana,Vega,Mexico,1980-01-01,in custody,DEMOELP,{changed_days_ago(3)}"])
    created = client.post(
        "/api/registrations",
        json={"a_number": "209000095", "country": "MX", "phone": "+12025550143", "channels": "voice", "pin": "1357"},
        headers=headers,
    ).get_json()
    answer_the_code(texter, fake_twilio, created["id"], "+12025550143")
    feed([released("209000095")], protected=True)
    _, calls = deliver(app)
    assert log_in(client, "op@voice.test").status_code == 302
    found = client.get("/ops/registrations/?q=A209000095").get_data(as_text=True)
    assert created["reference"] in found
    page = client.get(f"/ops/registrations/{created['id']}").get_data(as_text=True)
    assert calls.sids[0] in page and "released on" in page and "calling" in page
    ended = client.post(f"/ops/registrations/{created['id']}/end", data={"csrf_token": csrf_from(page)})
    assert ended.status_code == 302
    assert 'data-status="cancelled"' in client.get(f"/ops/registrations/{created['id']}").get_data(as_text=True)


def test_an_operator_registers_a_caller_from_the_dashboard(app, client, operator) -> None:
    from tests.operators.conftest import csrf_from, log_in

    operator_id, _ = operator
    log_in(client, "op@voice.test")
    page = client.get("/ops/registrations/").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "a_number": "201-345-678", "country": "Mexico", "phone": "2025550143"}
    refused = client.post("/ops/registrations/new", data={**form, "channels": "voice"}, follow_redirects=True)
    assert "needs a 4-digit pin" in refused.get_data(as_text=True)
    stored = client.post(
        "/ops/registrations/new",
        data={**form, "channels": "voice", "pin": "2468", "language": "es"},
        follow_redirects=True,
    )
    html = stored.get_data(as_text=True)
    # An entered number waits for its code, for calls as for texts.
    assert "stored" in html and f"(operator {operator_id})" in html and 'data-status="pending"' in html
