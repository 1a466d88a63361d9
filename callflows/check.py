"""The tree checks itself: structure, dead ends, effects, and prompts in every language.

``check_tree`` returns one readable line per problem (empty when the tree is
sound); ``flask callflow check`` prints them and exits non-zero.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

from callflows import hours, parsers
from callflows.catalogue import Catalogue
from callflows.tree import Action, Ask, Enqueue, LanguageMenu, Menu, Node, Record, Say, Transfer, Tree

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
        "menu.globals.closed",
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
    problems += glossary_problems(cat)
    problems += zero_reaches_a_person(tree)
    return problems


def unreviewed_sentences(cat: Catalogue) -> dict[str, list[str]]:
    """Per language, the keys of sentences awaiting a native reviewer (information, not a problem)."""
    return {code: keys for code in cat.codes if (keys := cat.unreviewed(code))}


# What a bare label says once its "If"/"For"/"Para"/"如果" is taken away: a yes, a no, a "both".
_BARE_WORDS = frozenset(
    {"yes", "no", "yeah", "ok", "okay", "both", "si", "claro", "ambos", "ambas", "los dos", "las dos"}
    | {"是", "否", "不", "不是", "对", "好", "都", "两者", "两个都要", "确认"}
)
_CONNECTORS = ("if", "for", "to", "para", "si", "por", "如果", "若", "要", "请", "选择")
_CLAUSE_END = re.compile(r"[,，.。:：;；!！?？]")


def is_bare_label(text: str) -> bool:
    """True when the option's words before "press {digit}" are only a yes, a no or a "both"."""
    clause = _CLAUSE_END.split(text.strip(), maxsplit=1)[0].strip().lower()
    clause = "".join(c for c in unicodedata.normalize("NFD", clause) if unicodedata.category(c) != "Mn")
    for _ in range(2):  # "Si sí", "If yes": one connector, sometimes two ("Para si")
        for connector in _CONNECTORS:
            spaced = clause.startswith(connector + " ")
            if spaced or (clause.startswith(connector) and not connector.isascii()):
                clause = clause[len(connector) :].strip()
                break
    return clause in _BARE_WORDS


def bare_option_labels(tree: Tree, cat: Catalogue) -> list[str]:
    """Menu options whose prompt is a bare label ("If yes", "Si sí", "For both") instead of a whole sentence.

    A caller hears each option as it is written ("If that is correct, press {digit}."),
    never glued from a label ("For yes, press 1"), in every language.
    """
    problems = []
    labels = {option.label for node in tree.nodes.values() if isinstance(node, Menu) for option in node.options}
    # Options outside the tree (the notification call, the queue) carry {digit} too.
    keys = sorted(labels | {k for entries in cat.entries.values() for k, v in entries.items() if "{digit}" in str(v)})
    for key in keys:
        for code in cat.codes:
            if not cat.has(code, key) or not isinstance(cat.entries[code][key], str):
                continue
            if key in labels and "digit" not in cat.placeholders(key).get(code, set()):
                problems.append(f"option {code}:{key} is a bare label; write a whole sentence with {{digit}}")
            elif is_bare_label(cat.entries[code][key]):
                problems.append(f"option {code}:{key} is a bare yes/no label; say what the choice means")
    return problems


def is_text_key(key: str) -> bool:
    """True for sentences sent as texts (SMS), which may drop accents to stay in one GSM-7 segment."""
    return key.startswith(("sms.", "alerts.")) or ".sms." in key


def glossary_problems(cat: Catalogue) -> list[str]:
    """Sentences that use a word the language's glossary replaces (one word per concept).

    ``_glossary.json`` lists terms: the word to use and the forms to avoid (whole
    words, regular expressions, case-insensitive). A term marked ``"voice": true``
    applies to spoken prompts only (texts may drop accents).
    """
    problems = []
    for code in cat.codes:
        for term in cat.data.get(code, {}).get("glossary", {}).get("terms", ()):
            pattern = re.compile(r"(?<!\w)(?:" + "|".join(term["avoid"]) + r")(?!\w)", re.IGNORECASE)
            for key, value in sorted(cat.entries[code].items()):
                if not isinstance(value, str) or (term.get("voice") and is_text_key(key)):
                    continue
                found = pattern.search(value)
                if found:
                    problems.append(f"prompt {code}:{key} says {found[0]!r}; the glossary says {term['use']!r}")
    return problems


def zero_reaches_a_person(tree: Tree) -> list[str]:
    """Prove that 0 leads to a person in at most two presses, from every node, in and out of hours.

    In hours a person is the operator queue. Out of hours nobody answers it, so a person is
    the call back (the call-back request path) or a national line (a ``<Dial>``). The first
    press is 0; the second may be 0 again or any option the caller then hears. Effects other
    than the hours check may end either way, so every outcome must get there.
    """
    problems = []
    for mode in ("open", "closed"):
        for name, node in sorted(tree.nodes.items()):
            if not isinstance(node, Menu | LanguageMenu | Ask):
                continue
            after_one = _settle(tree, _zero_target(tree, node), mode)
            if after_one is None:
                problems.append(f"{name}: 0 ({mode}) leads to a hang-up or a loop, not a person")
            elif not all(_is_person(tree, n, mode) or _one_more_press(tree, n, mode) for n in after_one):
                problems.append(f"{name}: 0 ({mode}) does not reach a person within two presses")
    return problems


def _zero_target(tree: Tree, node: Menu | LanguageMenu | Ask) -> str:
    if isinstance(node, Ask):
        return tree.operator
    return node.operator or tree.operator


def _is_person(tree: Tree, name: str, mode: str) -> bool:
    node = tree[name]
    if mode == "open":
        return isinstance(node, Enqueue | Transfer)
    return isinstance(node, Transfer) or name == "callback" or name.startswith("callback.")


def _one_more_press(tree: Tree, name: str, mode: str) -> bool:
    node = tree[name]
    if _is_person(tree, name, mode):
        return True
    targets: list[str] = []
    if isinstance(node, Menu):
        targets = [o.goto for o in node.options] + ([node.operator or tree.operator] if node.with_globals else [])
    elif isinstance(node, LanguageMenu | Ask):
        targets = [_zero_target(tree, node)]
    for target in targets:
        landed = _settle(tree, target, mode)
        if landed and all(_is_person(tree, n, mode) for n in landed):
            return True
    return False


def _settle(tree: Tree, name: str, mode: str, seen: frozenset[str] = frozenset()) -> set[str] | None:
    """Where a caller arriving at ``name`` next waits for input (or is connected); None on a hang-up."""
    if name in seen:
        return None
    node: Node = tree[name]
    if _is_person(tree, name, mode) or isinstance(node, Menu | LanguageMenu | Ask | Record):
        return {name}
    if isinstance(node, Say):
        return None if node.goto is None else _settle(tree, node.goto, mode, seen | {name})
    if isinstance(node, Action):
        outcomes = [node.outcomes[mode]] if node.effect == "operator.check_hours" else list(node.outcomes.values())
        landed: set[str] = set()
        for target in outcomes:
            more = _settle(tree, target, mode, seen | {name})
            if more is None:
                return None
            landed |= more
        return landed
    return {name}


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
    # The operator's whisper names the caller's language, whichever languages the catalogue has.
    wanted = (
        tree.prompt_keys()
        | ENGINE_KEYS
        | hours.PROMPT_KEYS
        | {f"live.language.{code}" for code in (*cat.codes, "none")}
    )
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
