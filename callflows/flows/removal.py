"""The removal process explained (main menu 3), then a call back from the area's Community Relations Officer.

The explainer is five short parts, each a menu, so the caller can skip a part
(1), skip the rest (2) or hear a part again (9, as at every menu); silence moves
on to the next part. After it, 1 asks for the ZIP code: the field office it
maps to rides with the request, so that office's officer sees it first.
"""

from callflows.tree import Action, Ask, Menu, Option, Reprompt, Say

# In the order a caller needs them: where the person is, who decides, what removal is,
# what the caller may learn, and how to hear of changes.
PARTS = ("removal.custody", "removal.judge", "removal.removal", "removal.telling", "removal.register")
AFTER = "removal.after"
DONE = "removal.done"


def _part(index: int, key: str) -> Menu:
    last = index + 1 == len(PARTS)
    following = DONE if last else PARTS[index + 1]
    skips = () if last else (Option("2", "removal.skip_to_end", DONE),)
    return Menu(
        key,
        prompts=(key,),
        options=(Option("1", "removal.next", following), *skips),
        announce_options=False,  # removal.intro explained the keys once
        on_invalid=Reprompt("menu.invalid", then=following),
        # A caller who just listens hears the whole explainer.
        on_silence=Reprompt(
            "removal.end" if last else "removal.continuing", then=AFTER if last else following, limit=1
        ),
    )


NODES = [
    # A caller asking for a call back about the removal process may hear the explainer first;
    # its end leads back into the same request (ZIP, danger question, number).
    Menu(
        "removal.offer",
        prompts=(),
        options=(Option("1", "removal.offer_yes", "removal"), Option("2", "removal.offer_no", "callback.danger")),
        on_invalid=Reprompt("menu.invalid", then="callback.danger"),
        on_silence=Reprompt("menu.silence", then="callback.danger"),
    ),
    Say("removal", prompts=("removal.intro",), goto=PARTS[0]),
    *(_part(index, key) for index, key in enumerate(PARTS)),
    Say(DONE, prompts=("removal.end",), goto=AFTER),
    Menu(
        AFTER,
        prompts=(),
        options=(
            Option("1", "removal.cro", "removal.zip", sets={"need": "removal_process"}),
            Option("2", "removal.main", "main"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="goodbye", limit=2),
    ),
    Ask(
        "removal.zip",
        prompts=("removal.ask_zip",),
        parser="zip",
        store="zip",
        goto="removal.office",
        # Without an area the caller still gets a call back, from a specialist.
        on_invalid=Reprompt("office.zip_invalid", then="removal.no_office"),
        on_silence=Reprompt("ask.silence", then="removal.no_office"),
        max_digits=5,
    ),
    # office.find puts the field office's code in the context; callback.create stores it on the request.
    Action(
        "removal.office",
        effect="office.find",
        outcomes={"found": "removal.cro_office", "no_phone": "removal.cro_office", "unknown": "removal.no_office"},
    ),
    # The danger question still comes first: a caller in danger is marked urgent.
    Say("removal.cro_office", prompts=("removal.cro_office",), goto="callback.danger"),
    Say("removal.no_office", prompts=("removal.no_office",), goto="callback.danger"),
]
