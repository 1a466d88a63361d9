"""The custody part of the call tree: A-number, country of birth, the audited look-up, the answer.

Like ICE's Online Detainee Locator, a look-up needs two identifiers: the
A-number and the country of birth. What the caller hears is decided by the
disclosure policy (``config.DisclosurePolicy``); "not found" and "found, not
disclosed" lead to the same node, so they sound the same. The hotline never asks
about the caller's own immigration status.
"""

from callflows.tree import Action, Ask, Menu, Option, Reprompt, Say

# The most common countries of birth, in both languages, help the recognizer (Twilio ``hints``).
COUNTRY_HINTS = (
    "Mexico, México, Guatemala, Honduras, El Salvador, Venezuela, Colombia, Ecuador, Cuba, Nicaragua, "
    "Haiti, Haití, India, Brazil, Brasil, China, Peru, Perú, Dominican Republic, República Dominicana"
)

NODES = [
    Say("custody", prompts=("custody.intro",), goto="custody.a_number"),
    Ask(
        "custody.a_number",
        prompts=("custody.ask_a_number",),
        parser="a_number",
        store="a_number",
        goto="custody.confirm_number",
        on_invalid=Reprompt("custody.a_number_invalid", then="operator"),
        on_silence=Reprompt("custody.a_number_silence", then="operator"),
        max_digits=9,
        sensitive=True,
    ),
    Menu(
        "custody.confirm_number",
        prompts=("custody.confirm_number",),
        options=(
            Option("1", "custody.correct", "custody.country"),
            Option("2", "custody.reenter", "custody.a_number"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    Ask(
        "custody.country",
        prompts=("custody.ask_country",),
        parser="country",
        store="country",
        goto="custody.look_up",
        on_invalid=Reprompt("custody.country_invalid", then="operator"),
        on_silence=Reprompt("custody.country_silence", then="operator"),
        max_digits=1,
        hints=COUNTRY_HINTS,
    ),
    Menu(
        "custody.confirm_country",
        prompts=("custody.confirm_country",),
        options=(
            Option("1", "custody.country_yes", "custody.look_up", sets={"country_confirmed": "1"}),
            Option("2", "custody.country_no", "custody.country", sets={"country_confirmed": ""}),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    Action(
        "custody.look_up",
        effect="custody.look_up",
        outcomes={
            "in_custody": "custody.found",
            "in_custody_no_phone": "custody.found_no_phone",
            # Not found, wrong country, and found-but-not-disclosed: one node, one sentence.
            "no_information": "custody.no_information",
            "released": "custody.released",
            "removed": "custody.removed",
            "not_in_custody": "custody.not_in_custody",
            "limited": "custody.limited",
            # A country heard by a fuzzy match is read back before anything is looked up.
            "unsure": "custody.confirm_country",
            "error": "operator",
        },
    ),
    Say("custody.found", prompts=("custody.found", "custody.found_phone"), goto="custody.case_status"),
    Say("custody.found_no_phone", prompts=("custody.found",), goto="custody.case_status"),
    Say("custody.no_information", prompts=("custody.no_information",), goto="custody.next"),
    Say("custody.released", prompts=("custody.status.released",), goto="custody.case_status"),
    Say("custody.removed", prompts=("custody.status.removed",), goto="custody.case_status"),
    Say("custody.not_in_custody", prompts=("custody.status.not_in_custody",), goto="custody.case_status"),
    Menu(
        "custody.next",
        prompts=("custody.next",),
        options=(
            # An operator is the global 0, said right after these options.
            Option("1", "custody.another", "custody.a_number"),
            Option("2", "custody.main_menu", "main.back"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="goodbye", limit=2),
    ),
    Menu(
        "custody.limited",
        prompts=("custody.limited",),
        options=(
            Option("1", "custody.talk_to_operator", "operator"),
            Option("2", "custody.main_menu", "main.back"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
]
