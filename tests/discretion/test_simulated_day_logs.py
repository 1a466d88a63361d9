"""A full simulated day with every log captured: no phone number and no A-number in any line.

Calls and texts walk the hotline as callers do (callback requests by caller ID and by a typed
number, a custody look-up by voice and by text, help near you texted, a notification registration
for a typed number, the live queue left for a call back); operators work the queue through the API
and search the dashboard; the rq worker runs every job the day queued. Every line of the app's
loggers and rq's, formatted as production formats them, and every access line gunicorn would
write, is then searched for the numbers used.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import time as clock
from datetime import timedelta
from types import SimpleNamespace

import pytest
from rq import SimpleWorker

import workers
from config import NotificationSettings
from config.logs import JsonFormatter
from models import OutboxMessage
from tests.custody.conftest import DEMO_A_NUMBER
from tests.discretion.test_verified_numbers import register_typed_number_by_call
from tests.e2e.conftest import choose
from tests.e2e.test_callback_requests import at_message_offer
from tests.e2e.test_callback_safety import typed_request
from tests.operators.conftest import bearer, log_in
from tests.operators.test_confirmations import SAFE_TO_TEXT
from tests.operators.test_live_queue import in_queue
from tests.referrals.test_voice import WORDS, to_list

OWN = "+12025550143"
TYPED = "+13055550188"
TEXTER = "+14155550166"
REFERRAL_CALLER = "+19565550143"
NOTIFY_TYPED = "+13055550188"
NUMBERS = (OWN, TYPED, TEXTER, REFERRAL_CALLER, NOTIFY_TYPED)
A_NUMBERS = (DEMO_A_NUMBER, "209000091")


class Captured(logging.Handler):
    """Every record, formatted as the production JSON formatter formats it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def settings(settings):
    return settings.replace(
        log_level="INFO",
        notifications=NotificationSettings(quiet_start=clock(0, 0), quiet_end=clock(0, 0), rate_per_number=50.0),
    )


@pytest.fixture
def captured():
    handler = Captured()
    loggers = [logging.getLogger(name) for name in ("voice", "rq", "app", "flask.app", "werkzeug")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield handler
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def forms(number: str) -> list[str]:
    """The ways a number may be written: E.164, national digits, URL-encoded, grouped."""
    national = number.removeprefix("+1")
    return [number, national, "%2B" + number[1:], f"{national[:3]}-{national[3:6]}-{national[6:]}"]


def access_line(path: str, query: str) -> str:
    """The line gunicorn's access log writes for a request, with the project's format."""
    from gunicorn import glogging
    from gunicorn.config import Config

    import config.gunicorn as gunicorn_settings

    cfg = Config()
    cfg.set("access_log_format", gunicorn_settings.access_log_format)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?{query}",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://voice.example.org{path}?{query}",
    }
    response = SimpleNamespace(status="200 OK", response_length=10, sent=10, headers=[])
    atoms = glogging.Logger(cfg).atoms(response, SimpleNamespace(headers=[]), environ, timedelta(seconds=0.01))
    return cfg.access_log_format % glogging.SafeAtoms(atoms)


def test_a_simulated_day_logs_no_number_and_no_a_number(
    app,
    call,
    texter,
    client,
    make_operator,
    fake_twilio,
    feed,
    custody_demo,
    demo_directory,
    captured,
) -> None:
    hotline = app.extensions["hotline"]
    # Callback requests: by caller ID, then a number typed by another caller.
    choose(at_message_offer(call, "en", OWN), "en", "skip")
    typed_request(call, "en", TEXTER, TYPED)
    # A custody look-up by voice, and by text.
    caller = call(caller=OWN).press("1")
    caller.press(caller.option_for("custody")).press(DEMO_A_NUMBER + "#").press("1").press("1")
    texter(TEXTER).send(f"STATUS A{DEMO_A_NUMBER} MEXICO")
    # Help near you, texted.
    listing = to_list(call, "en", caller=REFERRAL_CALLER)
    listing.press(listing.option_for(WORDS["en"]["text_me"]))
    listing.press(listing.option_for(SAFE_TO_TEXT["en"]))
    # A notification registration for a typed number.
    feed(["A209000091,Ana,Vega,Mexico,1980-01-01,in custody,DEMOELP,2026-11-01T00:00:00Z"], protected=True)
    register_typed_number_by_call(call)
    # The live queue, left for a call back.
    holding = in_queue(call, "en")
    holding.press_while_holding("1")
    # Operators: the queue through the API, and the dashboard's registration search.
    operator, token = make_operator()
    client.get("/api/requests", headers=bearer(token))
    claimed = client.post("/api/requests/claim-next", json={}, headers=bearer(token)).get_json()
    client.get(f"/api/requests/{claimed['id']}", headers=bearer(token))
    log_in(client, operator.email)
    for query in (f"q=%2B{OWN[1:]}", f"q=a{A_NUMBERS[1]}"):
        client.get(f"/ops/registrations/?{query}")
    # The worker runs every job the day queued (acknowledgements, the service list, the code text).
    hotline.handover.flush()
    SimpleWorker(workers.queues(hotline.redis), connection=hotline.redis).work(burst=True)
    with hotline.database.session() as session:
        outbox = [m.args_json for m in session.query(OutboxMessage)]
    assert outbox, "the day queued no jobs"
    lines = [*captured.lines, access_line("/ops/registrations/", f"q=%2B{OWN[1:]}")]
    lines += [access_line("/ops/registrations/", f"q=a{A_NUMBERS[1]}")]
    # The outbox rows and Redis's job payloads too (rq keeps each job's description in clear).
    lines += outbox
    lines += [repr(hotline.redis.hgetall(key)) for key in hotline.redis.keys("rq:job:*")]
    assert len(captured.lines) > 50, "the day logged too little to be a day"
    text = "\n".join(lines)
    for number in NUMBERS:
        for form in forms(number):
            assert form not in text, f"{form} in: {next(line for line in lines if form in line)}"
    for a_number in A_NUMBERS:
        assert not re.search(rf"(?<!\d){a_number}(?!\d)", text), next(line for line in lines if a_number in line)
    assert all(json.loads(line) for line in captured.lines)


def test_the_log_scrubber_masks_url_encoded_numbers_and_lowercase_a_numbers() -> None:
    from config.logs import scrub

    line = scrub("GET /ops/registrations/?q=%2B12025550143 /ops/registrations/?q=a201345678 ?q=201345678")
    assert "12025550143" not in line and "201345678" not in line
