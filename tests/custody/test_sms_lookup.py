"""The lean texted look-up (``web.phone.sms.texted_look_up``) answers exactly as the general path.

Its first read (``models.texting.TEXTER_SQL``, one statement on the look-up desk's connection) tells
what the three ORM reads it replaces tell. Then the same texts go through both paths, on the same
real database emptied in between: the general path with ``sms.answer_text``, the lean one through
the signed ``/sms/incoming`` route. Both must give the same replies, the same audit rows (all but
the id and the time), the same stored replies, consent words and conversations. Texts draw the
language (STATUS, ESTADO, a conversation's language remembered), the policy and limits, every kind
of record, right and wrong countries, incomplete texts, duplicate deliveries, STOP and START, and
free text that opens a conversation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from callflows.countries import country_name
from callflows.sms import parse_text
from models import SmsConsent
from models.conversation import Conversation
from models.texting import TEXTER_SQL, ProcessedMessage, Texter
from simulator import sign
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.custody.conftest import A_NUMBERS, BORN, audit_rows, limits, policies
from web.phone import sms
from web.phone.actions.custody import lookup_desk

TEXTERS = ("+12025550143", "+13125550199")
WRITTEN = (
    "lookup_audits",
    "processed_messages",
    "sms_consents",
    "conversation_messages",
    "conversations",
    "outbox",
    "outbound_messages",
)


def forget_texts(app) -> None:
    """Empty what texts wrote; the records stay."""
    with app.extensions["hotline"].database.engine.begin() as connection:
        for table in WRITTEN:
            connection.execute(text(f"DELETE FROM {table}"))


# --- the first read -----------------------------------------------------------------------------

# What a number may have said and had: consent words, conversations, a MessageSid claimed or answered.
texter_states = st.fixed_dictionaries(
    {
        "words": st.lists(st.tuples(st.sampled_from(TEXTERS), st.sampled_from(["opt_out", "opt_in"])), max_size=4),
        "same_time": st.booleans(),
        "closed": st.lists(st.tuples(st.sampled_from(TEXTERS), st.sampled_from(["en", "es", "zh"])), max_size=2),
        "active": st.one_of(
            st.none(), st.tuples(st.sampled_from(["open", "claimed"]), st.sampled_from(["en", "es", "zh", "xx"]))
        ),
        "message": st.sampled_from(["none", "claimed", "answered", "answered without a reply"]),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state=texter_states)
def test_the_first_read_tells_what_the_three_queries_tell(app, lookup_records, state) -> None:
    forget_texts(app)
    number, sid = TEXTERS[0], "SM" + "1" * 32
    start = datetime(2026, 12, 1, tzinfo=UTC)
    database = app.extensions["hotline"].database
    with database.session() as session:
        for i, (phone, word) in enumerate(state["words"]):
            at = start if state["same_time"] else start + timedelta(minutes=i)
            session.add(SmsConsent(phone=phone, action=word, keyword="STOP", message_sid=None, at=at))
        for phone, language in state["closed"]:
            session.add(Conversation(phone=phone, language=language, status="closed"))
        if state["active"] is not None:
            session.add(Conversation(phone=number, language=state["active"][1], status=state["active"][0]))
        if state["message"] != "none":
            ProcessedMessage.claim(session, sid)
            if state["message"].startswith("answered"):
                ProcessedMessage.keep_reply(session, sid, None if "without" in state["message"] else "a reply")
        session.commit()
    with app.app_context():
        read = Texter.of(lookup_desk().read_row(TEXTER_SQL, {"message_sid": sid, "phone": number}))
    with database.session() as session:
        told = Texter(
            ProcessedMessage.earlier_reply(session, sid)[0],
            SmsConsent.is_opted_out(session, number),
            Conversation.language_of(session, number),
        )
    assert read == told


# --- the texted look-up -----------------------------------------------------------------------

COUNTRY_WORDS = {"en": lambda code: country_name(code, "en").upper(), "es": lambda code: country_name(code, "es")}
statuses = st.tuples(
    st.just("status"),
    st.integers(0, 1),
    st.sampled_from(["en", "es"]),
    st.sampled_from(A_NUMBERS),
    # The person's country, another one, none, or one nobody knows.
    st.sampled_from(["right", "right", "MX", "GT", "HN", "SV", "none", "Narnia"]),
    st.booleans(),  # the A-number written short (a digit missing)
)
others = st.tuples(
    st.just("other"),
    st.integers(0, 1),
    st.sampled_from(
        ["STOP", "START", "HELP", "AYUDA", "Necesito hablar con alguien por favor", "我需要帮助", "hello?"]
    ),
)
texts = st.lists(st.one_of(statuses, statuses, others, st.tuples(st.just("again"))), min_size=1, max_size=8)


def body_of(step: tuple) -> str:
    if step[0] == "other":
        return step[2]
    _, _, language, a_number, country, short = step
    code = BORN[a_number] if country == "right" else country
    where = "" if code == "none" else " " + (code if code == "Narnia" else COUNTRY_WORDS[language](code))
    written = a_number[:-1] if short else a_number
    return f"{'STATUS' if language == 'en' else 'ESTADO'} A{written}{where}"


def sent_texts(steps: list[tuple], example: int) -> list[dict[str, str]]:
    """Each text as Twilio posts it; "again" delivers the previous one again (same MessageSid)."""
    forms: list[dict[str, str]] = []
    for number, step in enumerate(steps):
        if step[0] == "again":
            if forms:
                forms.append(forms[-1])
            continue
        sid = f"SM{example:08d}{number:024d}"
        forms.append(
            {
                "MessageSid": sid,
                "SmsSid": sid,
                "AccountSid": "AC" + "0" * 32,
                "From": TEXTERS[step[1]],
                "To": "+18554886423",
                "Body": body_of(step),
                "NumMedia": "0",
                "NumSegments": "1",
                "ApiVersion": "2010-04-01",
            }
        )
    return forms


def deliver(app, client, forms: list[dict[str, str]], lean: bool) -> tuple[list, list, list, list, list]:
    """Every text through one path: the replies, audit rows, stored replies, consent words and conversations."""
    replies = []
    headers = lambda form: {"X-Twilio-Signature": sign(AUTH_TOKEN, PUBLIC_BASE_URL + "/sms/incoming", form)}  # noqa: E731
    for form in forms:
        if lean:
            answered = client.post("/sms/incoming", data=form, headers=headers(form), base_url=PUBLIC_BASE_URL)
            assert answered.status_code == 200
            replies.append(answered.get_data(as_text=True))
        else:
            with app.test_request_context(
                "/sms/incoming", method="POST", data=form, headers=headers(form), base_url=PUBLIC_BASE_URL
            ):
                body = form["Body"]
                answered = sms.answer_text(parse_text(body), form["MessageSid"], sms.sender(), body)
                replies.append(answered.get_data(as_text=True))
    with app.extensions["hotline"].database.session() as session:
        audits = audit_rows(session)
        stored = [
            (m.message_sid, m.reply, m.replied_at is not None)
            for m in session.scalars(select(ProcessedMessage).order_by(ProcessedMessage.message_sid))
        ]
        words = [
            (c.phone, c.action, c.message_sid) for c in session.scalars(select(SmsConsent).order_by(SmsConsent.id))
        ]
        conversations = [
            (c.phone, c.language, c.status) for c in session.scalars(select(Conversation).order_by(Conversation.id))
        ]
    return replies, audits, stored, words, conversations


EXAMPLES = iter(range(10**9))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(policy=policies, limit=limits, steps=texts)
def test_the_lean_texted_look_up_answers_as_the_general_path(app, client, lookup_records, policy, limit, steps) -> None:
    hotline = app.extensions["hotline"]
    hotline.settings = hotline.settings.replace(disclosure=policy, lookup_limits=limit)
    forms = sent_texts(steps, next(EXAMPLES))
    forget_texts(app)
    general = deliver(app, client, forms, lean=False)
    forget_texts(app)
    lean = deliver(app, client, forms, lean=True)
    forget_texts(app)
    assert lean == general
    for audit in general[1]:
        event(f"audited {audit[6]}")
    for reply in general[0]:
        event("no reply" if "<Message>" not in reply else "a reply")
