"""After a callback request is stored: offer a confirmation text, only to the caller ID that asked.

Silence or any doubt means no text (a text can be read by someone else).
"""

from callflows.flows.safe_contact import text_safe_menu
from callflows.tree import Action, Menu, Option, Reprompt, Say

NODES = [
    # The effect offers the text only when the callback number is the caller ID and has not opted out.
    Action(
        "callback.text_check",
        effect="confirmation.check",
        outcomes={"offer": "callback.text_safe", "skip": "goodbye"},
    ),
    text_safe_menu("callback.text_safe", yes="callback.text_offer", no="goodbye"),
    Menu(
        "callback.text_offer",
        prompts=("confirmation.offer",),
        options=(
            Option("1", "confirmation.yes", "callback.text_send"),
            Option("2", "confirmation.no", "goodbye"),
        ),
        on_invalid=Reprompt("menu.invalid", then="goodbye", limit=2),
        on_silence=Reprompt("menu.silence", then="goodbye", limit=1),
    ),
    Action(
        "callback.text_send",
        effect="confirmation.send",
        outcomes={"ok": "callback.text_sent", "skip": "goodbye"},
    ),
    Say("callback.text_sent", prompts=("confirmation.sent",), goto="goodbye"),
]
