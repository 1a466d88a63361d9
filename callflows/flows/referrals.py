"""Help near you (main menu 4): a ZIP code and a kind of help give the three nearest local services.

Local services come first; the ICE field office is offered after them and said
plainly to be an immigration enforcement office. When nothing is near, the
national hotlines are offered as a transfer.
"""

from __future__ import annotations

from callflows.flows.safe_contact import text_safe_menu
from callflows.tree import Action, Ask, Menu, Option, Reprompt, Say, Transfer

# What a caller can do once the list was read (each label is a whole sentence with {digit}).
_AFTER_LIST = (
    Option("1", "referrals.text_me", "referrals.text_safe"),
    Option("2", "referrals.other_category", "referrals.category"),
    Option("3", "referrals.callback", "callback"),
    Option("4", "referrals.national", "referrals.lines"),
    # The zip is already in the context, so the office look-up runs at once.
    Option("5", "referrals.ice_office", "office.lookup"),
)
_CATEGORY_FOUND = {
    "three": "referrals.found_three",
    "two": "referrals.found_two",
    "one": "referrals.found_one",
    "none": "referrals.none",
    "unknown_zip": "referrals.unknown_zip",
}


def _found(name: str, services: tuple[str, ...]) -> Menu:
    # Silence after the list is a caller writing it down or done: say goodbye, don't transfer.
    return Menu(
        name,
        prompts=("referrals.found", *services),
        options=_AFTER_LIST,
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="goodbye", limit=2),
    )


NODES = [
    Ask(
        "referrals",
        prompts=("referrals.ask_zip",),
        parser="zip",
        store="zip",
        goto="referrals.category",
        on_invalid=Reprompt("referrals.zip_invalid", then="operator"),
        on_silence=Reprompt("ask.silence", then="operator"),
        max_digits=5,
    ),
    Menu(
        "referrals.category",
        prompts=("referrals.which",),
        options=(
            Option("1", "referrals.category.domestic_violence", "referrals.find", {"category": "domestic_violence"}),
            Option("2", "referrals.category.sexual_assault", "referrals.find", {"category": "sexual_assault"}),
            Option("3", "referrals.category.shelter", "referrals.find", {"category": "shelter"}),
            Option("4", "referrals.category.legal_help", "referrals.find", {"category": "legal_help"}),
            Option("5", "referrals.category.more", "referrals.category_more"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    Menu(
        "referrals.category_more",
        prompts=(),
        options=(
            Option("1", "referrals.category.counselling", "referrals.find", {"category": "counselling"}),
            Option(
                "2", "referrals.category.victim_compensation", "referrals.find", {"category": "victim_compensation"}
            ),
            Option("3", "referrals.category.any", "referrals.find", {"category": "any"}),
            Option("4", "referrals.ice_office", "office.lookup"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    # The effect puts the spoken services (s1..s3) and their ids in the context.
    Action("referrals.find", effect="referrals.find", outcomes=_CATEGORY_FOUND),
    _found("referrals.found_three", ("referrals.first", "referrals.second", "referrals.third")),
    _found("referrals.found_two", ("referrals.first", "referrals.second")),
    _found("referrals.found_one", ("referrals.first",)),
    Menu(
        "referrals.none",
        prompts=("referrals.nothing_near", "referrals.national_intro"),
        options=(
            Option("1", "referrals.line.ndvh", "referrals.dial", {"line": "ndvh"}),
            Option("2", "referrals.line.rainn", "referrals.dial", {"line": "rainn"}),
            Option("3", "referrals.line.988", "referrals.dial", {"line": "988"}),
            Option("4", "referrals.other_category", "referrals.category"),
            Option("5", "referrals.callback", "callback"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    Menu(
        "referrals.unknown_zip",
        prompts=("referrals.zip_not_found",),
        options=(
            Option("1", "referrals.another_zip", "referrals"),
            Option("2", "referrals.national", "referrals.lines"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    Menu(
        "referrals.lines",
        prompts=("referrals.national_intro",),
        options=(
            Option("1", "referrals.line.ndvh", "referrals.dial", {"line": "ndvh"}),
            Option("2", "referrals.line.rainn", "referrals.dial", {"line": "rainn"}),
            Option("3", "referrals.line.988", "referrals.dial", {"line": "988"}),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    # The number comes from settings (NATIONAL_LINE_*), never from the caller.
    Action("referrals.dial", effect="referrals.national_line", outcomes={"dial": "referrals.transfer"}),
    Transfer("referrals.transfer", prompts=("referrals.connecting",), number="dial_to", after="goodbye"),
    text_safe_menu("referrals.text_safe", yes="referrals.text", no="referrals.next"),
    Action(
        "referrals.text",
        effect="referrals.text_list",
        outcomes={"sent": "referrals.texted", "withheld": "referrals.cannot_text"},
    ),
    Say("referrals.texted", prompts=("referrals.texted",), goto="referrals.next"),
    Say("referrals.cannot_text", prompts=("referrals.cannot_text",), goto="referrals.next"),
    Menu(
        "referrals.next",
        prompts=(),
        options=(
            Option("1", "referrals.other_category", "referrals.category"),
            Option("2", "referrals.callback", "callback"),
            Option("3", "referrals.national", "referrals.lines"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="goodbye", limit=2),
    ),
]
