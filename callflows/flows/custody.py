"""The custody part of the call tree (placeholder until its issue lands)."""

from callflows.tree import Say

NODES = [
    Say("custody", prompts=("placeholder.unavailable",), goto="main"),
]
