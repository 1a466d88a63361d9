"""The tree checks itself: structure, dead ends, effects, and prompts in every language.

``check_tree`` returns one readable line per problem (empty when the tree is
sound); ``flask callflow check`` prints them and exits non-zero.
"""

from __future__ import annotations

from collections.abc import Collection

from callflows import hours, parsers
from callflows.catalogue import Catalogue
from callflows.tree import Action, Ask, Enqueue, LanguageMenu, Menu, Say, Tree

# Keys the engine, the renderer and the wait message use on their own, beside the tree's.
ENGINE_KEYS = frozenset(
    {
        "language.choose",
        "language.words",
        "menu.globals",
        "global.repeat.words",
        "global.operator.words",
        "ask.start_over",
        "goodbye",
        "error.apology",
        "error.operator",
        "queue.position",
        "queue.next",
        "queue.hold",
        "slower.offer",
        "slower.on",
        "slower.words",
        # The live queue (web/phone/queue.py, web/phone/live_queue.py).
        "queue.wait_minutes",
        "queue.wait_unknown",
        "queue.long_wait",
        "queue.keep_place",
        "queue.no_callback_number",
        "queue.connected",
        "live.whisper_intro",
        "live.nobody_waiting",
        "live.triage_not_given",
        *(f"live.language.{code}" for code in ("en", "es")),
        *(f"live.caller_type.{v}" for v in ("victim", "family", "witness", "other", "none")),
        *(f"live.need.{v}" for v in ("offender_info", "local_services", "removal_process", "other", "none")),
        *(f"live.urgent.{v}" for v in ("yes", "no", "none")),
        # Customer-first call backs (web/phone/customer_first.py).
        *(f"customer_first.{v}" for v in ("greeting", "connecting", "goodbye", "unavailable", "whisper")),
    }
)


def check_tree(tree: Tree, cat: Catalogue, effects: Collection[str] | None = None) -> list[str]:
    """Every problem of ``tree`` with catalogue ``cat``; ``effects`` are the registered effect names."""
    problems = list(tree.structural_problems())
    problems += dead_ends(tree)
    problems += _node_problems(tree, effects)
    problems += missing_prompts(tree, cat)
    problems += placeholder_mismatches(cat)
    problems += bare_option_labels(tree, cat)
    return problems


def bare_option_labels(tree: Tree, cat: Catalogue) -> list[str]:
    """Menu options whose prompt is a bare label ("yes") instead of a whole sentence with ``{digit}``.

    A caller hears each option as it is written ("If that is correct, press {digit}."),
    never glued from a label ("For yes, press 1").
    """
    problems = []
    labels = sorted({option.label for node in tree.nodes.values() if isinstance(node, Menu) for option in node.options})
    for label in labels:
        for code in cat.codes:
            if cat.has(code, label) and "digit" not in cat.placeholders(label).get(code, set()):
                problems.append(f"option {code}:{label} is a bare label; write a whole sentence with {{digit}}")
    return problems


def dead_ends(tree: Tree) -> list[str]:
    """Nodes from which no path reaches an end of the call (a goodbye or an operator)."""
    ends = {name for name, node in tree.nodes.items() if isinstance(node, Enqueue | Say) and _is_end(node)}
    reaches = set(ends)
    changed = True
    while changed:
        changed = False
        for name, node in tree.nodes.items():
            if name not in reaches and any(t in reaches for t in tree.targets(node)):
                reaches.add(name)
                changed = True
    problems = [
        f"{name}: dead end (no way from here to a goodbye or an operator)" for name in sorted(set(tree.nodes) - reaches)
    ]
    for name, node in sorted(tree.nodes.items()):
        if isinstance(node, Action) and not node.outcomes:
            problems.append(f"{name}: action has no outcomes")
        if isinstance(node, Menu) and not node.options:
            problems.append(f"{name}: menu has no options")
    return problems


def _is_end(node: Enqueue | Say) -> bool:
    return isinstance(node, Enqueue) or node.goto is None


def _node_problems(tree: Tree, effects: Collection[str] | None) -> list[str]:
    problems = []
    for name, node in sorted(tree.nodes.items()):
        if isinstance(node, Action) and effects is not None and node.effect not in effects:
            problems.append(f"{name}: effect {node.effect!r} is not registered")
        if isinstance(node, Ask) and node.parser not in parsers.PARSERS:
            problems.append(f"{name}: unknown parser {node.parser!r}")
        if isinstance(node, Menu):
            for option in node.options:
                if option.goto == name:
                    problems.append(f"{name}: option {option.digit} leads back to the same menu")
        if isinstance(node, Menu | LanguageMenu | Ask):
            for rule in (node.on_invalid, node.on_silence):
                if rule.limit < 1 or rule.limit > 3:
                    problems.append(f"{name}: {rule.limit} tries; callers get 1 to 3 before the fallback")
    return problems


def missing_prompts(tree: Tree, cat: Catalogue) -> list[str]:
    """``lang:key`` for every key the tree (or the engine) uses that a language lacks."""
    wanted = tree.prompt_keys() | ENGINE_KEYS | hours.PROMPT_KEYS
    return [
        f"missing prompt {code}:{key}" for key in sorted(wanted) for code in cat.codes if not cat.has(code, key)
    ] + [f"missing translation {entry}" for entry in cat.missing() if entry.split(":", 1)[1] not in wanted]


def placeholder_mismatches(cat: Catalogue) -> list[str]:
    """Prompts whose ``{names}`` differ between languages (or cannot be parsed)."""
    problems = []
    keys = sorted({key for entries in cat.entries.values() for key in entries})
    for key in keys:
        try:
            fields = cat.placeholders(key)
        except ValueError as error:
            problems.append(f"prompt {key}: bad template ({error})")
            continue
        if len({frozenset(names) for names in fields.values()}) > 1:
            listed = "; ".join(f"{code}: {sorted(names)}" for code, names in sorted(fields.items()))
            problems.append(f"prompt {key}: placeholders differ between languages ({listed})")
    return problems
