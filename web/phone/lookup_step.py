"""The keypad look-up step, served lean: the audited look-up, then an answer rendered once per process.

Why it exists: the country key at ``custody.country`` is the hotline's most expensive step.
The general path (``web.phone.voice.answer``) carries out the ``custody.look_up`` effect
through the effect registry, resumes the engine with its outcome, carries out
``custody.case_status``, resumes the engine again and renders the turn it reaches; in the
profile (docs/performance.md) the two resumes alone were about a tenth of the step's CPU, and
all of that work gives the same document to every caller who gets the same answer.

This module runs the same audited look-up (``look_up_on_call``: the limit counted under the
caller's lock in the audit row's transaction, committed before the caller hears anything),
then takes the document, and the outcome and language the call event records, from a
per-process cache keyed by everything they depend on: the state the look-up was asked in,
less the values its answer replaces (so the language, the hours flag, slower speech and
whatever else the call carries), the answer's outcome and disclosed values (the told values
are made from them and the language alone), the operator queue and the URL-state key. A miss
computes the entry with the engine itself, exactly as the general path would.

It serves only the plain case: keys at ``custody.country`` that the engine turns straight
into the look-up. Anything else (danger words, 0, *, invalid keys, speech, the country read
back) is left to the general path before anything is done; an answer the call must go on
from through the engine (a country to confirm, an error after the call ended) is handed back
as the effect's outcome, so the general path resumes exactly where the effect would have.

What holds it to the engine: ``tests/custody/test_lookup_step.py`` runs the same requests
through this path and the general one, on a real database, and requires the same TwiML
byte for byte (with the sealed state in its action URLs opened: each seal has a fresh nonce),
the same audit rows and the same call events, over languages, every answer the policy can
give, the limits, a call that has ended and retried requests.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from callflows import engine
from callflows.engine import CallState, Digits, Event, Outcome, Turn
from callflows.flows import TREE
from web.phone import actions
from web.phone.actions import CallContext
from web.phone.actions.custody import TOLD_ON_CALL, look_up_on_call, told_on_call
from web.phone.twiml import render_turn
from web.phone.url_state import UrlStateCodec

# The node whose keys the lean path answers, and the effect the engine asks for there.
LOOK_UP_NODE = "custody.country"
LOOK_UP = "custody.look_up"
# Effects that may follow the look-up's answer and depend on the call's state alone, so what
# they lead to may be cached; any other effect sends the call back to the general path.
PURE_AFTER_LOOK_UP = frozenset({"custody.case_status"})
CACHE_SIZE = 4096
_TOLD = frozenset(TOLD_ON_CALL)


@dataclass(frozen=True)
class Answered:
    """The look-up step's document, and the outcome and language its call event records."""

    document: str
    outcome: str
    language: str | None


class _Answers:
    """The rendered answers of this process, by everything a document depends on (bounded)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: dict[tuple[object, ...], Answered] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[object, ...]) -> Answered | None:
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: tuple[object, ...], answered: Answered) -> None:
        with self._lock:
            if len(self._entries) >= self._size:
                # The oldest entry goes: a bounded cache, like the general path's render cache.
                del self._entries[next(iter(self._entries))]
            self._entries[key] = answered

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


ANSWERS = _Answers(CACHE_SIZE)


def serve(
    asked: CallState,
    event: Event,
    turn: Turn,
    context: CallContext,
    operator_queue: str,
    codec: UrlStateCodec,
) -> Answered | Outcome | None:
    """Serve the keypad look-up: the answer; or the outcome the engine goes on from; or None (not the plain case).

    ``turn`` is the engine's step from ``asked`` with ``event``; None is returned before anything is done.
    """
    effect = turn.effect
    if (
        asked.node != LOOK_UP_NODE
        or not isinstance(event, Digits)
        or effect is None
        or effect.name != LOOK_UP
        or turn.lines
    ):
        return None
    state = effect.state
    _country, answer = look_up_on_call(state, context)
    if isinstance(answer, Outcome):
        # A country to confirm (nothing looked up) or an error (audited): the engine's path goes on.
        return answer
    # The outcome's values replace these in the call's state: the answer cannot depend on them.
    kept = tuple(item for item in state.ctx if item[0] not in _TOLD)
    # The outcome is made from the answer and the language alone (told_on_call), so they stand for it.
    key = (
        state.node,
        state.lang,
        state.tries,
        kept,
        answer.outcome,
        tuple(answer.values.items()),
        operator_queue,
        codec,
    )
    answered = ANSWERS.get(key)
    if answered is None:
        outcome = told_on_call(answer, state.lang or "en")
        answered = _after(CallState(state.node, state.lang, state.tries, kept), outcome, context, operator_queue, codec)
        if answered is None:
            return outcome
        ANSWERS.put(key, answered)
    return answered


def _after(
    state: CallState, outcome: Outcome, context: CallContext, operator_queue: str, codec: UrlStateCodec
) -> Answered | None:
    """What the engine answers after the look-up's ``outcome`` at ``state``; None if an impure effect follows.

    ``state`` lacks the values the outcome sets: the engine merges them in, so the turn is the one
    the general path reaches (whose first turn says nothing before the look-up).
    """
    turn = engine.step(TREE, state, outcome)
    while turn.effect is not None:
        if turn.effect.name not in PURE_AFTER_LOOK_UP:
            return None
        turn = engine.resume(TREE, turn, actions.run(turn.effect.name, turn.effect.state, context))
    return Answered(render_turn(turn, operator_queue, codec=codec), turn.outcome, turn.state.lang)
