"""The call-tree diagram is generated, never drawn by hand: the committed copies must be current."""

from __future__ import annotations

from callflows.catalogue import catalogue
from callflows.diagram import to_mermaid
from callflows.flows import TREE
from commands.callflow import CALL_TREE_PAGE, DEFAULT_DIAGRAM, diagram_block, refresh_page


def test_docs_diagram_matches_the_tree() -> None:
    assert DEFAULT_DIAGRAM.read_text(encoding="utf-8") == to_mermaid(TREE, catalogue()), (
        "run: flask --app app callflow diagram"
    )


def test_call_tree_page_diagram_matches_the_tree() -> None:
    assert diagram_block(to_mermaid(TREE, catalogue())) in CALL_TREE_PAGE.read_text(encoding="utf-8"), (
        "run: flask --app app callflow diagram"
    )


def test_diagram_command_refreshes_only_the_block_between_the_markers(tmp_path) -> None:
    page = tmp_path / "call-tree.md"
    stale = diagram_block("flowchart TD\n    old --> older")
    page.write_text(f"# Before\n\n{stale}\n\n## After\n", encoding="utf-8")
    assert refresh_page(page, to_mermaid(TREE, catalogue()))
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Before\n\n") and text.endswith("\n\n## After\n")
    assert diagram_block(to_mermaid(TREE, catalogue())) in text and "old --> older" not in text
    assert not refresh_page(page, to_mermaid(TREE, catalogue())), "a current page is left as it is"


def test_docs_graphviz_source_matches_the_tree() -> None:
    from callflows.diagram import to_dot

    assert DEFAULT_DIAGRAM.with_suffix(".dot").read_text(encoding="utf-8") == to_dot(TREE, catalogue()), (
        "run: flask --app app callflow diagram (with graphviz installed)"
    )
