"""A caller in danger outside staffed hours: after the 911 notice, the national lines, then the callback.

docs/decisions/callers-in-danger.md: nobody answers the urgent queue out of hours,
so the caller may be connected (``<Dial>``) to a national line that answers day
and night (NDVH, RAINN, 988; numbers in settings, as in "help near you"), or
go straight on to an urgent callback request. Whatever happens on the way (the
caller asks for the callback, says nothing, or the national line's call ends
with them still on the line) leads to the callback, already marked urgent.
"""

from __future__ import annotations

from callflows.tree import Action, Menu, Option, Reprompt, Say, Transfer

LINES = "danger.lines"
# Where words of danger said at any menu or question lead (``Tree.danger``): the callback
# triage's "in danger" step, which says the 911 notice and checks the hours.
HEARD = "callback.in_danger"
# Where every way out of these nodes leads: the callback triage's out-of-hours step
# ("we will mark your request as urgent", then the number to call).
THEN = "callback.danger_closed"

NODES = [
    Menu(
        LINES,
        prompts=("danger.lines_intro",),
        options=(
            Option("1", "referrals.line.ndvh", "danger.dial", {"line": "ndvh"}),
            Option("2", "referrals.line.rainn", "danger.dial", {"line": "rainn"}),
            Option("3", "referrals.line.988", "danger.dial", {"line": "988"}),
            Option("4", "danger.callback_instead", THEN),
        ),
        # A caller who cannot choose is not left waiting: they go on to the callback.
        on_invalid=Reprompt("menu.invalid", then=THEN, limit=2),
        on_silence=Reprompt("menu.silence", then=THEN, limit=2),
    ),
    # The number comes from settings (NATIONAL_LINE_*); a bad setting leads to the callback, not a dead end.
    Action("danger.dial", effect="referrals.national_line", outcomes={"dial": "danger.transfer", "error": THEN}),
    Transfer("danger.transfer", prompts=("danger.connecting",), number="dial_to", after="danger.back"),
    Say("danger.back", prompts=("danger.back",), goto=THEN),
]
