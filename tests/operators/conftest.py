"""Fixtures for the operators' side: accounts, tokens, requests, a logged-in browser client."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from config import Settings
from models import ApiToken, CallbackRequest, Operator
from models.base import Database, utcnow

SUPERVISOR_PHONE = "+12025550199"


@pytest.fixture
def settings(settings: Settings, fake_twilio) -> Settings:
    """The suite's settings with the REST client pointed at the fake Twilio and a supervisor to alert."""
    return settings.replace(twilio_api_base_url=fake_twilio.base_url, supervisor_numbers=(SUPERVISOR_PHONE,))


@pytest.fixture
def database(app) -> Database:
    """The app's database."""
    return app.extensions["hotline"].database


@pytest.fixture
def make_operator(database: Database) -> Callable[..., tuple[Operator, str]]:
    """Create an operator; returns it and a fresh API token."""
    counter = iter(range(1, 1000))

    def make(
        email: str | None = None, role: str = "operator", password: str = "correct horse battery", phone: str = ""
    ) -> tuple[Operator, str]:
        number = next(counter)
        with database.session() as session:
            operator = Operator(
                email=email or f"op{number}@voice.test",
                name=f"Operator {number}",
                role=role,
                phone=phone or f"+1202555{1100 + number:04d}",
            )
            operator.set_password(password)
            session.add(operator)
            session.flush()
            token = ApiToken.issue(session, operator)
        return operator, token

    return make


@pytest.fixture
def add_request(database: Database) -> Callable[..., int]:
    """Queue a callback request; returns its id."""
    counter = iter(range(1, 10000))

    def add(minutes_ago: float = 10, **values: Any) -> int:
        now = utcnow()
        values.setdefault("phone", f"+1202555{next(counter):04d}")
        values.setdefault("language", "en")
        with database.session() as session:
            request = CallbackRequest(created_at=now - timedelta(minutes=minutes_ago), updated_at=now, **values)
            session.add(request)
            session.flush()
            return request.id

    return add


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for an API token."""
    return {"Authorization": f"Bearer {token}"}


def csrf_from(html: str) -> str:
    """The CSRF token a page's form carries."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match[1]


def log_in(client, email: str, password: str = "correct horse battery"):
    """Log in through the form, as a browser does; returns the response."""
    page = client.get("/ops/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/ops/login", data={"email": email, "password": password, "csrf_token": token})
