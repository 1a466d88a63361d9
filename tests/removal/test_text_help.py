"""Text is a full alternative to calling: the help reply says how to reach a specialist by text."""

from __future__ import annotations

import re

import pytest

from callflows.sms import segments


@pytest.mark.parametrize(("body", "offer"), [("HELP", "To text a specialist"), ("AYUDA", "escribir a un especialista")])
def test_the_help_reply_offers_a_specialist_by_text_without_saying_victim(app, texter, body, offer) -> None:
    [reply] = texter().send(body)
    assert offer in reply
    assert "victim" not in reply.lower() and not re.search(r"\bICE\b", reply)
    assert segments(reply) <= 2
