"""A real server thread for the app and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

# The operators' fixtures (accounts, requests, the database), shared with the browser tests.
from commands.operators import DEMO_OPERATORS
from models.base import utcnow
from tests.conftest import missing
from tests.operators.conftest import add_request, database, make_operator  # noqa: F401

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app served by werkzeug on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless (never a downloaded browser): one per test process, a fresh
    context (cookies, storage, cache) for every test."""
    if not os.path.exists(CHROMIUM):
        missing(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_tab(browser):
    """Opens a tab in a context of its own (``new_tab(width=1200, height=900, bypass_csp=True)``); every
    context is closed after the test, so no page keeps polling a server that has stopped."""
    contexts = []

    def open_tab(width: int = 1366, height: int = 768, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots are kept (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# The demo log-ins `flask demo load` creates.
DEMO_LOG_INS = {email: password for email, _name, _role, _phone, password in DEMO_OPERATORS}
SUPERVISOR = ("supervisor@voice.demo", DEMO_LOG_INS["supervisor@voice.demo"])
OPERATOR = ("operator@voice.demo", DEMO_LOG_INS["operator@voice.demo"])
OPERATOR2 = ("operator2@voice.demo", DEMO_LOG_INS["operator2@voice.demo"])


def current_quarter() -> str:
    """This quarter's label (the demo history fills it up to now)."""
    today = datetime.now(UTC).date()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


@pytest.fixture
def busy_day(app, runner, database, add_request, texter) -> dict[str, object]:  # noqa: F811
    """A working day on the hotline: the demo accounts and history, a long queue, claims in progress,
    completions in the last hours, callers holding, a text conversation and a case study to approve."""
    from models import claims
    from models.case_study import CaseStudy
    from models.live_queue import QueuedCall
    from models.operator import Operator

    for args in (["demo", "load"], ["report", "demo", "--quarter", current_quarter(), "--events", "2000",
                                    "--requests", "200"]):  # fmt: skip
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    now = utcnow()
    for number in range(60):
        add_request(
            minutes_ago=5 + number * 7,
            urgent=number % 9 == 0,
            language=("en", "es", "en")[number % 3],
            field_office=("WAS", "MIA", "HOU", "LOS", "CHI")[number % 5],
            need=("local_services", "offender_info", "removal_process")[number % 3],
            caller_type=("victim", "family", "witness")[number % 3],
        )
    policy = claims.RetryPolicy()
    with database.session() as session:
        olivia = Operator.by_email(session, OPERATOR[0])
        oscar = Operator.by_email(session, "operator2@voice.demo")
        done = []
        for hours_ago in (5, 3, 3, 1):
            item = claims.claim_next(session, oscar, now - timedelta(hours=hours_ago, minutes=10))
            claims.complete(
                session, item.id, oscar, now - timedelta(hours=hours_ago), "reached", "spoke with the caller", policy
            )
            done.append(item.id)
        held = claims.claim_next(session, olivia, now - timedelta(minutes=4))
        claims.add_note(session, held.id, olivia, now - timedelta(minutes=3), "Caller asked for the afternoon.")
        CaseStudy.propose(session, done[0], "A caller learned where their relative is held and how to visit.",
                          oscar.id, now)  # fmt: skip
        for minutes, urgent in ((2, True), (6, False)):
            session.add(
                QueuedCall(
                    call_sid=f"CA{minutes:032d}", language="en", caller_type="victim", need="offender_info",
                    urgent=urgent, queue="urgent" if urgent else "normal", enqueued_at=now - timedelta(minutes=minutes),
                )
            )  # fmt: skip
        session.commit()
        held_id, done_id = held.id, done[0]
    texter("+12025550143").send("I need to talk to someone please")
    return {"held": held_id, "completed": done_id}


def log_in(page, base: str, who: tuple[str, str] = SUPERVISOR) -> None:
    """Log in through the form, as an operator does."""
    page.goto(f"{base}/ops/login")
    page.fill("#email", who[0])
    page.fill("#password", who[1])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/ops/")


@pytest.fixture
def page(new_tab, live_server, busy_day):
    """A logged-in supervisor's tab at an operator's laptop size (1366×768), on a busy day's data."""
    tab = new_tab()
    log_in(tab, live_server)
    return tab
