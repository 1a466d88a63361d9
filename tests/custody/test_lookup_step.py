"""The lean keypad look-up (``web/phone/lookup_step.py``) answers exactly as the engine's general path.

The same requests go through both paths, each on the same real database emptied of audits and
calls in between: the general path with ``answer(..., lean=False)``, the lean one through the
signed ``/voice/step`` route as Twilio reaches it. Both must give the same TwiML byte for byte
(each sealed state in an action URL opened first, since every seal has a fresh nonce), the same
audit rows (all but the id and the time) and the same call events. Scenarios draw the language,
the disclosure policy, the limits, every kind of record the policy can be asked about, the
country key (right, wrong, or not a country), the call ending before a look-up, retried
requests with the same idempotency token, and steps that are not the plain case at all.
"""

from __future__ import annotations

import itertools
import re

from flask import request
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from callflows.engine import CallState
from config import DisclosurePolicy
from models import LookupAudit
from models.call import CallEvent
from simulator import sign
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL, flush_events
from tests.custody.conftest import A_NUMBERS, BORN, KEYS, audit_rows, limits, policies
from web.phone import lookup_step, voice
from web.phone.url_state import current_codec

# --- scenarios ------------------------------------------------------------------------------

CALLERS = ("+12025550143", "+13125550199", "anonymous")

# Mostly a country key; sometimes keys the engine answers without a look-up (0, *, 5, too many keys).
keys = st.one_of(st.sampled_from(["1", "2", "3", "4", "1#", "3#"]), st.sampled_from(["0", "*", "5", "12", "9#"]))
# Speech at the same node is never served lean: a danger word, a country to confirm, a country heard.
speech = st.sampled_from(["mehico", "Guatemala", "he is hurting me", "operator"])
steps = st.one_of(
    # Keys at custody.country: the person's country of birth, or whatever was drawn.
    st.tuples(st.just("key"), st.integers(0, 2), st.sampled_from(A_NUMBERS), st.booleans(), keys),
    st.tuples(st.just("say"), st.integers(0, 2), st.sampled_from(A_NUMBERS), speech),
    # A retry: the previous request again, same URL, form and idempotency token.
    st.tuples(st.just("retry")),
    # Twilio says the call ended; a look-up request replayed after it is refused and audited.
    st.tuples(st.just("end"), st.integers(0, 2)),
)
scenarios = st.fixed_dictionaries(
    {
        "policy": policies,
        "limits": limits,
        "language": st.sampled_from(["en", "es", "zh", None]),
        "closed": st.sampled_from(["0", "1"]),
        "slow": st.booleans(),
        "callers": st.lists(st.sampled_from(CALLERS), min_size=3, max_size=3),
        "tokens": st.booleans(),
        "steps": st.lists(steps, min_size=1, max_size=8),
    }
)


def requests_of(app, scenario: dict, example: int) -> list[tuple[str, ...]]:
    """The scenario as requests: ("step", path, form, token) or ("end", form), the same for both paths."""
    with app.test_request_context():
        codec = current_codec()
    out: list[tuple] = []
    for number, step in enumerate(scenario["steps"]):
        kind = step[0]
        if kind == "retry":
            if out:
                out.append(out[-1])
            continue
        call = step[1]
        form = {
            "CallSid": f"CA{example:08d}{call:024d}",
            "AccountSid": "AC" + "0" * 32,
            "From": scenario["callers"][call],
            "To": "+18554886423",
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        if kind == "end":
            out.append(("end", dict(form, CallStatus="completed", CallDuration="61")))
            continue
        ctx = {"a_number": step[2], "closed": scenario["closed"]}
        if scenario["slow"]:
            ctx["slow"] = "1"
        state = CallState("custody.country", scenario["language"], 0, tuple(sorted(ctx.items())))
        path = codec.url("/voice/step", state)
        if kind == "key":
            form["Digits"] = KEYS[BORN[step[2]]] if step[3] else step[4]
        else:
            form.update(SpeechResult=step[3], Confidence="0.9")
        token = f"token-{example}-{number}" if scenario["tokens"] else None
        out.append(("step", path, form, token))
    return out


def headers_for(path: str, form: dict, token: str | None) -> dict[str, str]:
    headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, PUBLIC_BASE_URL + path, form)}
    if token:
        headers["I-Twilio-Idempotency-Token"] = token
    return headers


def run(app, client, requests: list[tuple], lean: bool) -> tuple[list[str], list[tuple], list[tuple]]:
    """Every request through one path: the documents (seals opened), audit rows and call events."""
    documents = []
    for sent in requests:
        if sent[0] == "end":
            form = sent[1]
            answered = client.post(
                "/voice/status", data=form, headers=headers_for("/voice/status", form, None), base_url=PUBLIC_BASE_URL
            )
            assert answered.status_code == 204
            continue
        _, path, form, token = sent
        headers = headers_for(path, form, token)
        if lean:
            # As Twilio reaches it: the signed route, which serves the keypad look-up lean.
            answered = client.post(path, data=form, headers=headers, base_url=PUBLIC_BASE_URL)
            assert answered.status_code == 200
            documents.append(opened(app, answered.get_data(as_text=True)))
        else:
            with app.test_request_context(path, method="POST", data=form, headers=headers, base_url=PUBLIC_BASE_URL):
                state = current_codec().decode(request.args)
                document = voice.answer(state, voice.event_from_form(), form["CallSid"], lean=False)
            documents.append(opened(app, document))
    flush_events(app)
    database = app.extensions["hotline"].database
    with database.session() as session:
        audits = audit_rows(session)
        events = [
            (e.call_sid, e.channel, e.node, e.input, e.outcome, e.language)
            for e in session.scalars(select(CallEvent).order_by(CallEvent.id))
        ]
    return documents, audits, events


SEALED = re.compile(r"(?<=[?;]s=)[A-Za-z0-9_-]{4}\.[A-Za-z0-9_-]+")


def opened(app, document: str) -> str:
    """The document with each sealed state replaced by what it seals (a seal's nonce is fresh each time)."""
    with app.test_request_context():
        codec = current_codec()
    return SEALED.sub(lambda match: codec.unseal(match[0]).decode(), document)


def forget_calls(app) -> None:
    """Empty what a scenario wrote (audits, calls, their events); the records stay."""
    with app.extensions["hotline"].database.engine.begin() as connection:
        for table in ("lookup_audits", "call_events", "call_sessions"):
            connection.execute(text(f"DELETE FROM {table}"))


EXAMPLES = iter(range(10**9))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios)
def test_the_lean_look_up_answers_as_the_engine(app, client, lookup_records, scenario) -> None:
    hotline = app.extensions["hotline"]
    hotline.settings = hotline.settings.replace(disclosure=scenario["policy"], lookup_limits=scenario["limits"])
    requests = requests_of(app, scenario, next(EXAMPLES))
    forget_calls(app)
    general = run(app, client, requests, lean=False)
    forget_calls(app)
    lean = run(app, client, requests, lean=True)
    forget_calls(app)
    assert lean[0] == general[0]
    assert lean[1] == general[1]
    assert lean[2] == general[2]
    for audit in general[1]:
        event(f"audited {audit[6]}")
    if any(later is earlier for earlier, later in itertools.pairwise(requests)):
        event("a request retried")
    for call_event in general[2]:
        event(f"call event outcome {call_event[4]}")


def test_every_answer_is_met_and_served_lean(app, client, lookup_records) -> None:
    """Each answer the lean path caches, reached through the route; the same answer again comes from the cache."""
    hotline = app.extensions["hotline"]
    hotline.settings = hotline.settings.replace(
        disclosure=DisclosurePolicy(disclose_other_statuses=True, disclose_case_status=True)
    )
    lookup_step.ANSWERS.clear()
    asked = [
        ("201345678", "MX"),  # in custody, phone told, a case status
        ("209000010", "GT"),  # in custody, the facility has no phone
        ("209000001", "GT"),  # released, a case status
        ("209000002", "HN"),  # removed
        ("209000003", "SV"),  # not in custody
        ("209000004", "MX"),  # released too long ago: no information
        ("209000005", "HN"),  # protected
        ("209000006", "SV"),  # a minor
        ("209999999", "MX"),  # not found
        ("201345678", "GT"),  # the wrong country
    ]
    results = []
    for number, (a_number, country) in enumerate(asked):
        scenario_form = {
            "CallSid": f"CA{number:032d}",
            "AccountSid": "AC" + "0" * 32,
            "From": f"+1202555{number + 100:04d}",
            "To": "+18554886423",
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            "Digits": KEYS[country],
        }
        with app.test_request_context():
            path = current_codec().url("/voice/step", CallState("custody.country", "en", 0, (("a_number", a_number),)))
        answered = client.post(
            path, data=scenario_form, headers=headers_for(path, scenario_form, None), base_url=PUBLIC_BASE_URL
        )
        assert answered.status_code == 200
        results.append(answered.get_data(as_text=True))
    with hotline.database.session() as session:
        told = [a.result for a in session.scalars(select(LookupAudit).order_by(LookupAudit.id))]
    assert told == [
        "disclosed",
        "disclosed",
        "status_disclosed",
        "status_disclosed",
        "status_disclosed",
        "not_disclosed",
        "not_disclosed",
        "not_disclosed",
        "not_found",
        "country_mismatch",
    ]
    # Every "no information" answer is one document, rendered once.
    assert len({results[i] for i in (5, 6, 7, 8, 9)}) == 1
    assert lookup_step.ANSWERS.misses == 6 and lookup_step.ANSWERS.hits == 4
    assert "still in proceedings" in results[0] and "9 1 5" not in results[1]


def test_a_tampered_state_at_the_look_up_starts_over_and_looks_nothing_up(app, client, lookup_records) -> None:
    form = {
        "CallSid": "CA" + "7" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": "+12025550143",
        "To": "+18554886423",
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        "Digits": "1",
    }
    with app.test_request_context():
        path = current_codec().url("/voice/step", CallState("custody.country", "en", 0, (("a_number", "201345678"),)))
    token = path.rsplit("s=", 1)[1]
    tampered = path.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    answered = client.post(tampered, data=form, headers=headers_for(tampered, form, None), base_url=PUBLIC_BASE_URL)
    assert answered.status_code == 200 and b"El Paso" not in answered.data
    with app.extensions["hotline"].database.session() as session:
        assert list(session.scalars(select(LookupAudit))) == []
