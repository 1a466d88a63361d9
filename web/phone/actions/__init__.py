"""Side effects the call tree asks for (``Action`` nodes), by effect name.

Each module registers its effects with ``@effect("name")``; a runner gets the
call's state and context and returns the engine ``Outcome``. Runners that
commit what a caller relies on (a callback request, an audited look-up) write
synchronously; they must be safe to run twice, because Twilio retries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from callflows.engine import CallState, Outcome
from config import Settings

EffectRunner = Callable[[CallState, "CallContext"], Outcome]
EFFECTS: dict[str, EffectRunner] = {}


@dataclass(frozen=True)
class CallContext:
    """What an effect may know about the call besides its state."""

    call_sid: str
    caller: str | None  # E.164, or None when the caller ID is withheld
    settings: Settings
    now: datetime
    idempotency_token: str | None = None


def effect(name: str) -> Callable[[EffectRunner], EffectRunner]:
    """Register a runner for the effect ``name``."""

    def register(runner: EffectRunner) -> EffectRunner:
        if name in EFFECTS:
            raise ValueError(f"effect {name!r} registered twice")
        EFFECTS[name] = runner
        return runner

    return register


def run(name: str, state: CallState, context: CallContext) -> Outcome:
    """Carry out one effect."""
    return EFFECTS[name](state, context)


def load_all() -> None:
    """Import every effect module so its runners are registered."""
    from web.phone.actions import (  # noqa: F401
        callback,
        confirmations,
        custody,
        live_queue,
        notify,
        office,
        operator,
        promise,
        referrals,
        safe_contact,
    )
