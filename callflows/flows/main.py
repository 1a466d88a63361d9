"""Welcome, language, and the main menu."""

from callflows.tree import LanguageMenu, Menu, Option, Reprompt, Say

# Most needed first: a detained person's custody status, then a call back.
# Digit 5 registers for custody-change notifications (issue E).
NODES = [
    LanguageMenu(
        "welcome",
        prompts=("welcome.greeting", "welcome.danger"),
        goto="main",
        on_invalid=Reprompt("language.invalid", then="main"),
        on_silence=Reprompt("language.silence", then="main", limit=2),
    ),
    Menu(
        "main",
        prompts=("main.intro",),
        options=(
            Option("1", "main.custody", "custody"),
            Option("2", "main.callback", "callback"),
            Option("3", "main.operator", "operator"),
            Option("4", "main.office", "office"),
            Option("5", "main.notify", "notify"),
        ),
        on_invalid=Reprompt("menu.invalid", then="operator"),
        on_silence=Reprompt("menu.silence", then="operator"),
    ),
    Say("goodbye", prompts=("goodbye",), goto=None),
]
