"""The dashboard: log-in with lockout, CSRF on every form, claim, detail, complete, supervisor view."""

from __future__ import annotations

import io
import logging

from tests.operators.conftest import csrf_from, log_in


def test_pages_need_a_log_in(client) -> None:
    for path in ("/ops/", "/ops/queue/rows", "/ops/history", "/ops/supervisor", "/ops/requests/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/ops/login" in response.headers["Location"], path


def test_a_form_without_its_csrf_token_is_refused(client, make_operator) -> None:
    operator, _ = make_operator()
    response = client.post("/ops/login", data={"email": operator.email, "password": "correct horse battery"})
    assert response.status_code == 400
    assert log_in(client, operator.email).status_code == 302
    assert client.post("/ops/claim", data={}).status_code == 400


def test_every_office_page_refuses_a_form_without_its_token_and_is_never_cached(client, make_operator) -> None:
    operator, _ = make_operator(role="supervisor")
    log_in(client, operator.email)
    posts = (
        "/ops/claim",
        "/ops/live/take-next",
        "/ops/texts/claim",
        "/ops/requests/1/call-caller-first",
        "/ops/requests/1/case-study",
        "/ops/requests/1/refer",
        "/ops/registrations/new",
    )
    for path in posts:
        assert client.post(path, data={}).status_code == 400, path
    pages = (
        "/ops/",
        "/ops/live/",
        "/ops/texts/",
        "/ops/directory",
        "/ops/registrations/",
        "/ops/report",
        "/ops/case-studies",
    )
    for path in pages:
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.headers["Cache-Control"] == "no-store", path
        assert page.headers["X-Frame-Options"] == "DENY", path
        assert page.headers["X-Content-Type-Options"] == "nosniff", path


def test_unknown_email_and_wrong_password_look_the_same(client, make_operator) -> None:
    operator, _ = make_operator()
    wrong = log_in(client, operator.email, "nope nope nope")
    unknown = log_in(client, "nobody@voice.test", "nope nope nope")
    assert wrong.status_code == unknown.status_code == 401


def test_claim_see_the_caller_and_complete(client, make_operator, add_request) -> None:
    request_id = add_request(
        transcription="Please call me about the hearing.", message_url="https://api.twilio.com/r/RE1"
    )
    operator, _ = make_operator()
    log_in(client, operator.email)
    queue = client.get("/ops/")
    html = queue.get_data(as_text=True)
    assert f'data-request="{request_id}"' in html
    assert queue.headers["Cache-Control"] == "no-store"

    claimed = client.post("/ops/claim", data={"csrf_token": csrf_from(html)})
    assert claimed.headers["Location"].endswith(f"/ops/requests/{request_id}")
    page = client.get(f"/ops/requests/{request_id}").get_data(as_text=True)
    assert "+1202555" in page  # operators see the full number
    assert '<audio controls preload="none" src="https://api.twilio.com/r/RE1.mp3">' in page
    assert "Please call me about the hearing." in page

    done = client.post(
        f"/ops/requests/{request_id}/complete",
        data={"csrf_token": csrf_from(page), "disposition": "resolved", "notes": "gave shelter numbers"},
    )
    assert done.status_code == 302
    history = client.get("/ops/history").get_data(as_text=True)
    assert "gave shelter numbers" in history and "resolved" in history
    detail = client.get(f"/ops/requests/{request_id}").get_data(as_text=True)
    assert 'data-status="closed"' in detail and "completed" in detail


def test_log_lines_never_carry_the_full_caller_number(client, make_operator, add_request) -> None:
    add_request(phone="+12025550177")
    operator, _ = make_operator()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.getLogger("voice").handlers[0].formatter)
    logging.getLogger("voice").addHandler(handler)
    level = logging.getLogger("voice").level
    logging.getLogger("voice").setLevel(logging.INFO)
    try:
        log_in(client, operator.email)
        html = client.get("/ops/").get_data(as_text=True)
        client.post("/ops/claim", data={"csrf_token": csrf_from(html)})
    finally:
        logging.getLogger("voice").removeHandler(handler)
        logging.getLogger("voice").setLevel(level)
    lines = stream.getvalue()
    assert "request claimed" in lines and "***0177" in lines
    assert "5550177" not in lines.replace("***0177", "")


def test_the_supervisor_view_is_for_supervisors(client, make_operator, add_request) -> None:
    add_request(minutes_ago=90, urgent=True)
    operator, _ = make_operator()
    log_in(client, operator.email)
    assert client.get("/ops/supervisor").status_code == 403
    html = client.get("/ops/").get_data(as_text=True)
    client.post("/ops/logout", data={"csrf_token": csrf_from(html)})

    supervisor, _ = make_operator(role="supervisor")
    log_in(client, supervisor.email)
    page = client.get("/ops/supervisor").get_data(as_text=True)
    assert '<b id="queue-depth">1</b>' in page
    # Read by a person: hours and minutes, not a minute count.
    assert '<b id="oldest-wait">1 h 30 min</b>' in page
    assert page.count('<svg role="img"') == 2


def test_the_queue_fragment_refreshes_with_new_requests(client, make_operator, add_request) -> None:
    operator, _ = make_operator()
    log_in(client, operator.email)
    assert "Nobody is waiting." in client.get("/ops/queue/rows").get_data(as_text=True)
    request_id = add_request()
    assert f'data-request="{request_id}"' in client.get("/ops/queue/rows").get_data(as_text=True)


def test_the_login_redirect_stays_inside_the_dashboard(client, make_operator) -> None:
    operator, _ = make_operator()
    page = client.get("/ops/login").get_data(as_text=True)
    response = client.post(
        "/ops/login",
        data={"email": operator.email, "password": "correct horse battery", "csrf_token": csrf_from(page),
              "next": "https://evil.example/ops"},
    )  # fmt: skip
    assert response.headers["Location"] == "/ops/"
