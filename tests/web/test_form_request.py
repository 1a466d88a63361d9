"""The one-pass form parser reads every URL-encoded body as Werkzeug's own parser does."""

from __future__ import annotations

import pytest
from flask import Request
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import EnvironBuilder

from web.phone.webhooks import FormRequest

URLENCODED = "application/x-www-form-urlencoded"


def both(body: bytes, **options) -> tuple[Request, FormRequest]:
    """The same request read by Werkzeug's parser and by ours."""
    environ = EnvironBuilder(method="POST", data=body, content_type=URLENCODED, **options).get_environ()
    other = EnvironBuilder(method="POST", data=body, content_type=URLENCODED, **options).get_environ()
    return Request(environ), FormRequest(other)


# Bodies built from what URL-encoded forms are made of, and what an attacker may add.
PIECES = st.sampled_from(["&", "=", "+", "%", "%2B", "%20", "%C3%A9", "%E2%9C", "%zz", "%", "a", "Body", "é", ";", " "])


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_any_body_reads_as_werkzeug_reads_it(body: str) -> None:
    werkzeug, ours = both(body.encode())
    assert list(ours.form.items(multi=True)) == list(werkzeug.form.items(multi=True))
    # A field asked for, present or not, with or without a default or a type, answers alike.
    for name in ("a", "Body", "é", "Digits", ""):
        assert ours.form.get(name) == werkzeug.form.get(name)
        assert ours.form.get(name, "none") == werkzeug.form.get(name, "none")
        assert ours.form.get(name, -1, type=int) == werkzeug.form.get(name, -1, type=int)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60))
def test_any_bytes_read_as_werkzeug_reads_them(body: bytes) -> None:
    werkzeug, ours = both(body)
    assert list(ours.form.items(multi=True)) == list(werkzeug.form.items(multi=True))


def test_a_twilio_form_keeps_its_fields_in_order_with_plus_and_escapes_decoded() -> None:
    _, ours = both(b"CallSid=CA1&From=%2B12025550143&SpeechResult=uno+dos&Digits=&Flag")
    assert list(ours.form.items(multi=True)) == [
        ("CallSid", "CA1"),
        ("From", "+12025550143"),
        ("SpeechResult", "uno dos"),
        ("Digits", ""),
        ("Flag", ""),
    ]
    assert ours.get_data() == b"CallSid=CA1&From=%2B12025550143&SpeechResult=uno+dos&Digits=&Flag"


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read() -> None:
    _, ours = both(b"Body=" + b"x" * 100)
    ours.max_content_length = 50
    with pytest.raises(RequestEntityTooLarge):
        _ = ours.form


def test_a_body_without_a_length_goes_through_werkzeugs_guarded_stream() -> None:
    environ = EnvironBuilder(method="POST", data=b"a=1", content_type=URLENCODED).get_environ()
    del environ["CONTENT_LENGTH"]
    # Without a length and without a server that ends the stream, Werkzeug reads nothing: so do we.
    assert FormRequest(environ).form.to_dict() == Request(dict(environ)).form.to_dict() == {}


def test_other_bodies_go_to_werkzeugs_parser() -> None:
    environ = EnvironBuilder(method="POST", data={"name": "value"}, content_type="multipart/form-data").get_environ()
    assert environ["CONTENT_TYPE"].startswith("multipart/form-data")
    assert FormRequest(environ).form.to_dict() == {"name": "value"}
