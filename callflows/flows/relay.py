"""Relay calls (711): a relay service's caller ID skips the menus.

Each menu is a long wait for a relay operator who types every prompt to the
caller, so in operator hours the call goes straight to the operator queue (the
call session records that it is a relay call, for the operator's whisper); out
of hours it hears the hours and the callback offer, at the slower pace.
"""

from __future__ import annotations

from collections.abc import Collection

from callflows.engine import SLOW, CallState
from callflows.phones import to_e164
from callflows.tree import Action

RELAY = "relay"

NODES = [
    # Through operator.join, like every caller who holds: the queued-call row is what "Take next
    # caller" answers and what the whisper and screen pop read (with "expect a relay call").
    Action(RELAY, effect="operator.check_hours", outcomes={"open": "operator.join", "closed": "operator.closed"}),
]


def is_relay_call(caller: str | None, relay_caller_ids: Collection[str]) -> bool:
    """True when the caller ID is one of the configured relay services' numbers."""
    if not caller or not relay_caller_ids:
        return False  # nothing to compare with: no need to parse the caller's number
    number = to_e164(caller)
    return number is not None and any(number == to_e164(relay) for relay in relay_caller_ids)


def relay_start(lang: str) -> CallState:
    """The state a relay call starts in: at ``relay``, slow, marked as a relay."""
    return CallState(node=RELAY, lang=lang).with_values({SLOW: "1", RELAY: "1"})
