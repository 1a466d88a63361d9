"""Your local office: a ZIP code gives the field office's name and phone, and a call back from it."""

from callflows.tree import Action, Ask, Menu, Option, Reprompt

_AFTER_OFFICE = (
    Option("1", "office.callback", "callback"),
    Option("2", "office.main", "main.back"),
)

NODES = [
    Ask(
        "office",
        prompts=("office.ask_zip",),
        parser="zip",
        store="zip",
        goto="office.lookup",
        on_invalid=Reprompt("office.zip_invalid", then="operator"),
        on_silence=Reprompt("ask.silence", then="operator"),
        max_digits=5,
    ),
    # The effect puts ``field_office`` in the context, so a call back asked for here is that office's.
    Action(
        "office.lookup",
        effect="office.find",
        outcomes={"found": "office.found", "no_phone": "office.found_no_phone", "unknown": "office.unknown"},
    ),
    # Silence after the number was read is a caller writing it down or done: say goodbye, don't transfer.
    Menu(
        "office.found",
        prompts=("office.serves", "office.phone"),
        options=_AFTER_OFFICE,
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="goodbye", limit=2),
    ),
    Menu(
        "office.found_no_phone",
        prompts=("office.serves", "office.no_phone"),
        options=_AFTER_OFFICE,
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="goodbye", limit=2),
    ),
    Menu(
        "office.unknown",
        prompts=("office.not_found",),
        options=(
            Option("1", "office.try_again", "office"),
            Option("2", "office.main", "main.back"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
]
