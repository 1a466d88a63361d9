"""The office part of the call tree (placeholder until its issue lands)."""

from callflows.tree import Say

NODES = [
    Say("office", prompts=("placeholder.unavailable",), goto="main"),
]
