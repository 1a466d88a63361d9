"""Safe-contact questions of the callback path, EN/ES.

Asked right after the request is stored: is it safe to call this number, may we
leave a voicemail, may the specialist say where they call from, and when to
call. A caller who says nothing is asked once more, then gets the most careful
answer (docs/decisions/missing-answer-most-careful.md): no voicemail, no identification,
any time inside staffed calling hours; silence on "is it safe?" leaves it "not confirmed"
for the operator and goes on to the next question, so no question is skipped.
"""

from __future__ import annotations

from callflows.tree import Action, Menu, Node, Option, Reprompt, Say

WINDOWS = (("1", "morning"), ("2", "afternoon"), ("3", "evening"), ("4", "any"))


def _ask_twice(prompt: str, then: str) -> Reprompt:
    return Reprompt(prompt, then=then, limit=2)


def safe_contact_nodes(then: str) -> list[Node]:
    """The questions as ``callback.safe_to_call`` … ``callback.window``; the last leads to ``then``."""
    return [
        Menu(
            "callback.safe_to_call",
            prompts=("callback.safe_to_call",),
            options=(
                Option("1", "callback.safe_yes", "callback.voicemail", sets={"safe": "yes"}),
                Option("2", "callback.safe_no", "callback.withdraw"),
            ),
            # No answer: "not confirmed" for the operator, and the other questions are still asked;
            # each one unanswered keeps its careful default (no voicemail, no identification, any time).
            on_invalid=_ask_twice("menu.invalid", "callback.voicemail"),
            on_silence=_ask_twice("menu.silence", "callback.voicemail"),
        ),
        # Not safe: the request for that number is withdrawn before anything else is said.
        Action("callback.withdraw", effect="callback.withdraw", outcomes={"ok": "callback.not_safe"}),
        Menu(
            "callback.not_safe",
            prompts=("callback.not_safe",),
            options=(
                Option("1", "callback.not_safe_other", "callback.enter_phone"),
                Option("2", "callback.not_safe_call_us", "callback.our_hours"),
            ),
            on_invalid=_ask_twice("menu.invalid", "callback.our_hours"),
            on_silence=_ask_twice("menu.silence", "callback.our_hours"),
        ),
        Action("callback.our_hours", effect="callback.our_hours", outcomes={"ok": "callback.call_us"}),
        Say("callback.call_us", prompts=("callback.call_us",), goto="goodbye"),
        Menu(
            "callback.voicemail",
            prompts=("callback.voicemail",),
            options=(
                Option("1", "callback.voicemail_yes", "callback.identify", sets={"voicemail": "yes"}),
                Option("2", "callback.voicemail_no", "callback.identify", sets={"voicemail": "no"}),
            ),
            on_invalid=_ask_twice("menu.invalid", "callback.identify"),
            on_silence=_ask_twice("menu.silence", "callback.identify"),
        ),
        Menu(
            "callback.identify",
            prompts=("callback.identify",),
            options=(
                Option("1", "callback.identify_yes", "callback.window", sets={"identify": "yes"}),
                Option("2", "callback.identify_no", "callback.window", sets={"identify": "no"}),
            ),
            on_invalid=_ask_twice("menu.invalid", "callback.window"),
            on_silence=_ask_twice("menu.silence", "callback.window"),
        ),
        Menu(
            "callback.window",
            prompts=("callback.window",),
            options=tuple(Option(d, f"callback.window_{w}", then, sets={"window": w}) for d, w in WINDOWS),
            on_invalid=_ask_twice("menu.invalid", then),
            on_silence=_ask_twice("menu.silence", then),
        ),
    ]


def text_safe_menu(name: str, yes: str, no: str) -> Menu:
    """ "Is it safe to send a text to this phone?" before any text the voice path sends.

    Silence or anything unclear is no: a text stays on the phone for whoever reads it next.
    """
    return Menu(
        name,
        prompts=("texting.safe",),
        options=(Option("1", "texting.safe_yes", yes), Option("2", "texting.safe_no", no)),
        on_invalid=Reprompt("menu.invalid", then=no, limit=2),
        on_silence=Reprompt("menu.silence", then=no, limit=1),
    )
