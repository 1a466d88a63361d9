"""The call-tree diagram is generated, never drawn by hand: the committed copies must be current."""

from __future__ import annotations

from callflows.catalogue import catalogue
from callflows.diagram import to_mermaid
from callflows.flows import TREE
from commands.callflow import DEFAULT_DIAGRAM, README, readme_block


def test_docs_diagram_matches_the_tree() -> None:
    assert DEFAULT_DIAGRAM.read_text(encoding="utf-8") == to_mermaid(TREE, catalogue()), (
        "run: flask --app app callflow diagram"
    )


def test_readme_diagram_matches_the_tree() -> None:
    assert readme_block(to_mermaid(TREE, catalogue())) in README.read_text(encoding="utf-8"), (
        "run: flask --app app callflow diagram"
    )


def test_docs_graphviz_source_matches_the_tree() -> None:
    from callflows.diagram import to_dot

    assert DEFAULT_DIAGRAM.with_suffix(".dot").read_text(encoding="utf-8") == to_dot(TREE, catalogue()), (
        "run: flask --app app callflow diagram (with graphviz installed)"
    )
