"""The README stays a short map: at most 400 lines, links that lead somewhere, every setting named."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from config import load_settings

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
DECISIONS = DOCS / "decisions"
MAX_LINES = 400


class ReadingEnvironment(Mapping[str, str]):
    """An empty environment that notes every variable the settings ask it for."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        raise KeyError(name)

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.asked.add(name)
        return default

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self.asked.add(name)
        return False

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def readme() -> str:
    return README.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The text under ``## heading`` up to the next second-level heading."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"the README has no '## {heading}' section"
    return match[1]


def doc_links(text: str) -> set[str]:
    """Every Markdown link target under docs/, without its #anchor."""
    return {target.split("#")[0] for target in re.findall(r"\]\((docs/[^)\s]+)\)", text)}


def variables_the_settings_read() -> set[str]:
    environment = ReadingEnvironment()
    load_settings(environment)
    return environment.asked


def test_readme_is_at_most_400_lines() -> None:
    lines = len(readme().splitlines())
    assert lines <= MAX_LINES, f"README.md has {lines} lines: move the detail to docs/"


def test_every_docs_link_in_the_readme_points_at_a_file() -> None:
    links = doc_links(readme())
    assert links, "the README links no docs/ page"
    assert sorted(link for link in links if not (ROOT / link).is_file()) == []


def test_where_to_read_more_links_every_docs_page() -> None:
    pages = {f"docs/{page.name}" for page in DOCS.glob("*.md")} | {"docs/decisions/README.md"}
    assert sorted(pages - doc_links(section(readme(), "Where to read more"))) == []


def test_the_generated_diagram_is_not_in_the_readme() -> None:
    assert "```mermaid" not in readme()


def test_settings_table_names_every_variable_config_reads() -> None:
    table = section(readme(), "Settings")
    rows = "\n".join(line for line in table.splitlines() if line.startswith("|"))
    named = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", rows))
    read = variables_the_settings_read()
    assert {"DATABASE_URL", "REFERRAL_MAX_MILES", "NOTIFY_QUIET_HOURS"} <= read, "the reading environment saw nothing"
    assert sorted(read - named) == []


def test_decisions_index_lists_every_decision_file() -> None:
    index = (DECISIONS / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"\]\(([^)#\s]+\.md)\)", index))
    files = {page.name for page in DECISIONS.glob("*.md") if page.name != "README.md"}
    assert files, "docs/decisions/ holds no decision"
    assert sorted(files - listed) == []
    assert sorted(name for name in listed if not (DECISIONS / name).is_file()) == []
