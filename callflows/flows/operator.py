"""The operator part of the call tree (placeholder until its issue lands)."""

from callflows.tree import Say

NODES = [
    Say("operator", prompts=("operator.unavailable",), goto="goodbye"),
]
