"""Relay calls (711): a relay service's caller ID skips the menus.

Each menu is a long wait for a relay operator who types every prompt to the
caller, so the call hears only the short welcome, the 911 notice and the promise,
in every language (nobody has chosen one), then in operator hours goes straight
to the queue (the call session records that it is a relay call, for the
operator's whisper). Out of hours it hears the hours and is asked for a number
to call back: the relay service's caller ID is not the caller's, so it is never
offered, and nothing says the caller ID is hidden.
"""

from __future__ import annotations

from collections.abc import Collection

from callflows.engine import SLOW, CallState
from callflows.phones import to_e164
from callflows.tree import Action, Say

RELAY = "relay"

NODES = [
    Say(RELAY, prompts=("welcome.short", "welcome.greeting", "welcome.danger"), goto="relay.promise"),
    Action("relay.promise", effect="promise.terms", outcomes={"ok": "relay.promise_say"}),
    Say("relay.promise_say", prompts=("promise.status", "promise.kept"), goto="relay.hours"),
    # Through operator.join, like every caller who holds: the queued-call row is what "Take next
    # caller" answers and what the whisper and screen pop read (with "expect a relay call").
    Action("relay.hours", effect="operator.check_hours", outcomes={"open": "operator.join", "closed": "relay.closed"}),
    Say("relay.closed", prompts=("operator.closed", "relay.callback"), goto="callback.enter_phone"),
]


def is_relay_call(caller: str | None, relay_caller_ids: Collection[str]) -> bool:
    """True when the caller ID is one of the configured relay services' numbers."""
    if not caller or not relay_caller_ids:
        return False  # nothing to compare with: no need to parse the caller's number
    number = to_e164(caller)
    return number is not None and any(number == to_e164(relay) for relay in relay_caller_ids)


def relay_start() -> CallState:
    """The state a relay call starts in: at ``relay``, no language chosen, slow, marked as a relay."""
    return CallState(node=RELAY).with_values({SLOW: "1", RELAY: "1"})
