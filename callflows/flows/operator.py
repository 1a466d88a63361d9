"""Talk to an operator: inside business hours triage and the live queue, outside them offer a call back.

0 from any node leads here; at the three triage questions 0 again goes straight
to the queue, so a person is never more than two presses away (the operator then
sees "triage not given"). A caller in danger hears the 911 notice and holds in
the urgent queue, which operators answer first.
"""

from callflows.flows.triage import triage_nodes
from callflows.tree import Action, Enqueue, Menu, Option, Reprompt, Say

NODES = [
    # The hours, holidays and time zone are settings: the effect decides, the tree only branches.
    Action("operator", effect="operator.check_hours", outcomes={"open": "operator.who", "closed": "operator.closed"}),
    *triage_nodes("operator", then="operator.join", urgent_prompts=("operator.urgent",), skip_to="operator.skip"),
    # 0 at these questions: the queue, unless the hours ended while the caller answered.
    Action(
        "operator.skip", effect="operator.check_hours", outcomes={"open": "operator.join", "closed": "operator.closed"}
    ),
    # The triage answers are stored with the call before the transfer (the operator's whisper
    # and screen pop read them); "urgent" picks the queue.
    Action(
        "operator.join",
        effect="queue.join",
        outcomes={"normal": "operator.queue", "urgent": "operator.queue_urgent"},
    ),
    Enqueue("operator.queue", prompts=("operator.connecting",), after="operator.left"),
    Enqueue("operator.queue_urgent", prompts=("operator.connecting",), after="operator.left", urgent=True),
    # Twilio comes back here when the caller leaves the queue without an operator: they chose
    # a call back while holding (pressed 1), or the queue failed.
    Action(
        "operator.left", effect="queue.left", outcomes={"callback": "operator.kept_place", "missed": "operator.missed"}
    ),
    # The request keeps the caller's place; the safe-contact questions come before anything else,
    # as on every path that ends in a call back (the same questions, then the message offer).
    Say("operator.kept_place", prompts=("queue.kept_place",), goto="callback.safe_to_call"),
    Menu(
        "operator.missed",
        prompts=("operator.not_reached",),
        options=(
            # Triage is done by now: go straight to the callback number.
            Option("1", "operator.offer_callback", "callback.phone"),
            Option("2", "operator.offer_main", "main.back"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator.call_again"),
        on_silence=Reprompt("menu.silence", then="operator.call_again"),
    ),
    Say("operator.closed", prompts=("operator.closed",), goto="operator.closed_offer"),
    Menu(
        "operator.closed_offer",
        prompts=("operator.closed_offer",),
        options=(
            Option("1", "operator.offer_callback", "callback"),
            Option("2", "operator.offer_main", "main.back"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator.call_again"),
        on_silence=Reprompt("menu.silence", then="operator.call_again"),
        # Nobody answers the queue now: 0 here is the call back, as the menu says.
        operator="callback",
    ),
    Say("operator.call_again", prompts=("operator.call_again",), goto="goodbye"),
]
