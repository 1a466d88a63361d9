"""The hotline's promise, said once after the language is chosen and before any number is asked.

Callers are told that the hotline never asks about their immigration
status, and what is kept about them and for how long. How long comes from
settings, so an effect puts it in the context; the tree only says it.
"""

from callflows.tree import Action, Say

NODES = [
    Action("promise", effect="promise.terms", outcomes={"ok": "promise.say"}),
    Say("promise.say", prompts=("promise.status", "promise.kept"), goto="main"),
]
