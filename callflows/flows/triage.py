"""Triage before a callback or a transfer: who is calling, what they need, are they in danger.

The same three questions serve two parts of the tree, so they are built by one
function under each part's prefix. Never ask the caller's own immigration status.
"""

from __future__ import annotations

from collections.abc import Mapping

from callflows.tree import Action, Menu, Node, Option, Reprompt, Say

CALLER_TYPES = (
    ("1", "triage.victim", "victim"),
    ("2", "triage.family", "family"),
    ("3", "triage.witness", "witness"),
    ("4", "triage.someone_else", "other"),
)
NEEDS = (
    ("1", "triage.offender_info", "offender_info"),
    ("2", "triage.local_services", "local_services"),
    ("3", "triage.removal_process", "removal_process"),
    ("4", "triage.something_else", "other"),
)


def triage_nodes(
    prefix: str,
    then: str,
    urgent_prompts: tuple[str, ...] = (),
    after_need: Mapping[str, str] | None = None,
    skip_to: str | None = None,
    danger_in_hours: str | None = None,
    danger_out_of_hours: str | None = None,
) -> list[Node]:
    """The triage questions as ``<prefix>.who``, ``.need``, ``.danger``, ``.in_danger``; all lead to ``then``.

    ``after_need`` sends a need elsewhere before the danger question (the removal
    explainer's offer for "help understanding the removal process").

    A caller who cannot answer a question moves on without an answer: triage
    helps the specialist, it must never stand between a caller and help.
    ``skip_to`` is where 0 leads from these questions (default: the operator node).
    With ``danger_in_hours``, a caller in danger hears the 911 notice and, while
    operators answer, goes there (the urgent queue); otherwise to ``danger_out_of_hours``
    (the national lines), which leads back to ``<prefix>.danger_closed`` and on to ``then``.
    """
    need, danger, in_danger = f"{prefix}.need", f"{prefix}.danger", f"{prefix}.in_danger"
    nodes: list[Node] = [
        Menu(
            f"{prefix}.who",
            prompts=("triage.who",),
            options=tuple(Option(d, label, need, sets={"caller_type": v}) for d, label, v in CALLER_TYPES),
            on_invalid=Reprompt("menu.invalid", then=need),
            on_silence=Reprompt("menu.silence", then=need),
            operator=skip_to,
        ),
        Menu(
            need,
            prompts=("triage.need",),
            options=tuple(
                Option(d, label, (after_need or {}).get(v, danger), sets={"need": v}) for d, label, v in NEEDS
            ),
            on_invalid=Reprompt("menu.invalid", then=danger),
            on_silence=Reprompt("menu.silence", then=danger),
            operator=skip_to,
        ),
        Menu(
            danger,
            prompts=("triage.danger",),
            options=(
                Option("1", "triage.danger_yes", in_danger, sets={"urgent": "1"}),
                Option("2", "triage.danger_no", then, sets={"urgent": "0"}),
            ),
            on_invalid=Reprompt("menu.invalid", then=then),
            on_silence=Reprompt("menu.silence", then=then),
            operator=skip_to,
        ),
    ]
    if danger_in_hours is None:
        return [*nodes, Say(in_danger, prompts=("triage.call_911", *urgent_prompts), goto=then)]
    hours, closed = f"{prefix}.danger_hours", f"{prefix}.danger_closed"
    return [
        *nodes,
        Say(in_danger, prompts=("triage.call_911",), goto=hours),
        Action(
            hours,
            effect="operator.check_hours",
            outcomes={"open": danger_in_hours, "closed": danger_out_of_hours or closed},
        ),
        Say(closed, prompts=urgent_prompts, goto=then),
    ]
