"""Effects of the operator part of the tree: are the operators answering now."""

from __future__ import annotations

from callflows import hours
from callflows.catalogue import catalogue
from callflows.engine import CallState, Outcome
from web.phone.actions import CallContext, effect


@effect("operator.check_hours")
def check_hours(state: CallState, context: CallContext) -> Outcome:
    """ "open" inside business hours (settings: hours, holidays, time zone); else "closed" with the hours."""
    settings = context.settings
    if hours.is_open(context.now, settings.business_hours, settings.holidays, settings.tz):
        return Outcome.of("open")
    cat = catalogue()
    lang = cat.resolve(state.lang)
    return Outcome.of("closed", operator_hours=hours.describe(settings.business_hours, settings.timezone, cat, lang))
