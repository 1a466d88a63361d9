"""The public webhook contract: signed requests, the welcome menu, status, fallbacks, failures."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from models import CallEvent, CallSession
from models.audit import hash_caller
from simulator import check_twiml, sign
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL, flush_events

CALL = {
    "CallSid": "CA" + "1" * 32,
    "AccountSid": "AC" + "0" * 32,
    "From": "+12025550143",
    "To": "+18554886423",
    "CallStatus": "ringing",
    "Direction": "inbound",
    "ApiVersion": "2010-04-01",
}


def post_signed(client, path: str, params: dict[str, str], headers: dict[str, str] | None = None):
    signature = sign(AUTH_TOKEN, PUBLIC_BASE_URL + path, params)
    return client.post(
        path, data=params, headers={"X-Twilio-Signature": signature, **(headers or {})}, base_url=PUBLIC_BASE_URL
    )


def test_new_caller_hears_welcome_911_notice_and_language_choice(call) -> None:
    caller = call()
    heard = caller.last_heard()
    assert "VOICE hotline" in heard
    assert "9 1 1" in heard
    assert caller.option_for("English") == "1"
    assert "Para español, oprima 2" in heard
    assert caller.waiting_tag == "Gather"


def test_welcome_is_spoken_in_each_language_with_its_own_voice(call) -> None:
    languages = {h.language for h in call().heard}
    assert languages == {"en-US", "es-US", "cmn-CN"}


def test_choosing_spanish_speaks_the_main_menu_in_spanish(call) -> None:
    caller = call().press("2")
    assert "¿En qué podemos ayudarle hoy?" in caller.last_heard()
    assert {h.language for h in caller.heard} == {"es-US"}
    assert "oprima 0" in caller.last_heard()


def test_saying_the_language_works_like_pressing_it(call) -> None:
    caller = call().say("Español.")
    assert "¿En qué podemos ayudarle hoy?" in caller.last_heard()


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}],
    ids=["missing", "forged"],
)
def test_unsigned_or_forged_webhooks_are_refused(client, headers: dict[str, str]) -> None:
    response = client.post("/voice/incoming", data=CALL, headers=headers, base_url=PUBLIC_BASE_URL)
    assert response.status_code == 403


def test_signature_over_a_tampered_parameter_is_refused(client) -> None:
    signature = sign(AUTH_TOKEN, PUBLIC_BASE_URL + "/voice/incoming", CALL)
    tampered = {**CALL, "From": "+12025550199"}
    response = client.post(
        "/voice/incoming", data=tampered, headers={"X-Twilio-Signature": signature}, base_url=PUBLIC_BASE_URL
    )
    assert response.status_code == 403


def test_signature_is_checked_against_the_public_url_not_the_internal_one(client) -> None:
    # Behind a TLS-terminating proxy the app sees http://internal; Twilio signed https://public.
    signature = sign(AUTH_TOKEN, PUBLIC_BASE_URL + "/voice/incoming", CALL)
    response = client.post(
        "/voice/incoming", data=CALL, headers={"X-Twilio-Signature": signature}, base_url="http://10.0.0.5:8000"
    )
    assert response.status_code == 200


def test_action_urls_with_escaped_query_characters_validate(client) -> None:
    # Werkzeug re-escapes %27 and friends in request.url; the raw query string must be used.
    path = "/voice/step?n=main&t=0&l=en&c_note=it%27s%3Aok%40"
    params = {**CALL, "Digits": "9"}
    response = post_signed(client, path, params)
    assert response.status_code == 200
    assert "How can we help you today?" in response.get_data(as_text=True)


def test_forwarded_headers_are_honoured_when_trusted(app, client) -> None:
    app.extensions["hotline"].settings = app.extensions["hotline"].settings.replace(trust_proxy_headers=True)
    signature = sign(AUTH_TOKEN, "https://hotline.example.net/voice/incoming", CALL)
    response = client.post(
        "/voice/incoming",
        data=CALL,
        headers={
            "X-Twilio-Signature": signature,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "hotline.example.net",
        },
        base_url="http://127.0.0.1:8000",
    )
    assert response.status_code == 200


def test_get_instead_of_post_is_refused_with_405(client) -> None:
    assert client.get("/voice/incoming", base_url=PUBLIC_BASE_URL).status_code == 405


def test_a_request_without_callsid_gets_a_400_with_a_reason(client) -> None:
    params = {k: v for k, v in CALL.items() if k != "CallSid"}
    response = post_signed(client, "/voice/incoming", params)
    assert response.status_code == 400
    assert b"CallSid" in response.data


def test_huge_bodies_are_refused_with_413(client) -> None:
    params = {**CALL, "Padding": "x" * 100_000}
    response = post_signed(client, "/voice/incoming", params)
    assert response.status_code == 413


def test_non_utf8_speech_is_answered_with_a_reprompt(client) -> None:
    # A body that is not UTF-8: Werkzeug leaves the undecodable value percent-encoded.
    body = urlencode(CALL).encode() + b"&SpeechResult=caf%E9%FF"
    path = "/voice/step?n=main&t=0&l=en"
    decoded = {**CALL, "SpeechResult": "caf%E9%FF"}
    signature = sign(AUTH_TOKEN, PUBLIC_BASE_URL + path, decoded)
    response = client.post(
        path,
        data=body,
        headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
        base_url=PUBLIC_BASE_URL,
    )
    assert response.status_code == 200
    check_twiml(response.get_data(as_text=True))
    assert "Sorry" in response.get_data(as_text=True)


def test_unknown_node_in_an_old_url_starts_over_instead_of_failing(client) -> None:
    response = post_signed(client, "/voice/step?n=no.such.node&t=0&l=en", {**CALL, "Digits": "1"})
    assert response.status_code == 200
    assert "Thank you for calling" in response.get_data(as_text=True)


def test_every_step_is_recorded_as_a_call_event(app, call) -> None:
    caller = call().press("1").press("7")
    flush_events(app)
    with app.extensions["hotline"].database.session() as session:
        events = CallEvent.for_call(session, caller.call_sid)
        started = session.get(CallSession, caller.call_sid)
    assert [(e.node, e.input, e.outcome) for e in events] == [
        ("welcome", None, "enter"),
        # The promise follows the language choice; its effect (retention from settings) names the outcome.
        ("welcome", "1", "ok"),
        ("main", "7", "invalid"),
    ]
    assert started is not None and started.caller_last4 == "0143"
    assert started.caller_hash == hash_caller("+12025550143", app.extensions["hotline"].settings.audit_hash_key)


def test_status_callback_records_final_status_and_duration(app, call) -> None:
    caller = call()
    assert caller.post_status("completed", duration=73) == 204
    flush_events(app)
    with app.extensions["hotline"].database.session() as session:
        row = session.scalars(select(CallSession).where(CallSession.call_sid == caller.call_sid)).one()
    assert (row.status, row.duration_seconds) == ("completed", 73)
    assert row.ended_at is not None


def test_voice_fallback_apologises_in_both_languages_and_gives_the_operator_number(client) -> None:
    response = post_signed(
        client, "/voice/fallback", {**CALL, "ErrorCode": "11200", "ErrorUrl": "https://x/voice/incoming"}
    )
    document = response.get_data(as_text=True)
    assert response.status_code == 200
    root = check_twiml(document)
    says = [v.text for v in root if v.tag == "Say"]
    assert any("technical problem" in s for s in says) and any("problema técnico" in s for s in says)
    assert "8 5 5 4 8 8 6 4 2 3" in document
    assert root[-1].tag == "Hangup"


def test_sms_fallback_answers_an_empty_response(client) -> None:
    params = {"MessageSid": "SM" + "2" * 32, "From": "+12025550143", "To": "+18554886423", "Body": "hi"}
    response = post_signed(client, "/sms/fallback", params)
    assert response.status_code == 200
    assert ET.fromstring(response.data).tag == "Response" and len(ET.fromstring(response.data)) == 0


def test_a_broken_database_gets_apology_twiml_not_a_500(app, client) -> None:
    # Break the database for real: point the app at a file in a directory that does not exist.
    from models.base import Database

    hotline = app.extensions["hotline"]
    hotline.database = Database("sqlite:////nonexistent-dir/broken.db")
    app.extensions["hotline"] = hotline
    # A step that needs the database: the status of the call is written through the buffer,
    # so use the health check and a forced flush to prove the failure is real...
    assert client.get("/healthz").status_code == 503
    # ...and the voice webhooks still answer the caller calmly.
    response = post_signed(client, "/voice/incoming", CALL)
    assert response.status_code == 200
    check_twiml(response.get_data(as_text=True))


def test_healthz_reports_database_and_redis(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_reports_redis_down(app, client) -> None:
    import workers

    app.extensions["hotline"].redis = workers.connect("redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["redis"].startswith("error")


@pytest.mark.parametrize(
    "params",
    [
        {"CallSid": "CA1", "From": "+12025550143"},
        {"Body": "STATUS A201345678 méxico ✓", "To": "+18554886423"},
        {},
    ],
)
def test_fast_signature_matches_twilios_validator(params: dict[str, str]) -> None:
    from twilio.request_validator import RequestValidator
    from werkzeug.datastructures import MultiDict

    from web.phone.signature import compute_signature

    url = "https://voice.example.org/voice/step?n=main&t=0"
    expected = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    assert compute_signature(AUTH_TOKEN, url, MultiDict(params)) == expected
    assert compute_signature(AUTH_TOKEN, url, params) == expected


def test_fast_signature_matches_twilios_validator_for_repeated_fields() -> None:
    from twilio.request_validator import RequestValidator
    from werkzeug.datastructures import MultiDict

    from web.phone.signature import compute_signature

    url = "https://voice.example.org/sms/incoming"
    params = MultiDict([("MediaUrl", "b"), ("Body", "x"), ("MediaUrl", "a"), ("MediaUrl", "b"), ("A", "")])
    expected = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    assert compute_signature(AUTH_TOKEN, url, params) == expected
    assert compute_signature(AUTH_TOKEN, url, MultiDict([("MediaUrl", "a"), ("Body", "x")])) != expected


def test_calls_are_answered_while_redis_is_down(app, call) -> None:
    import workers

    app.extensions["hotline"].redis = workers.connect("redis://127.0.0.1:1/0")
    caller = call().press("1")
    assert "How can we help you today?" in caller.last_heard()


def test_the_root_address_leads_to_the_operator_dashboard(client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/ops/")


def test_outside_production_the_address_the_request_reached_is_accepted_too(client) -> None:
    # A developer's simulator signs for http://localhost:5000 while PUBLIC_BASE_URL says 127.0.0.1.
    signature = sign(AUTH_TOKEN, "http://localhost:5000/voice/incoming", CALL)
    response = client.post(
        "/voice/incoming", data=CALL, headers={"X-Twilio-Signature": signature}, base_url="http://localhost:5000"
    )
    assert response.status_code == 200


def test_in_production_only_the_public_address_is_accepted(app, client) -> None:
    hotline = app.extensions["hotline"]
    hotline.settings = hotline.settings.replace(env="production")
    signature = sign(AUTH_TOKEN, "http://localhost:5000/voice/incoming", CALL)
    response = client.post(
        "/voice/incoming", data=CALL, headers={"X-Twilio-Signature": signature}, base_url="http://localhost:5000"
    )
    assert response.status_code == 403


OFFICE = ("/ops", "/api", "/metrics", "/healthz", "/static")


def test_every_route_outside_the_office_belongs_to_a_blueprint_made_twilio_facing_by_the_one_module(app) -> None:
    from web.phone.webhooks import TWILIO_BLUEPRINTS, refuse_unsigned

    outside = [r for r in app.url_map.iter_rules() if not r.rule.startswith(OFFICE) and r.rule != "/"]
    assert outside
    for rule in outside:
        blueprint = rule.endpoint.rpartition(".")[0]
        assert blueprint in TWILIO_BLUEPRINTS, f"{rule.rule} ({rule.endpoint}) is not made Twilio-facing"
        # The signature check is the blueprint's first hook, and a failure never becomes a 500.
        assert app.before_request_funcs[blueprint][0] is refuse_unsigned, rule.rule
        assert Exception in app.error_handler_spec[blueprint][None], rule.rule


def test_every_twilio_facing_route_refuses_an_unsigned_request(app, client) -> None:
    # Everything outside the office side (dashboard, API, metrics, health) is Twilio's: voice, SMS, the
    # call-back bridges, the live queue, caller-first call-backs and notification calls.
    twilio_routes = [
        r.rule.replace("<int:notification_id>", "1")
        for r in app.url_map.iter_rules()
        if "POST" in r.methods and not r.rule.startswith(OFFICE) and r.rule != "/"
    ]
    assert {"/live/answer", "/bridge/customer/answer", "/notify/voice/answer/1"} <= set(twilio_routes)
    for rule in twilio_routes:
        response = client.post(rule, data=CALL, base_url=PUBLIC_BASE_URL)
        assert response.status_code == 403, rule
