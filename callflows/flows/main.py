"""Welcome, language, and the main menu."""

from callflows.tree import Action, LanguageMenu, Menu, Option, Reprompt, Say

# Most needed first: a detained person's custody status, then a call back.
# Digit 5 registers for custody-change notifications.
NODES = [
    # Each language offers itself first, in a few words; the 911 notice follows in every language.
    # Until a language is chosen every sentence is said in every language, and a caller who
    # cannot choose is taken to a person (or told how to get one out of hours), never left in one language.
    LanguageMenu(
        "welcome",
        prompts=("welcome.short",),
        after=("welcome.danger",),
        goto="welcome.after_choice",
        on_invalid=Reprompt("language.invalid", then="language.unchosen"),
        on_silence=Reprompt("language.silence", then="language.unchosen", limit=2),
        operator="language.unchosen",
    ),
    # The promise (callflows/flows/promise.py) comes before the main menu and any number.
    Say("welcome.after_choice", prompts=("welcome.greeting",), goto="promise"),
    # No choice: the promise (before anything else is asked), then straight to the queue in hours,
    # or out of hours the closed message and the call-back offer, all in every language.
    Action("language.unchosen", effect="promise.terms", outcomes={"ok": "language.unchosen_promise"}),
    Say("language.unchosen_promise", prompts=("promise.status", "promise.kept"), goto="language.unchosen_hours"),
    Action(
        "language.unchosen_hours",
        effect="operator.check_hours",
        outcomes={"open": "operator.join", "closed": "operator.closed"},
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
