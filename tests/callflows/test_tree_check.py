"""``flask callflow check`` and ``diagram``: a sound tree passes; each kind of mistake is named."""

from __future__ import annotations

import json
import shutil

import pytest

from callflows.catalogue import PROMPTS_DIR, Catalogue, Language, catalogue
from callflows.check import check_tree, dead_ends, missing_prompts, placeholder_mismatches
from callflows.diagram import to_dot, to_mermaid
from callflows.flows import TREE
from callflows.tree import Action, Enqueue, Menu, Option, Reprompt, Say, Tree
from web.phone import actions

LANGS = [Language("en", "English", 1, "v", "en-US", "en-US"), Language("es", "Español", 2, "v", "es-US", "es-US")]


def small_catalogue(**overrides: dict[str, object]) -> Catalogue:
    """A two-language catalogue with every key the small trees below use."""
    keys = {"hi": "Hi.", "m": "Menu.", "x": "a thing", "x.words": ["thing"], "bad": "Sorry.", "bye": "Bye."}
    entries = {"en": dict(keys), "es": dict(keys)}
    for lang, changes in overrides.items():
        entries[lang].update(changes)
        entries[lang] = {k: v for k, v in entries[lang].items() if v is not None}
    return Catalogue(LANGS, entries)


def menu(name: str, *options: Option, fallback: str = "op") -> Menu:
    return Menu(name, ("m",), options, Reprompt("bad", fallback), Reprompt("bad", fallback))


OPERATOR = Enqueue("op", ("hi",), after="bye")
BYE = Say("bye", ("bye",), goto=None)


def tree(*nodes) -> Tree:
    index = {n.name: n for n in (*nodes, OPERATOR, BYE)}
    return Tree(index, "start", "op")


def only(problems: list[str], word: str) -> list[str]:
    # Ignore the engine's own keys, which the small catalogue leaves out on purpose.
    return [p for p in problems if word in p]


def test_the_hotline_tree_is_sound_in_every_language() -> None:
    actions.load_all()
    assert check_tree(TREE, catalogue(), set(actions.EFFECTS)) == []


@pytest.mark.parametrize(
    ("nodes", "expected"),
    [
        ((menu("start", Option("1", "x", "nowhere")),), "start: leads to unknown node 'nowhere'"),
        ((menu("start", Option("1", "x", "bye")), Say("lost", ("hi",), "bye")), "lost: unreachable from 'start'"),
        (
            (menu("start", Option("1", "x", "loop")), Say("loop", ("hi",), "loop2"), Say("loop2", ("hi",), "loop")),
            "loop: dead end",
        ),
        ((menu("start", Option("1", "x", "act")), Action("act", "no.such.effect", {"ok": "bye"})), "not registered"),
        ((menu("start", Option("1", "x", "act")), Action("act", "known", {})), "act: action has no outcomes"),
        ((menu("start", Option("1", "x", "start")),), "option 1 leads back to the same menu"),
        ((menu("start", Option("9", "x", "bye")),), "9 and 0 are kept"),
        ((menu("start", *(Option(str(d), "x", "bye") for d in range(1, 7))),), "more than 5 options"),
    ],
    ids=[
        "dangling",
        "unreachable",
        "dead-end",
        "unregistered-effect",
        "no-outcomes",
        "self-loop",
        "global-digit",
        "six",
    ],
)
def test_each_structural_mistake_is_named(nodes, expected: str) -> None:
    problems = check_tree(tree(*nodes), small_catalogue(), {"known"})
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"es": {"x": None}}, "missing prompt es:x"),
        ({"es": {"x.words": None}}, "missing prompt es:x.words"),
        ({"en": {"extra": "Only in English."}}, "missing translation es:extra"),
    ],
    ids=["label", "words", "untranslated"],
)
def test_missing_prompts_and_translations_are_listed(overrides, expected: str) -> None:
    problems = missing_prompts(tree(menu("start", Option("1", "x", "bye"))), small_catalogue(**overrides))
    assert expected in problems


@pytest.mark.parametrize(
    ("en", "es", "mismatch"),
    [
        ("Ending in {caller_last4}.", "Termina en {caller_last4}.", False),
        ("Ending in {caller_last4}.", "Termina en {phone_last4}.", True),
        ("Number {position}.", "Número.", True),
        ("Broken {position.", "Roto {position}.", True),
    ],
)
def test_placeholders_must_match_across_languages(en: str, es: str, mismatch: bool) -> None:
    problems = placeholder_mismatches(small_catalogue(en={"p": en}, es={"p": es}))
    assert bool(only(problems, "prompt p")) is mismatch


def test_a_node_that_only_loops_is_a_dead_end() -> None:
    looping = tree(menu("start", Option("1", "x", "a")), Say("a", ("hi",), "b"), Say("b", ("hi",), "a"))
    assert dead_ends(looping) == [
        "a: dead end (no way from here to a goodbye or an operator)",
        "b: dead end (no way from here to a goodbye or an operator)",
    ]


def test_check_command_passes_on_the_hotline_tree(runner) -> None:
    result = runner.invoke(args=["callflow", "check"])
    assert result.exit_code == 0, result.output
    assert "call tree ok" in result.output


def test_check_command_exits_non_zero_with_a_clear_list(runner, tmp_path) -> None:
    # A copy of the shipped prompts with one Spanish label and one placeholder broken.
    prompts = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, prompts)
    callback = prompts / "es" / "callback.json"
    entries = json.loads(callback.read_text(encoding="utf-8"))
    del entries["callback.use_this"]
    entries["callback.saved"] = entries["callback.saved"].replace("{callback_number_last4}", "{number}")
    callback.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["callflow", "check", "--prompts", str(prompts)])
    assert result.exit_code == 1
    assert "  - missing prompt es:callback.use_this" in result.output
    assert "prompt callback.saved: placeholders differ" in result.output


def test_diagram_command_writes_mermaid_generated_from_the_tree(runner, tmp_path) -> None:
    out = tmp_path / "call-tree.mmd"
    result = runner.invoke(args=["callflow", "diagram", "--out", str(out)])
    assert result.exit_code == 0, result.output
    source = out.read_text(encoding="utf-8")
    assert source.startswith("%% Generated") and "flowchart TD" in source
    for name in TREE.nodes:
        assert name.replace(".", "_") in source
    assert 'main -- "To get a call back from a victim assistance specialist, press 2." --> callback' in source


def test_diagram_labels_can_be_spanish_and_dot_source_lists_every_edge() -> None:
    assert "Para que un especialista en asistencia a víctimas le devuelva la llamada, oprima 2." in to_mermaid(
        TREE, catalogue(), "es"
    )
    dot = to_dot(TREE, catalogue())
    assert dot.count(" -> ") >= len(TREE.nodes) - 1 and dot.rstrip().endswith("}")


def test_check_refuses_an_option_written_as_a_bare_label() -> None:
    from callflows.catalogue import catalogue
    from callflows.check import bare_option_labels
    from callflows.flows import TREE

    cat = catalogue()
    assert bare_option_labels(TREE, cat) == []
    entries = {code: dict(values) for code, values in cat.entries.items()}
    entries["es"]["triage.victim"] = "una víctima de un delito"
    broken = type(cat)(cat.languages, entries)
    assert bare_option_labels(TREE, broken) == [
        "option es:triage.victim is a bare label; write a whole sentence with {digit}"
    ]
