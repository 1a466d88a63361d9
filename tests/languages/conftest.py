"""Fixtures for the languages: a copy of the catalogue the app reads, a pseudo-language, a crawler.

The pseudo-language is generated from English at test time: every sentence wrapped
in brackets and accented ("[Ŧĥàñķ ýõú…]"), placeholders kept. A call walked in it
hears only bracketed sentences, so a sentence that does not come from the catalogue
shows up as plain English.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from copy import copy
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import callflows.catalogue as catalogue_module
import callflows.sms as sms_module
import web.phone.queue as queue_module
import web.phone.twiml as twiml_module
import web.phone.voice as voice_module
from config import Settings
from simulator import Call, Heard
from tests.e2e.conftest import ALWAYS_OPEN

PSEUDO = "xx"
RELAY_NUMBER = "+12025550177"
_ACCENTS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçđéƒĝĥîĵķĺɱñöƥɋŕšŧûṽŵẋýžÀƁÇĐÉƑĜĤÎĴĶĹṀÑÖƤɊŔŠŦÛṼŴẊÝŽ",
)
_FIELD = re.compile(r"(\{[^{}]*\})")


def pseudo(text: str) -> str:
    """English made visibly foreign: accented letters, brackets around the sentence, placeholders kept."""
    parts = _FIELD.split(text)
    return "[" + "".join(part if _FIELD.fullmatch(part) else part.translate(_ACCENTS) for part in parts) + "]"


def pseudo_words(words: list[str]) -> list[str]:
    """Spoken synonyms in the pseudo-language (accented, no brackets)."""
    return [word.translate(_ACCENTS) for word in words]


def clear_caches() -> None:
    """Forget everything built from the catalogue (rendered TwiML, detection data)."""
    catalogue_module.catalogue.cache_clear()
    sms_module._texting_data.cache_clear()
    voice_module._navigate.cache_clear()
    voice_module._render.cache_clear()
    queue_module.wait_message.cache_clear()
    twiml_module.apology.cache_clear()


@pytest.fixture
def prompts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the shipped catalogue that the app reads for this test (edit it freely)."""
    folder = tmp_path / "prompts"
    shutil.copytree(catalogue_module.PROMPTS_DIR, folder)
    monkeypatch.setattr(catalogue_module, "PROMPTS_DIR", folder)
    clear_caches()
    yield folder
    monkeypatch.undo()
    clear_caches()


@pytest.fixture
def with_pseudo(prompts: Path) -> Path:
    """The catalogue plus the pseudo-language, offered last at the language menu."""
    english, target = prompts / "en", prompts / PSEUDO
    target.mkdir()
    meta = json.loads((english / "_meta.json").read_text(encoding="utf-8"))
    meta.update(name="Pseudo", order=len([p for p in prompts.iterdir() if p.is_dir()]))
    (target / "_meta.json").write_text(json.dumps(meta), encoding="utf-8")
    for file in english.glob("*.json"):
        if file.name.startswith("_"):
            continue
        entries = json.loads(file.read_text(encoding="utf-8"))
        converted = {k: pseudo(v) if isinstance(v, str) else pseudo_words(v) for k, v in entries.items()}
        (target / file.name).write_text(json.dumps(converted, ensure_ascii=False), encoding="utf-8")
    for code in ("en", "es", "zh"):
        # The operator's whisper names the caller's language, the pseudo one too.
        live = prompts / code / "live_queue.json"
        entries = json.loads(live.read_text(encoding="utf-8"))
        entries[f"live.language.{PSEUDO}"] = "Pseudo."
        live.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    clear_caches()
    return prompts


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Operators always answering (tests close them explicitly) and one relay service's caller ID."""
    return settings.replace(business_hours=ALWAYS_OPEN, holidays=(), relay_caller_ids=(RELAY_NUMBER,))


# --- walking every path ------------------------------------------------------------------

# What a caller may type at a question that wants a number: an A-number, a ZIP code, a
# phone number, a PIN; each is tried, with 0, * and silence.
_ANSWERS_TO_QUESTIONS = ("1", "201345678", "20001", "2025550199", "1234")
_DIGIT = re.compile(r"(?<![0-9])([0-9])(?![0-9])")


def node_of(call: Call) -> str:
    """The node the call waits at (from the action URL, which carries it in clear)."""
    query = parse_qs(urlsplit(call.waiting_url).query)
    return query.get("n", ["?"])[0]


def fork(call: Call) -> Call:
    """Another caller at the same place: the state rides in the action URL."""
    other = copy(call)
    other.heard, other.transcript, other.documents = [], [], []
    return other


def crawl(call: Call, max_screens: int = 400) -> tuple[list[Heard], set[str]]:
    """Every input at every node reached from ``call``: every sentence heard, and the nodes visited.

    At a menu each announced key is pressed (and silence, 0, 9); at a question the
    usual answers are typed; recording, holding and a dialled line are followed.
    """
    heard: list[Heard] = list(call.heard)
    visited: set[str] = set()
    todo = [call]
    while todo and len(visited) < max_screens:
        current = todo.pop()
        if current.ended or current.waiting is None:
            continue
        node = node_of(current)
        if node in visited:
            continue
        visited.add(node)
        for action in _inputs(current):
            other = fork(current)
            action(other)
            heard += other.heard
            if other.ended == "dialled" and other.dial_action:
                other.dial_ends()
                heard += other.heard
            todo.append(other)
    return heard, visited


def _inputs(call: Call) -> list:
    waiting = call.waiting
    assert waiting is not None
    if waiting.tag == "Record":
        return [lambda c: c.record()]
    if waiting.get("finishOnKey") == "#":
        return [lambda c, v=v: c.press(v + "#") for v in _ANSWERS_TO_QUESTIONS] + [
            lambda c: c.press("0"),
            lambda c: c.press("*"),
            lambda c: c.silence(),
        ]
    said = " ".join(h.text for h in call.heard)
    digits = sorted(set(_DIGIT.findall(said)) | {"0", "9"})
    return [lambda c, d=d: c.press(d) for d in digits] + [lambda c: c.silence()]


def say_languages(document: str) -> set[str]:
    """The ``language`` of every <Say> in a TwiML document."""
    return {say.get("language") or "" for say in ET.fromstring(document).iter("Say")}
