"""Request a call back: triage, the number to call (stored at once), safe-contact choices, an optional message."""

from callflows.flows.safe_contact import safe_contact_nodes
from callflows.flows.triage import triage_nodes
from callflows.tree import Action, Ask, Menu, Option, Record, Reprompt, Say

NODES = [
    Say("callback", prompts=("callback.intro",), goto="callback.who"),
    # A caller in danger while operators answer goes to the urgent queue; out of hours they are
    # offered the national lines first (docs/decisions/callers-in-danger.md; callflows/flows/danger.py).
    *triage_nodes(
        "callback",
        then="callback.phone",
        urgent_prompts=("callback.marked_urgent",),
        after_need={"removal_process": "removal.offer"},
        danger_in_hours="operator.join",
        danger_out_of_hours="danger.lines",
        # 0 at these questions never asks them again: the queue in hours, the number out of hours.
        skip_to="callback.skip",
    ),
    Action(
        "callback.skip", effect="operator.check_hours", outcomes={"open": "operator.join", "closed": "callback.phone"}
    ),
    # The engine cannot see the request: the effect puts the caller ID (E.164) in the context.
    Action(
        "callback.phone",
        effect="callback.caller_id",
        outcomes={"known": "callback.confirm_phone", "withheld": "callback.withheld"},
    ),
    Menu(
        "callback.confirm_phone",
        prompts=("callback.your_number",),
        options=(
            Option("1", "callback.use_this", "callback.create", sets={"callback_to": "caller"}),
            Option("2", "callback.use_other", "callback.enter_phone"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    Say("callback.withheld", prompts=("callback.withheld",), goto="callback.enter_phone"),
    Ask(
        "callback.enter_phone",
        prompts=("callback.enter_phone",),
        parser="phone",
        store="phone",
        goto="callback.read_back",
        on_invalid=Reprompt("callback.phone_refused", then="operator"),
        on_silence=Reprompt("ask.silence", then="operator"),
        sensitive=True,
    ),
    Action("callback.read_back", effect="callback.spell_phone", outcomes={"ok": "callback.confirm_entered"}),
    Menu(
        "callback.confirm_entered",
        prompts=("callback.you_entered",),
        options=(
            Option("1", "callback.entered_right", "callback.create", sets={"callback_to": "entered"}),
            Option("2", "callback.enter_again", "callback.enter_phone"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    # A caller who hangs up right after confirming the number already has a request
    # (docs/decisions/callback-stored-on-confirm.md): it is stored here, and the optional parts are added as they come.
    Action(
        "callback.create",
        effect="callback.create",
        outcomes={"created": "callback.safe_to_call", "no_number": "callback.phone"},
    ),
    *safe_contact_nodes(then="callback.message_offer"),
    # The message is optional: a caller who says nothing here still has the request stored.
    Menu(
        "callback.message_offer",
        prompts=("callback.message_offer",),
        options=(
            Option("1", "callback.record_message", "callback.record"),
            Option("2", "callback.skip_message", "callback.update"),
        ),
        on_invalid=Reprompt("menu.invalid", then="callback.update"),
        on_silence=Reprompt("menu.silence", then="callback.update"),
    ),
    Record("callback.record", prompts=("callback.record_notice",), goto="callback.update", max_seconds=120),
    Action(
        "callback.update",
        effect="callback.update",
        # A caller hears the same words whether or not this phone asked before (operators see the link).
        outcomes={"created": "callback.saved", "no_number": "callback.phone"},
    ),
    Say("callback.saved", prompts=("callback.saved",), goto="callback.fit_window"),
    # The caller's window meets staffed calling hours, or they hear the nearest hours that work.
    Action(
        "callback.fit_window",
        effect="callback.fit_window",
        outcomes={"fits": "callback.estimate", "nearest": "callback.window_nearest"},
    ),
    Say("callback.window_nearest", prompts=("callback.window_nearest",), goto="callback.estimate"),
    Action(
        "callback.estimate",
        effect="callback.estimate",
        outcomes={
            "minutes": "callback.wait_minutes",
            "hours": "callback.wait_hours",
            "days": "callback.wait_days",
            "unknown": "callback.wait_unknown",
        },
    ),
    Say("callback.wait_minutes", prompts=("callback.position", "callback.wait_minutes"), goto="callback.done"),
    Say("callback.wait_hours", prompts=("callback.position", "callback.wait_hours"), goto="callback.done"),
    Say("callback.wait_days", prompts=("callback.position", "callback.wait_days"), goto="callback.done"),
    Say("callback.wait_unknown", prompts=("callback.position", "callback.wait_unknown"), goto="callback.done"),
    # Then the confirmation text offer (callflows/flows/confirmations.py), only to the caller ID.
    Say("callback.done", prompts=("callback.closing",), goto="callback.text_check"),
]
