"""Talk to an operator: inside business hours triage and queue, outside them offer a call back."""

from callflows.flows.triage import triage_nodes
from callflows.tree import Action, Enqueue, Menu, Option, Reprompt, Say

NODES = [
    # The hours, holidays and time zone are settings: the effect decides, the tree only branches.
    Action("operator", effect="operator.check_hours", outcomes={"open": "operator.who", "closed": "operator.closed"}),
    *triage_nodes("operator", then="operator.queue", urgent_prompts=("operator.urgent",)),
    Enqueue("operator.queue", prompts=("operator.connecting",), after="operator.missed"),
    # Twilio comes back here when the caller leaves the queue without an operator
    # (queue full, an error, or the caller pressed a key in the wait message).
    Menu(
        "operator.missed",
        prompts=("operator.not_reached",),
        options=(
            # Triage is done by now: go straight to the callback number.
            Option("1", "operator.offer_callback", "callback.phone"),
            Option("2", "operator.offer_main", "main"),
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
            Option("2", "operator.offer_main", "main"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator.call_again"),
        on_silence=Reprompt("menu.silence", then="operator.call_again"),
    ),
    Say("operator.call_again", prompts=("operator.call_again",), goto="goodbye"),
]
