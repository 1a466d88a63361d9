"""Effects of the operator part of the tree: are the operators answering now."""

from __future__ import annotations

from callflows import hours
from callflows.catalogue import catalogue
from callflows.engine import CLOSED, CallState, Outcome, spoken_languages
from web.phone.actions import CallContext, effect


@effect("operator.check_hours")
def check_hours(state: CallState, context: CallContext) -> Outcome:
    """ "open" inside business hours (settings: hours, holidays, time zone); else "closed" with the hours.

    Both set ``closed`` in the call's context, which words the "press 0" sentence of every later menu.
    Before a language is chosen the hours are worded in every language (``operator_hours.<lang>``).
    """
    settings = context.settings
    if hours.is_open(context.now, settings.business_hours, settings.holidays, settings.tz):
        return Outcome.of("open", **{CLOSED: "0"})
    cat = catalogue()
    codes = spoken_languages(cat, state)
    described = {code: hours.describe(settings.business_hours, settings.timezone, cat, code) for code in codes}
    if len(codes) == 1:
        return Outcome.of("closed", operator_hours=described[codes[0]], **{CLOSED: "1"})
    return Outcome.of("closed", **{f"operator_hours.{code}": text for code, text in described.items()}, **{CLOSED: "1"})
