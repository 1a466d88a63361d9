"""The vocabulary of the call tree: nodes, options and what happens on bad input.

A node is a value. ``callflows.flows`` builds the hotline's tree from these;
``callflows.engine`` walks it. Nothing here knows about HTTP or TwiML.

Node kinds, in the spirit of an Asterisk dialplan:
- ``Menu``: say a prompt, list options ("For X, press N"), wait for a key or a word.
- ``LanguageMenu``: the first menu, spoken in every language of the catalogue.
- ``Ask``: collect a value (digits or speech) and parse it with a named parser.
- ``Action``: a side effect the webhook carries out (look-up, store a request);
  its named outcome picks the next node.
- ``Say``: say something and move on (or hang up when ``goto`` is None).
- ``Record``: record a short voice message, then move on.
- ``Enqueue``: put the caller in the operator queue.
- ``Transfer``: connect the caller to another line (``<Dial>``), then move on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Every menu accepts these, from this one place (see ``Tree.global_options``).
REPEAT_DIGIT = "9"
OPERATOR_DIGIT = "0"
# 8 at any menu slows the rest of the call down (not at an Ask, where 8 is a digit).
SLOWER_DIGIT = "8"
MAX_MENU_OPTIONS = 5


class TreeError(ValueError):
    """The tree definition is malformed; the message names the node."""


@dataclass(frozen=True)
class Reprompt:
    """What to do on invalid input or silence: say ``prompt``; after ``limit`` tries go to ``then``."""

    prompt: str
    then: str
    limit: int = 3


@dataclass(frozen=True)
class Option:
    """One menu choice: a key, what it is called, and where it leads.

    ``label`` is the prompt key read in "For <label>, press <digit>"; the words a
    caller may say instead are the catalogue list ``<label>.words``. ``sets``
    stores values in the call's context (e.g. the triage answer).
    """

    digit: str
    label: str
    goto: str
    sets: Mapping[str, str] = field(default_factory=dict)

    @property
    def words_key(self) -> str:
        """The catalogue key of the spoken synonyms of this option."""
        return f"{self.label}.words"


@dataclass(frozen=True)
class Menu:
    """Say ``prompts``, list the options, wait for one."""

    name: str
    prompts: tuple[str, ...]
    options: tuple[Option, ...]
    on_invalid: Reprompt
    on_silence: Reprompt
    # The global "9 to repeat, 0 for an operator" (off only where 0/9 mean something else).
    with_globals: bool = True
    # The keys were explained once before (the removal explainer's parts): say only the prompts.
    announce_options: bool = True
    # Where 0 leads from this menu (None: the tree's operator node). The operator's own
    # triage questions send 0 straight to the queue, so a person is two presses away.
    operator: str | None = None


@dataclass(frozen=True)
class LanguageMenu:
    """The first menu: every language offers itself, in its own voice."""

    name: str
    prompts: tuple[str, ...]
    goto: str
    on_invalid: Reprompt
    on_silence: Reprompt
    # Said in every language after all the choices (the 911 notice), so the choice comes first.
    after: tuple[str, ...] = ()
    # Where 0 leads before a language is chosen (None: the tree's operator node).
    operator: str | None = None


@dataclass(frozen=True)
class Ask:
    """Collect a value by keypad (``#`` to finish, ``*`` to start over) or speech.

    ``parser`` names a function in ``callflows.parsers``; the parsed value is
    stored in the context under ``store``. ``sensitive`` keeps the raw input out
    of the call-event table (A-numbers, phone numbers).
    """

    name: str
    prompts: tuple[str, ...]
    parser: str
    store: str
    goto: str
    on_invalid: Reprompt
    on_silence: Reprompt
    max_digits: int | None = None
    hints: str | None = None
    sensitive: bool = False


@dataclass(frozen=True)
class Action:
    """A side effect carried out by the webhook; ``outcomes`` maps its result to the next node."""

    name: str
    effect: str
    outcomes: Mapping[str, str]


@dataclass(frozen=True)
class Say:
    """Say ``prompts`` then go to ``goto``; hang up when ``goto`` is None."""

    name: str
    prompts: tuple[str, ...]
    goto: str | None


@dataclass(frozen=True)
class Record:
    """Record a voice message (announced first), store its URL, go on to ``goto``."""

    name: str
    prompts: tuple[str, ...]
    goto: str
    max_seconds: int = 120


@dataclass(frozen=True)
class Enqueue:
    """Put the caller in the operator queue, with a wait message announcing position."""

    name: str
    prompts: tuple[str, ...]
    after: str
    # Callers in danger hold in their own queue, which operators answer first.
    urgent: bool = False


@dataclass(frozen=True)
class Transfer:
    """Say ``prompts`` and connect the caller (``<Dial>``) to the number in context value ``number``.

    When that call ends the caller comes back to ``after``. The number comes
    from settings through an Action (e.g. the national hotlines), never from
    what a caller typed.
    """

    name: str
    prompts: tuple[str, ...]
    number: str
    after: str


Node = Menu | LanguageMenu | Ask | Action | Say | Record | Enqueue | Transfer


@dataclass(frozen=True)
class Tree:
    """The whole call tree: nodes by name, the entry node and the operator node."""

    nodes: Mapping[str, Node]
    entry: str
    operator: str
    # Other nodes a call may start at (a relay call starts at "relay"), reachable by definition.
    entries: tuple[str, ...] = ()
    # Where words of danger said at any menu or question lead (the 911 notice, then help now).
    danger: str | None = None

    @classmethod
    def build(
        cls,
        nodes: Iterable[Node],
        entry: str,
        operator: str,
        entries: tuple[str, ...] = (),
        danger: str | None = None,
    ) -> Tree:
        """Index ``nodes`` by name and check the structure (raises TreeError)."""
        index: dict[str, Node] = {}
        for node in nodes:
            if node.name in index:
                raise TreeError(f"node {node.name!r} is defined twice")
            index[node.name] = node
        tree = cls(index, entry, operator, entries, danger)
        problems = tree.structural_problems()
        if problems:
            raise TreeError("; ".join(problems))
        return tree

    def __getitem__(self, name: str) -> Node:
        return self.nodes[name]

    def targets(self, node: Node) -> list[str]:
        """Every node name ``node`` can lead to."""
        out: list[str] = []
        if isinstance(node, Menu):
            out += [o.goto for o in node.options]
            if node.with_globals:
                out.append(node.operator or self.operator)
        if isinstance(node, (Menu, LanguageMenu, Ask)):
            out += [node.on_invalid.then, node.on_silence.then]
        if isinstance(node, LanguageMenu):
            out.append(node.operator or self.operator)
        if isinstance(node, (LanguageMenu, Ask, Record)):
            out.append(node.goto)
        if isinstance(node, Ask):
            out.append(self.operator)
        if isinstance(node, Action):
            out += list(node.outcomes.values())
        if isinstance(node, Say) and node.goto:
            out.append(node.goto)
        if isinstance(node, Enqueue | Transfer):
            out.append(node.after)
        return out

    def structural_problems(self) -> list[str]:
        """Dangling transitions, bad menus, unreachable nodes."""
        problems = []
        for special in (self.entry, self.operator, *self.entries, *([self.danger] if self.danger else [])):
            if special not in self.nodes:
                problems.append(f"node {special!r} is named by the tree but not defined")
        for node in self.nodes.values():
            for target in self.targets(node):
                if target not in self.nodes:
                    problems.append(f"{node.name}: leads to unknown node {target!r}")
            if isinstance(node, Menu):
                digits = [o.digit for o in node.options]
                if len(digits) != len(set(digits)):
                    problems.append(f"{node.name}: two options share a digit")
                if len(node.options) > MAX_MENU_OPTIONS:
                    problems.append(f"{node.name}: more than {MAX_MENU_OPTIONS} options")
                if node.with_globals and {REPEAT_DIGIT, OPERATOR_DIGIT, SLOWER_DIGIT} & set(digits):
                    problems.append(f"{node.name}: 9 and 0 are kept for repeat and operator, 8 for slower speech")
        problems += [f"{name}: unreachable from {self.entry!r}" for name in self.unreachable()]
        return problems

    def unreachable(self) -> list[str]:
        """Nodes no path from the entry reaches."""
        seen: set[str] = set()
        todo = [self.entry, *self.entries, *([self.danger] if self.danger else [])]
        while todo:
            name = todo.pop()
            if name in seen or name not in self.nodes:
                continue
            seen.add(name)
            todo += self.targets(self.nodes[name])
        return sorted(set(self.nodes) - seen)

    def prompt_keys(self) -> set[str]:
        """Every catalogue key the tree uses."""
        keys: set[str] = set()
        for node in self.nodes.values():
            keys.update(getattr(node, "prompts", ()))
            if isinstance(node, LanguageMenu):
                keys.update(node.after)
            if isinstance(node, (Menu, LanguageMenu, Ask)):
                keys.update({node.on_invalid.prompt, node.on_silence.prompt})
            if isinstance(node, Menu):
                for option in node.options:
                    keys.update({option.label, option.words_key})
        return keys
