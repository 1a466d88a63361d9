"""Two operators in two browsers work the same queue: log in, claim, complete, without collisions."""

from __future__ import annotations

import pytest

from models import claims

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/ops/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/ops/")


def claim_next(page) -> int:
    page.click("#claim-next")
    page.wait_for_selector("#request")
    return int(page.get_attribute("#request", "data-request"))


def test_two_operators_claim_and_complete_without_collisions(
    live_server, new_tab, artifacts, request, database, make_operator, add_request
) -> None:
    first = add_request(minutes_ago=30, urgent=True, transcription="Please call me about the hearing.")
    second = add_request(minutes_ago=20, language="es")
    third = add_request(minutes_ago=10)
    ana, _ = make_operator(email="ana@voice.test")
    ben, _ = make_operator(email="ben@voice.test")

    pages = []
    for operator in (ana, ben):
        page = new_tab(width=1200, height=900)
        log_in(page, live_server, operator.email)
        pages.append(page)
    ana_page, ben_page = pages

    ana_claim = claim_next(ana_page)
    ben_claim = claim_next(ben_page)
    assert {ana_claim, ben_claim} == {first, second}
    assert "Please call me about the hearing." in ana_page.inner_text("#transcription")
    assert ana_page.inner_text("#caller-phone").startswith("+1202555")

    # Ana's queue page refreshes itself: Ben's claim and a new request show up without a reload.
    ana_page.goto(f"{live_server}/ops/")
    fourth = add_request(minutes_ago=1)
    ana_page.wait_for_selector(f'#waiting tr[data-request="{fourth}"]', timeout=15_000)
    ana_page.click("text=Back to my claim")
    ana_page.wait_for_selector("#request")
    for page, outcome in ((ana_page, "reached"), (ben_page, "no_answer")):
        page.select_option("#disposition", outcome)
        page.fill("#notes", f"browser test: {outcome}")
        page.click("#complete")
        page.wait_for_selector(".flash.ok")
    assert claim_next(ben_page) == third
    ana_page.goto(f"{live_server}/ops/history")
    assert "browser test: reached" in ana_page.inner_text("#my-history")
    ana_page.goto(f"{live_server}/ops/")
    ana_page.screenshot(path=str(artifacts / f"dashboard-{request.node.callspec.id}.png"), full_page=True)

    with database.session() as session:
        assert {h.event for h in claims.history(session, ana_claim)} == {"claimed", "completed"}
        assert claims.held_by(session, ben).id == third
