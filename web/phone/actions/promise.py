"""Effect of the promise: what is kept and for how long, from settings."""

from __future__ import annotations

from callflows.engine import CallState, Outcome
from web.phone.actions import CallContext, effect


@effect("promise.terms")
def terms(state: CallState, context: CallContext) -> Outcome:
    """The retention period the caller is told (settings.retention_request_days)."""
    return Outcome.of("ok", retention_days=context.settings.retention_request_days)
