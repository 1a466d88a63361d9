"""Register to be told of custody changes, or end a registration, from main menu key 5.

The person is identified as the look-up does (A-number and country of birth, the
same limits and the same audit), but nothing about the record is said: every
caller hears "if there is a change we are allowed to tell you about, we will
let you know". The PIN is entered twice; it never rides in a URL (an effect
right after each entry keeps only a keyed digest, then an argon2 hash).
"""

from callflows.flows.safe_contact import WINDOWS, text_safe_menu
from callflows.tree import Action, Ask, Menu, Option, Reprompt, Say


def _call_safe(name: str, then: str) -> Menu:
    return Menu(
        name,
        prompts=("notify.voice.call_safe",),
        options=(
            Option("1", "notify.voice.call_safe_yes", then),
            Option("2", "notify.voice.call_safe_no", "notify.not_safe"),
        ),
        on_invalid=Reprompt("menu.invalid", then="notify.not_safe", limit=2),
        on_silence=Reprompt("menu.silence", then="notify.not_safe", limit=2),
    )


NODES = [
    Menu(
        "notify",
        prompts=("notify.voice.intro",),
        options=(
            Option("1", "notify.voice.option_register", "notify.a_number"),
            Option("2", "notify.voice.option_cancel", "notify.cancel_a_number"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    Ask(
        "notify.a_number",
        prompts=("custody.ask_a_number",),
        parser="a_number",
        store="a_number",
        goto="notify.confirm_number",
        on_invalid=Reprompt("custody.a_number_invalid", then="operator"),
        on_silence=Reprompt("custody.a_number_silence", then="operator"),
        max_digits=9,
        sensitive=True,
    ),
    Menu(
        "notify.confirm_number",
        prompts=("custody.confirm_number",),
        options=(
            Option("1", "custody.correct", "notify.country"),
            Option("2", "custody.reenter", "notify.a_number"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    Ask(
        "notify.country",
        prompts=("custody.ask_country",),
        parser="country",
        store="country",
        goto="notify.identify",
        on_invalid=Reprompt("custody.country_invalid", then="operator"),
        on_silence=Reprompt("custody.country_silence", then="operator"),
        max_digits=1,
    ),
    Menu(
        "notify.confirm_country",
        prompts=("custody.confirm_country",),
        options=(
            Option("1", "custody.country_yes", "notify.identify", sets={"country_confirmed": "1"}),
            Option("2", "custody.country_no", "notify.country", sets={"country_confirmed": ""}),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    # The audited look-up: found, not disclosed and unknown all lead on the same way.
    Action(
        "notify.identify",
        effect="notify.identify",
        outcomes={
            "ok": "notify.how",
            "unsure": "notify.confirm_country",
            "limited": "custody.limited",
            "error": "operator",
        },
    ),
    Menu(
        "notify.how",
        prompts=("notify.voice.how",),
        options=(
            Option("1", "notify.voice.by_call", "notify.phone", sets={"channels": "voice"}),
            Option("2", "notify.voice.by_text", "notify.phone", sets={"channels": "sms"}),
            Option("3", "notify.voice.by_both", "notify.phone", sets={"channels": "both"}),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    Action(
        "notify.phone",
        effect="callback.caller_id",
        outcomes={"known": "notify.confirm_phone", "withheld": "notify.withheld"},
    ),
    Menu(
        "notify.confirm_phone",
        prompts=("notify.voice.your_number",),
        options=(
            Option("1", "notify.voice.use_this", "notify.safe", sets={"notify_to": "caller"}),
            Option("2", "notify.voice.use_other", "notify.enter_phone"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    Say("notify.withheld", prompts=("notify.voice.withheld",), goto="notify.enter_phone"),
    Ask(
        "notify.enter_phone",
        prompts=("callback.enter_phone",),
        parser="phone",
        store="phone",
        goto="notify.read_back",
        on_invalid=Reprompt("callback.phone_refused", then="operator"),
        on_silence=Reprompt("ask.silence", then="operator"),
        sensitive=True,
    ),
    Action("notify.read_back", effect="callback.spell_phone", outcomes={"ok": "notify.confirm_entered"}),
    Menu(
        "notify.confirm_entered",
        prompts=("callback.you_entered",),
        options=(
            Option("1", "notify.voice.entered_right", "notify.safe", sets={"notify_to": "entered"}),
            Option("2", "notify.voice.enter_again", "notify.enter_phone"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    # Is it safe to call or text that phone, and when: asked for the channels chosen. Silence or
    # "no" registers nothing for that phone: a call or a text may be heard by someone else.
    Action(
        "notify.safe",
        effect="notify.channels",
        outcomes={"voice": "notify.call_safe", "sms": "notify.text_safe", "both": "notify.call_safe_both"},
    ),
    _call_safe("notify.call_safe", then="notify.when"),
    _call_safe("notify.call_safe_both", then="notify.text_safe_both"),
    text_safe_menu("notify.text_safe", yes="notify.when", no="notify.not_safe"),
    text_safe_menu("notify.text_safe_both", yes="notify.when", no="notify.not_safe"),
    Menu(
        "notify.not_safe",
        prompts=("notify.voice.not_safe",),
        options=(
            Option("1", "notify.voice.not_safe_other", "notify.enter_phone"),
            Option("2", "notify.voice.main_menu", "main"),
        ),
        on_invalid=Reprompt("menu.invalid", then="goodbye", limit=2),
        on_silence=Reprompt("menu.silence", then="goodbye", limit=2),
    ),
    Menu(
        "notify.when",
        prompts=("notify.voice.when",),
        options=tuple(Option(d, f"callback.window_{w}", "notify.voicemail", sets={"window": w}) for d, w in WINDOWS),
        on_invalid=Reprompt("menu.invalid", then="notify.voicemail", limit=2),
        on_silence=Reprompt("menu.silence", then="notify.voicemail", limit=2),
    ),
    # The callback path's safe-contact rule: silence is the careful answer (no voicemail).
    Menu(
        "notify.voicemail",
        prompts=("notify.voice.voicemail_question",),
        options=(
            Option("1", "notify.voice.voicemail_yes", "notify.pin", sets={"voicemail": "1"}),
            Option("2", "notify.voice.voicemail_no", "notify.pin", sets={"voicemail": ""}),
        ),
        on_invalid=Reprompt("menu.invalid", then="notify.pin"),
        on_silence=Reprompt("menu.silence", then="notify.pin"),
    ),
    Ask(
        "notify.pin",
        prompts=("notify.voice.choose_pin",),
        parser="pin",
        store="pin",
        goto="notify.hold_pin",
        on_invalid=Reprompt("notify.voice.pin_invalid", then="operator"),
        on_silence=Reprompt("ask.silence", then="operator"),
        max_digits=4,
        sensitive=True,
    ),
    Action("notify.hold_pin", effect="notify.hold_pin", outcomes={"ok": "notify.pin_again"}),
    Ask(
        "notify.pin_again",
        prompts=("notify.voice.repeat_pin",),
        parser="pin",
        store="pin",
        goto="notify.create",
        on_invalid=Reprompt("notify.voice.pin_invalid", then="operator"),
        on_silence=Reprompt("ask.silence", then="operator"),
        max_digits=4,
        sensitive=True,
    ),
    Action(
        "notify.create",
        effect="notify.create",
        outcomes={
            "created": "notify.saved",
            "code_sent": "notify.saved_code",
            "mismatch": "notify.pin_mismatch",
            "too_many": "notify.too_many",
            "error": "operator",
        },
    ),
    Say("notify.pin_mismatch", prompts=("notify.voice.pin_mismatch",), goto="notify.pin"),
    Say("notify.saved", prompts=("notify.voice.saved",), goto="notify.next"),
    Say("notify.saved_code", prompts=("notify.voice.saved_code",), goto="notify.next"),
    Say("notify.too_many", prompts=("notify.voice.too_many",), goto="notify.next"),
    # Ending a registration: the A-number and the PIN, from the phone that registered.
    Ask(
        "notify.cancel_a_number",
        prompts=("custody.ask_a_number",),
        parser="a_number",
        store="a_number",
        goto="notify.cancel_pin",
        on_invalid=Reprompt("custody.a_number_invalid", then="operator"),
        on_silence=Reprompt("custody.a_number_silence", then="operator"),
        max_digits=9,
        sensitive=True,
    ),
    Ask(
        "notify.cancel_pin",
        prompts=("notify.voice.cancel_pin",),
        parser="pin",
        store="pin",
        goto="notify.cancel",
        on_invalid=Reprompt("notify.voice.pin_invalid", then="operator"),
        on_silence=Reprompt("ask.silence", then="operator"),
        max_digits=4,
        sensitive=True,
    ),
    Action("notify.cancel", effect="notify.cancel", outcomes={"done": "notify.cancelled"}),
    Say("notify.cancelled", prompts=("notify.voice.cancelled",), goto="notify.next"),
    Menu(
        "notify.next",
        prompts=(),
        options=(Option("1", "notify.voice.main_menu", "main"),),
        on_invalid=Reprompt("menu.invalid", then="goodbye"),
        on_silence=Reprompt("menu.silence", then="goodbye", limit=1),
    ),
]
