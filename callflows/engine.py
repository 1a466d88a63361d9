"""The engine: ``step(tree, state, event) -> Turn``, pure and small.

A call's state (node, language, tries, a few context values) rides in the
Gather action URL, which Twilio signs with the rest of the request, so a
navigation step needs no database round trip. The engine never performs side
effects: a Turn that carries an ``effect`` asks the webhook to carry it out and
to ``resume`` with the outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from callflows import parsers
from callflows.catalogue import Catalogue, catalogue
from callflows.readback import spoken_digits, spoken_groups
from callflows.tree import (
    OPERATOR_DIGIT,
    REPEAT_DIGIT,
    SLOWER_DIGIT,
    Action,
    Ask,
    Enqueue,
    LanguageMenu,
    Menu,
    Node,
    Record,
    Reprompt,
    Say,
    Transfer,
    Tree,
)

MAX_HOPS = 50
# Slower speech (key 8): the context value that carries it, and how much longer Gathers wait.
SLOW = "slow"
SLOW_TIMEOUT_FACTOR = 2
# The context value the hours check sets: "1" while operators are not answering.
CLOSED = "closed"
# The suffix of a sentence's out-of-hours wording ("menu.globals.closed").
CLOSED_VARIANT = ".closed"


# --- state and events -------------------------------------------------------


@dataclass(frozen=True)
class CallState:
    """Where a call is: node, language, failed tries at this node, and context values."""

    node: str
    lang: str | None = None
    tries: int = 0
    ctx: tuple[tuple[str, str], ...] = ()

    @property
    def context(self) -> dict[str, str]:
        """The context values as a dict."""
        return dict(self.ctx)

    def get(self, key: str, default: str | None = None) -> str | None:
        """One context value."""
        return self.context.get(key, default)

    def at(self, node: str, tries: int = 0) -> CallState:
        """The same call at another node."""
        # Built directly: ``dataclasses.replace`` inspects the fields on every call, and a step moves often.
        return CallState(node, self.lang, tries, self.ctx)

    def with_values(self, values: Mapping[str, Any]) -> CallState:
        """The same call with context values added or replaced (None removes)."""
        merged = self.context
        for key, value in values.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = str(value)
        return CallState(self.node, self.lang, self.tries, tuple(sorted(merged.items())))

    @property
    def slow(self) -> bool:
        """True when the caller asked for slower speech and longer waits (key 8)."""
        return self.get(SLOW) == "1"

    def to_query(self) -> dict[str, str]:
        """The state as URL query parameters (the inverse of ``from_query``)."""
        query = {"n": self.node, "t": str(self.tries)}
        if self.lang:
            query["l"] = self.lang
        query.update({f"c_{key}": value for key, value in self.ctx})
        return query

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> CallState:
        """Read a state back from URL query parameters."""
        try:
            tries = int(query.get("t", "0"))
        except ValueError:
            tries = 0
        ctx = tuple(sorted((k[2:], v) for k, v in query.items() if k.startswith("c_")))
        return cls(
            node=query.get("n", ""),
            lang=query.get("l") or None,
            tries=max(0, min(tries, 9)),
            ctx=ctx,
        )


@dataclass(frozen=True)
class Enter:
    """Arrive at the state's node (a new call, or a redirect)."""


@dataclass(frozen=True)
class Digits:
    """Keys pressed (``Digits``)."""

    value: str


@dataclass(frozen=True)
class Speech:
    """Words said (``SpeechResult``), with the recognizer's confidence when given."""

    text: str
    confidence: float | None = None


@dataclass(frozen=True)
class Silence:
    """A Gather ended with no input."""


@dataclass(frozen=True)
class Outcome:
    """The result of an Action's side effect, with values for the context."""

    name: str
    values: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, name: str, **values: Any) -> Outcome:
        """An outcome with context values."""
        return cls(
            name,
            tuple(sorted((k, "" if v is None else str(v)) for k, v in values.items())),
        )


@dataclass(frozen=True)
class Recorded:
    """A voice message was recorded (``RecordingUrl``, ``RecordingDuration``)."""

    url: str
    seconds: int


Event = Enter | Digits | Speech | Silence | Outcome | Recorded


# --- what the webhook should do ---------------------------------------------


@dataclass(frozen=True)
class Line:
    """One sentence to say: a catalogue key, its parameters and its language."""

    key: str
    lang: str
    params: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Listen:
    """Gather input for the state's node."""

    num_digits: int | None
    finish_on_key: str | None
    hints: tuple[str, ...]
    speech_language: str
    digits_only_speech: bool = False
    timeout: int = 5


@dataclass(frozen=True)
class Effect:
    """A side effect to carry out, with the call's context."""

    name: str
    state: CallState


@dataclass(frozen=True)
class Hangup:
    """End the call."""


@dataclass(frozen=True)
class JoinQueue:
    """``<Enqueue>`` into the operator queue (the urgent one for a caller in danger)."""

    urgent: bool = False


@dataclass(frozen=True)
class RecordMessage:
    """``<Record>`` a voice message of at most ``max_seconds``."""

    max_seconds: int


@dataclass(frozen=True)
class DialOut:
    """``<Dial>`` ``number`` (E.164), then come back to the step URL."""

    number: str


End = Hangup | JoinQueue | RecordMessage | DialOut


@dataclass(frozen=True)
class Turn:
    """What to say, then either listen, carry out an effect, or end."""

    state: CallState
    lines: tuple[Line, ...] = ()
    listen: Listen | None = None
    effect: Effect | None = None
    end: End | None = None
    outcome: str = "ok"

    def then(self, later: Turn) -> Turn:
        """This turn's lines followed by ``later``."""
        return Turn(later.state, self.lines + later.lines, later.listen, later.effect, later.end, later.outcome)


class StaleState(Exception):
    """A state whose context does not fit its node (an old or damaged URL)."""


@dataclass
class _Builder:
    tree: Tree
    cat: Catalogue
    lines: list[Line] = field(default_factory=list)
    # A menu says one sentence per option with the same context: its prompt parameters are made once.
    _ctx: tuple[tuple[str, str], ...] | None = None
    _params: dict[str, str] = field(default_factory=dict)

    def say(self, state: CallState, *keys: str, **params: Any) -> None:
        if state.ctx is not self._ctx:
            self._ctx, self._params = state.ctx, context_params(state.context)
        merged = {**self._params, **params} if params else self._params
        for lang in spoken_languages(self.cat, state):
            values = localized(merged, lang)
            ordered = tuple(sorted(values.items()))
            for key in keys:
                said = key
                # While nobody answers the queue, a sentence that offers an operator has a ".closed"
                # variant that offers what 0 then leads to (the call back).
                if state.get(CLOSED) == "1" and self.cat.has(lang, f"{key}{CLOSED_VARIANT}"):
                    said = f"{key}{CLOSED_VARIANT}"
                needed = self.cat.placeholders(said).get(lang, set())
                if not needed <= values.keys():
                    raise StaleState(f"{state.node}: {said} needs {sorted(needed - values.keys())}")
                self.lines.append(Line(said, lang, ordered))


def spoken_languages(cat: Catalogue, state: CallState) -> tuple[str, ...]:
    """The chosen language; until a caller chooses one, every language of the catalogue, in order."""
    return (state.lang,) if state.lang in cat.codes else cat.codes


def localized(params: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """``params`` for one language: a value stored as ``name.<lang>`` stands in for ``name``.

    Effects that word something per language (the operators' hours) store one value
    per language while no language is chosen yet.
    """
    suffix = f".{lang}"
    out = {name: value for name, value in params.items() if "." not in name}
    out.update({name[: -len(suffix)]: value for name, value in params.items() if name.endswith(suffix)})
    return out


# --- the engine -------------------------------------------------------------


def start(tree: Tree) -> CallState:
    """The state of a new call."""
    return CallState(node=tree.entry)


def step(tree: Tree, state: CallState, event: Event, cat: Catalogue | None = None) -> Turn:
    """Advance a call by one event."""
    cat = cat or catalogue()
    if state.node not in tree.nodes:
        # An unknown node (an old URL after a deploy): start over rather than fail.
        return _arrive(_Builder(tree, cat), _fresh(tree, cat, state), "unknown_node")
    try:
        return _step(_Builder(tree, cat), state, event)
    except StaleState:
        return _arrive(_Builder(tree, cat), _fresh(tree, cat, state), "stale_state")


def _fresh(tree: Tree, cat: Catalogue, state: CallState) -> CallState:
    return CallState(node=tree.entry, lang=state.lang if state.lang in cat.codes else None)


def _step(build: _Builder, state: CallState, event: Event) -> Turn:
    tree = build.tree
    node = tree[state.node]
    if isinstance(event, Enter):
        return _arrive(build, state, "enter")
    if isinstance(node, (Menu, LanguageMenu)):
        return _answer_menu(build, node, state, event)
    if isinstance(node, Ask):
        return _answer_ask(build, node, state, event)
    if isinstance(node, Action) and isinstance(event, Outcome):
        target = node.outcomes.get(event.name) or node.outcomes.get("error", tree.operator)
        return _arrive(build, state.with_values(dict(event.values)).at(target), event.name)
    if isinstance(node, Record) and isinstance(event, Recorded):
        values = {"message_url": event.url, "message_seconds": event.seconds}
        return _arrive(build, state.with_values(values).at(node.goto), "recorded")
    if isinstance(node, Record):
        return _arrive(build, state.at(node.goto), "not_recorded")
    if isinstance(node, Transfer):
        # Whatever the <Dial> action reports (completed, busy, no-answer), the caller moves on.
        return _arrive(build, state.at(node.after), "transferred")
    if isinstance(node, Enqueue):
        if isinstance(event, Outcome) and event.name == "bridged":
            return Turn(state, end=Hangup(), outcome="bridged")
        return _arrive(build, state.at(node.after), "left_queue")
    return _arrive(build, state, "ignored")


def resume(tree: Tree, turn: Turn, outcome: Outcome, cat: Catalogue | None = None) -> Turn:
    """Continue a turn whose effect was carried out."""
    return turn.then(step(tree, turn.state, outcome, cat))


def _arrive(build: _Builder, state: CallState, outcome: str) -> Turn:
    """Say what each node on the way says until one waits for the caller."""
    tree = build.tree
    for _ in range(MAX_HOPS):
        node = tree[state.node]
        if isinstance(node, Say):
            build.say(state, *node.prompts)
            if node.goto is None:
                return Turn(state, tuple(build.lines), end=Hangup(), outcome=outcome)
            state = state.at(node.goto)
        elif isinstance(node, Action):
            return Turn(
                state,
                tuple(build.lines),
                effect=Effect(node.effect, state),
                outcome=outcome,
            )
        elif isinstance(node, Record):
            build.say(state, *node.prompts)
            return Turn(
                state,
                tuple(build.lines),
                end=RecordMessage(node.max_seconds),
                outcome=outcome,
            )
        elif isinstance(node, Enqueue):
            build.say(state, *node.prompts)
            return Turn(state, tuple(build.lines), end=JoinQueue(node.urgent), outcome=outcome)
        elif isinstance(node, Transfer):
            number = state.get(node.number)
            if not number:
                raise StaleState(f"{state.node}: no number to transfer to")
            build.say(state, *node.prompts)
            return Turn(state, tuple(build.lines), end=DialOut(number), outcome=outcome)
        else:
            listen = _prompt(build, node, state)
            return Turn(state, tuple(build.lines), listen=listen, outcome=outcome)
    raise RuntimeError(f"call tree loops without waiting for input at {state.node!r}")


def _prompt(build: _Builder, node: Node, state: CallState) -> Listen:
    cat = build.cat
    lang = cat.resolve(state.lang)
    if isinstance(node, LanguageMenu):
        hints: list[str] = []
        # Each language's short welcome and its choice, in its own voice, before anything else.
        for number, language in enumerate(cat.languages, start=1):
            for key in node.prompts:
                build.lines.append(Line(key, language.code))
            build.lines.append(Line("language.choose", language.code, (("digit", str(number)),)))
            hints += cat.words(language.code, "language.words")
        build.say(replace(state, lang=None), *node.after)
        return Listen(1, None, tuple(hints), cat.languages[0].speech_language)
    if isinstance(node, Menu):
        hints = []
        # Before a language is chosen the whole menu is said once in each language.
        for code in spoken_languages(cat, state):
            one = replace(state, lang=code)
            build.say(one, *node.prompts)
            for option in node.options:
                hints += cat.words(code, option.words_key)
                if node.announce_options:
                    # A whole sentence from the catalogue: "If that is correct, press {digit}."
                    build.say(one, option.label, digit=option.digit)
            if node.with_globals and node.announce_options:
                # Out of hours its ".closed" variant says 0 leads to a call back: never an operator who is not there.
                build.say(one, "menu.globals")
        return Listen(1, None, tuple(hints), cat.language(lang).speech_language, timeout=_timeout(state, 5))
    assert isinstance(node, Ask)
    build.say(state, *node.prompts)
    return Listen(
        node.max_digits,
        "#",
        (node.hints,) if node.hints else (),
        cat.language(lang).speech_language,
        digits_only_speech=parsers.is_numeric(node.parser),
        timeout=_timeout(state, 8),
    )


def _timeout(state: CallState, seconds: int) -> int:
    return seconds * SLOW_TIMEOUT_FACTOR if state.slow else seconds


def _danger(build: _Builder, state: CallState, event: Event) -> Turn | None:
    """Words of danger at any menu or question: the danger path, before any choice or "repeat"."""
    tree, cat = build.tree, build.cat
    if tree.danger is None or not isinstance(event, Speech):
        return None
    # Before a language is chosen, any language's words count (and choose it).
    for lang in [cat.resolve(state.lang)] if state.lang else cat.codes:
        if parsers.heard_danger(
            event.text,
            cat.words(lang, "danger.heard.words"),
            cat.words(lang, "danger.heard.alone"),
            cat.words(lang, "danger.heard.not"),
        ):
            heard = replace(state, lang=lang).with_values({"urgent": "1"})
            return _arrive(build, heard.at(tree.danger), "danger_heard")
    return None


def _answer_menu(build: _Builder, node: Menu | LanguageMenu, state: CallState, event: Event) -> Turn:
    tree, cat = build.tree, build.cat
    danger = _danger(build, state, event)
    if danger is not None:
        return danger
    if isinstance(node, LanguageMenu):
        if isinstance(event, Digits) and event.value.strip().rstrip("#") == OPERATOR_DIGIT:
            # 0 reaches a person even before a language is chosen, still told in every language.
            return _arrive(build, replace(state, lang=None).at(node.operator or tree.operator), "operator")
        choice = _choose_language(cat, event)
        if choice is not None:
            chosen = replace(state, lang=choice).at(node.goto)
            # Said once, after the first choice, in the chosen language.
            build.say(chosen, "slower.offer")
            return _arrive(build, chosen, f"language:{choice}")
        return _retry(build, node, state, event)
    lang = cat.resolve(state.lang)
    codes = spoken_languages(cat, state)
    digit = _digit_of(event, lang)
    if digit is None and isinstance(event, Speech):

        def words(key: str) -> list[str]:
            return [word for code in codes for word in cat.words(code, key)]

        choices = {o.digit: words(o.words_key) for o in node.options}
        if node.with_globals:
            choices[REPEAT_DIGIT] = words("global.repeat.words")
            choices[OPERATOR_DIGIT] = words("global.operator.words")
            choices[SLOWER_DIGIT] = words("slower.words")
        digit = parsers.match_choice(event.text, choices, lang)
    if node.with_globals and digit == REPEAT_DIGIT:
        return _arrive(build, state.at(node.name, state.tries), "repeat")
    if node.with_globals and digit == OPERATOR_DIGIT:
        return _arrive(build, state.at(node.operator or tree.operator), "operator")
    if node.with_globals and digit == SLOWER_DIGIT:
        slower = state.with_values({SLOW: "1"})
        build.say(slower, "slower.on")
        return _arrive(build, slower.at(node.name, state.tries), "slower")
    for option in node.options:
        if option.digit == digit:
            return _arrive(build, state.with_values(option.sets).at(option.goto), f"option:{digit}")
    return _retry(build, node, state, event)


def _answer_ask(build: _Builder, node: Ask, state: CallState, event: Event) -> Turn:
    tree, cat = build.tree, build.cat
    danger = _danger(build, state, event)
    if danger is not None:
        return danger
    lang = cat.resolve(state.lang)
    value: str | None = None
    if isinstance(event, Digits):
        keys = event.value.strip()
        if "*" in keys:
            # "*" starts the entry over; it is not a failed try.
            build.say(state, "ask.start_over")
            return _arrive(build, state, "start_over")
        if keys == OPERATOR_DIGIT:
            return _arrive(build, state.at(tree.operator), "operator")
        value = parsers.parse(node.parser, keys, lang, keypad=True)
    elif isinstance(event, Speech):
        words = {OPERATOR_DIGIT: cat.words(lang, "global.operator.words")}
        if parsers.match_choice(event.text, words, lang) == OPERATOR_DIGIT:
            return _arrive(build, state.at(tree.operator), "operator")
        value = parsers.parse(node.parser, event.text, lang, keypad=False)
    if value is None:
        return _retry(build, node, state, event)
    return _arrive(build, state.with_values({node.store: value}).at(node.goto), "accepted")


def _retry(build: _Builder, node: Menu | LanguageMenu | Ask, state: CallState, event: Event) -> Turn:
    rule: Reprompt = node.on_silence if isinstance(event, Silence) else node.on_invalid
    kind = "silence" if isinstance(event, Silence) else "invalid"
    tries = state.tries + 1
    build.say(state, rule.prompt)
    if tries >= rule.limit:
        return _arrive(build, state.at(rule.then), f"{kind}:give_up")
    return _arrive(build, state.at(node.name, tries), kind)


def _digit_of(event: Event, lang: str) -> str | None:
    if isinstance(event, Digits):
        keys = event.value.strip().rstrip("#")
        return keys if len(keys) == 1 else None
    if isinstance(event, Speech):
        return parsers.spoken_digit(event.text, lang)
    return None


def _choose_language(cat: Catalogue, event: Event) -> str | None:
    digit = _digit_of(event, cat.default)
    if digit is None and isinstance(event, Speech):
        for code in cat.codes:
            digit = _digit_of(event, code)
            if digit:
                break
        if digit is None:
            choices = {str(i): cat.words(lang.code, "language.words") for i, lang in enumerate(cat.languages, 1)}
            digit = parsers.match_choice(event.text, choices, cat.default)
    if digit and digit.isdigit() and 1 <= int(digit) <= len(cat.languages):
        return cat.languages[int(digit) - 1].code
    return None


def context_params(context: Mapping[str, str]) -> dict[str, str]:
    """Context values as prompt parameters, with spoken forms of digit strings.

    For a value of digits ``v`` under key ``k`` there is also ``k_groups``
    ("2 0 1, 3 4 5, 6 7 8") and ``k_last4`` ("6 4 2 3").
    """
    params: dict[str, str] = dict(context)
    for key, value in context.items():
        digits = value.lstrip("+")
        if digits.isdigit() and len(digits) >= 4:
            params[f"{key}_groups"] = spoken_groups(digits)
            params[f"{key}_last4"] = spoken_digits(digits[-4:])
    return params
