"""The callback part of the call tree (placeholder until its issue lands)."""

from callflows.tree import Say

NODES = [
    Say("callback", prompts=("placeholder.unavailable",), goto="main"),
]
