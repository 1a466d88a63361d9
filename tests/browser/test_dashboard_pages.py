"""The operators' dashboard in a real browser (Debian's Chromium, 1366×768) on a busy day's data.

Accessibility (axe-core, WCAG 2.2 AA, on every page the navigation reaches), the Content-Security-Policy,
live fragments, figures a person reads at a glance, charts with scales, and the context an operator needs.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime

import pytest

from tests.browser.conftest import AXE, OPERATOR, OPERATOR2, log_in
from tests.conftest import missing

pytestmark = pytest.mark.browser

# Every page the navigation bar links to (a supervisor sees them all).
NAVIGATION = [
    "/ops/",
    "/ops/live/",
    "/ops/texts/",
    "/ops/history",
    "/ops/registrations/",
    "/ops/directory",
    "/ops/supervisor",
    "/ops/report",
    "/ops/case-studies",
]
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# A duration as a person reads it (never negative, never a four-digit minute count).
READABLE = re.compile(r"^(under 1 min|\d{1,2} min|\d{1,2} h( \d{1,2} min)?|1 day( \d{1,2} h)?|\d+ days)$")
ZONED = re.compile(r"\d{2}:\d{2} E[SD]T")


def wait_until(page, script: str, timeout: float = 15) -> None:
    """Poll ``script`` in the page until it is true (Playwright's wait_for_function evaluates a string,
    which the pages' Content-Security-Policy forbids, as it should)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {script}"
        time.sleep(0.25)


def nav_links(page) -> list[str]:
    return page.eval_on_selector_all("header nav a", "links => links.map(a => new URL(a.href).pathname)")


def detail_pages(page, base: str, busy_day) -> list[str]:
    """Pages one click past the navigation: a request, a text thread, a registration, a report."""
    page.goto(f"{base}/ops/texts/")
    thread = page.get_attribute("#conversations tbody a", "href")
    page.goto(f"{base}/ops/registrations/")
    registration = page.get_attribute("#registrations tbody a", "href")
    page.goto(f"{base}/ops/report")
    period = page.eval_on_selector("#period-quarter option", "o => o.value")
    return [f"/ops/requests/{busy_day['held']}", thread, registration, f"/ops/report?period={period}"]


def axe_violations(page) -> list[dict]:
    page.evaluate(AXE.read_text())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    assert len(result["passes"]) > 10, "axe-core checked next to nothing"
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def test_every_page_passes_axe_core_with_data(new_tab, live_server, busy_day) -> None:
    if not AXE.exists():
        missing(f"{AXE} is missing: run scripts/node-packages (npm ci) to install axe-core")
    # axe is evaluated by the test, not served by the app: the test's own context lets it past the CSP.
    page = new_tab(bypass_csp=True)
    log_in(page, live_server)
    assert set(NAVIGATION) <= set(nav_links(page)), nav_links(page)
    found = {}
    for path in NAVIGATION + detail_pages(page, live_server, busy_day):
        page.goto(live_server + path)
        assert page.locator("h1").count() >= 1, f"{path} has no <h1>"
        empty_headers = page.eval_on_selector_all("th", "ths => ths.filter(th => !th.textContent.trim()).length")
        assert empty_headers == 0, f"{path} has empty table headers"
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    assert found == {}, json.dumps(found, indent=1)


def test_every_office_page_sends_a_csp_and_has_no_inline_script_or_meta_refresh(page, live_server, busy_day) -> None:
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    for path in NAVIGATION + detail_pages(page, live_server, busy_day):
        response = page.goto(live_server + path)
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert page.locator("script:not([src])").count() == 0, path
        assert page.locator("meta[http-equiv=refresh i]").count() == 0, path
    assert refused == []


def test_the_queue_refreshes_its_fragment_without_a_reload_and_waits_while_the_operator_types(
    page, live_server, busy_day, add_request
) -> None:
    # The page's timers run on Playwright's clock, moved on by the test; fetches are real.
    page.clock.install()
    page.goto(f"{live_server}/ops/")
    every = int(page.get_attribute("#queue", "data-live-every")) * 1000
    page.evaluate("window.sameDocument = true")
    stamp = page.inner_text("#queue .live-status")
    assert stamp.startswith("Updated") and ZONED.search(stamp)
    newcomer = add_request(minutes_ago=0, urgent=True, field_office="WAS")
    page.clock.run_for(every + 100)
    page.wait_for_selector(f'#waiting tr[data-request="{newcomer}"]', timeout=15_000)
    assert page.evaluate("window.sameDocument") is True, "the page reloaded instead of refreshing a fragment"

    # Typing in the filter pauses the refresh, and the page says so.
    page.click("#office")
    page.keyboard.type("WA")
    paused = add_request(minutes_ago=0, urgent=True, field_office="WAS")
    page.clock.run_for(every + 100)
    wait_until(page, "() => document.getElementById('queue-state').textContent.includes('Paused')")
    assert page.locator(f'#waiting tr[data-request="{paused}"]').count() == 0
    assert page.input_value("#office") == "WA"
    # Moving on (focus leaves the field) lets it refresh again.
    page.keyboard.press("Tab")
    page.clock.run_for(every + 100)
    page.wait_for_selector(f'#waiting tr[data-request="{paused}"]', timeout=15_000)
    assert page.inner_text("#queue-state") == ""


@pytest.mark.parametrize("path", ["/ops/live/", "/ops/texts/", "/ops/supervisor"])
def test_the_other_live_pages_refresh_the_same_way(page, live_server, busy_day, path) -> None:
    # The page's own timers on Playwright's clock: the supervisor's figures wait 30 s between refreshes,
    # and the test moves that time on instead of sitting it out. The fetch itself is real.
    page.clock.install()
    page.goto(live_server + path)
    box = page.locator("[data-live-src]")
    assert box.count() == 1
    every = int(box.get_attribute("data-live-every"))
    page.evaluate("window.sameDocument = true")
    page.clock.run_for((every - 1) * 1000)
    assert not page.evaluate("() => document.querySelector('[data-live-src]').hasAttribute('data-live-updated')")
    page.clock.run_for(2000)
    wait_until(page, "() => document.querySelector('[data-live-src]').hasAttribute('data-live-updated')")
    assert page.evaluate("window.sameDocument") is True
    assert page.locator("[data-live-src] .live-status").inner_text().startswith("Updated")


def test_durations_times_and_counts_read_at_a_glance(page, live_server, busy_day) -> None:
    page.goto(f"{live_server}/ops/")
    heading = page.inner_text("#waiting-count")
    assert re.fullmatch(r"50 of \d+ waiting shown", heading), heading
    waits = page.eval_on_selector_all("#waiting td.waited", "cells => cells.map(c => c.textContent.trim())")
    assert waits and all(READABLE.match(w.split(" (retry")[0]) for w in waits), waits
    claimed = page.eval_on_selector_all("#in-progress tbody td:nth-child(3)", "cells => cells.map(c => c.textContent)")
    assert claimed and all(ZONED.search(c) for c in claimed), claimed

    page.goto(f"{live_server}/ops/supervisor")
    oldest = page.inner_text("#oldest-wait")
    assert READABLE.match(oldest), oldest
    page.goto(f"{live_server}/ops/live/")
    holding = page.eval_on_selector_all("#holding tbody td:nth-child(2)", "cells => cells.map(c => c.textContent)")
    assert holding and all(READABLE.match(h) for h in holding), holding
    assert "UTC" not in page.inner_text("main")


def test_the_supervisor_charts_have_scales_values_and_legends_clear_of_the_bars(page, live_server, busy_day) -> None:
    page.goto(f"{live_server}/ops/supervisor")
    for chart, axis_titles in (("#hourly", ["hour starting", "requests completed"]), ("#weekly", ["day", "requests"])):
        svg = page.locator(f"{chart} svg[role=img]")
        assert svg.get_attribute("aria-label")
        text = page.inner_text(chart)
        for title in axis_titles:
            assert title in text, (chart, title)
    # Values written on the bars: today's completions (4) appear as text in the hourly chart.
    values = page.eval_on_selector_all("#hourly svg text", "ts => ts.map(t => t.textContent.trim())")
    assert "1" in values or "2" in values, values
    # The legend sits outside the plotting area: it never covers a bar.
    overlap = page.evaluate(
        """() => {
        const svg = document.querySelector('#weekly svg');
        const legend = svg.querySelector('[id$="legend_1"]').getBoundingClientRect();
        const area = svg.querySelector('[id$="axes_1"] [id$="patch_2"]').getBoundingClientRect();
        return !(legend.bottom <= area.top || legend.top >= area.bottom ||
                 legend.right <= area.left || legend.left >= area.right);
    }"""
    )
    assert overlap is False


def test_an_empty_period_says_so_in_words(new_tab, live_server, make_operator) -> None:
    supervisor, _ = make_operator(role="supervisor", email="quiet@voice.test")
    page = new_tab()
    log_in(page, live_server, (supervisor.email, "correct horse battery"))
    page.goto(f"{live_server}/ops/supervisor")
    assert "No completions in this period" in page.inner_text("#hourly")
    assert "nobody waiting" in page.inner_text("#oldest-wait")


def test_every_control_works_from_the_keyboard_with_visible_focus(new_tab, live_server, busy_day) -> None:
    page = new_tab()
    log_in(page, live_server, OPERATOR2)
    page.goto(f"{live_server}/ops/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the page"
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement; const s = getComputedStyle(e);
                       return {id: e.id, text: e.textContent.trim(),
                               outline: s.outlineStyle, width: s.outlineWidth}; }"""
        )
        seen.append(focused)
        assert focused["outline"] != "none" and focused["width"] != "0px", focused
        if focused["id"] == "claim-next":
            break
    assert seen[-1]["id"] == "claim-next", seen
    page.keyboard.press("Enter")
    page.wait_for_selector("#request")
    # The one notes box and both of its buttons, from the keyboard.
    page.focus("#notes")
    page.keyboard.type("Reached by keyboard.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "add-note"
    page.keyboard.press("Enter")
    page.wait_for_selector("#history")
    assert "Reached by keyboard." in page.inner_text("#history")


def test_a_request_shows_names_one_notes_box_and_the_whole_text_thread(page, live_server, busy_day) -> None:
    page.goto(f"{live_server}/ops/requests/{busy_day['held']}")
    history = page.inner_text("#history")
    assert "Olivia Operator" in history and "Caller asked for the afternoon." in history
    assert not re.search(r"\tclaimed\t\d+\t", history)
    assert page.locator("#notes-box textarea").count() == 1
    assert page.locator("textarea").count() == 1
    assert ZONED.search(page.inner_text("#history"))

    page.goto(f"{live_server}/ops/texts/")
    page.click("#conversations tbody a")
    thread = page.inner_text("#thread")
    assert "I need to talk to someone please" in thread
    assert "Hotline (automatic reply)" in thread and "A specialist will text you back" in thread


def test_registrations_are_listed_masked_most_recent_first_in_the_office_zone(page, live_server, busy_day) -> None:
    page.goto(f"{live_server}/ops/registrations/")
    rows = page.locator("#registrations tbody tr")
    assert rows.count() > 1
    heading = page.inner_text("main h2")
    assert re.search(r"\d+ (of \d+ registrations shown|registrations)", heading), heading
    table = page.inner_text("#registrations")
    assert not re.search(r"\+1\d{10}", table) and "***" in table
    assert not re.search(r"\b9\d{8}\b", table)
    created = page.eval_on_selector_all(
        "#registrations tbody tr td:nth-child(7)", "cells => cells.map(c => c.textContent.trim())"
    )
    assert all(ZONED.search(c) for c in created), created
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", table) and "+00:00" not in table
    moments = [datetime.strptime(c.rsplit(" ", 1)[0], "%d %b %Y, %H:%M") for c in created if "," in c]
    assert moments == sorted(moments, reverse=True)


def test_the_operator_sees_the_queue_not_the_supervisor_pages(new_tab, live_server, busy_day) -> None:
    page = new_tab()
    log_in(page, live_server, OPERATOR)
    assert "/ops/supervisor" not in nav_links(page)
