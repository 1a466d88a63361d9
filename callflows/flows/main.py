"""Welcome, language, and the main menu."""

from callflows.tree import LanguageMenu, Menu, Option, Reprompt, Say

# Most needed first: a detained person's custody status, then a call back.
# Digit 5 registers for custody-change notifications.
NODES = [
    LanguageMenu(
        "welcome",
        prompts=("welcome.greeting", "welcome.danger"),
        # The promise (callflows/flows/promise.py) comes before the main menu and any number.
        goto="promise",
        on_invalid=Reprompt("language.invalid", then="promise"),
        on_silence=Reprompt("language.silence", then="promise", limit=2),
    ),
    Menu(
        "main",
        prompts=("main.intro",),
        options=(
            Option("1", "main.custody", "custody"),
            Option("2", "main.callback", "callback"),
            Option("3", "main.removal", "removal"),
            Option("4", "main.help_near_you", "referrals"),
            Option("5", "main.notify", "notify"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    # Coming back from another part of the call: a short welcome back, then the menu.
    Say("main.back", prompts=("main.welcome_back",), goto="main"),
    Say("goodbye", prompts=("goodbye",), goto=None),
]
