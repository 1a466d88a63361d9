"""``flask callflow check|diagram``: the call tree validates and draws itself."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from callflows.catalogue import Catalogue, catalogue
from callflows.check import check_tree
from callflows.diagram import to_dot, to_mermaid
from callflows.flows import TREE
from config import PROJECT_ROOT
from ivr import actions
from models.base import Database, utcnow
from models.callback import URGENT_PRIORITY, CallbackRequest

group = AppGroup("callflow", help="Check and draw the call tree.")

DEFAULT_DIAGRAM = PROJECT_ROOT / "docs" / "call-tree.mmd"


@group.command("check")
@click.option(
    "--prompts",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A prompt folder to check instead of the shipped one (e.g. a new language in progress).",
)
def check(prompts: Path | None) -> None:
    """Unreachable nodes, dead ends, options leading nowhere, missing or mismatched prompts."""
    actions.load_all()
    cat = Catalogue.load(prompts) if prompts else catalogue()
    problems = check_tree(TREE, cat, set(actions.EFFECTS))
    if problems:
        click.echo(f"call tree: {len(problems)} problem(s)", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    click.echo(f"call tree ok: {len(TREE.nodes)} nodes, languages {', '.join(cat.codes)}")


@group.command("diagram")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DIAGRAM, show_default=True)
@click.option("--lang", default=None, help="Language of the option labels (default: the first).")
def diagram(out: Path, lang: str | None) -> None:
    """Write the tree as Mermaid source (and SVG through Graphviz when ``dot`` is on PATH)."""
    cat = catalogue()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_mermaid(TREE, cat, lang), encoding="utf-8")
    click.echo(f"wrote {out}")
    dot = shutil.which("dot")
    if dot is None:
        click.echo("graphviz `dot` not found: SVG skipped (the Mermaid source renders on GitHub)")
        return
    source = out.with_suffix(".dot")
    source.write_text(to_dot(TREE, cat, lang), encoding="utf-8")
    svg = out.with_suffix(".svg")
    subprocess.run([dot, "-Tsvg", str(source), "-o", str(svg)], check=True, timeout=60)
    click.echo(f"wrote {source} and {svg}")


# Fictional 555-01XX numbers (NANPA reserves them for fiction): no real person is ever called.
DEMO_REQUESTS = (
    # phone, language, caller_type, need, urgent, office, status, hours ago created, minutes to complete
    ("+12025550101", "en", "victim", "offender_info", True, "WAS", "open", 1, None),
    ("+13055550102", "es", "family", "removal_process", False, "MIA", "open", 3, None),
    ("+17135550103", "es", "witness", "local_services", False, "HOU", "open", 5, None),
    ("+16175550104", "en", "family", "offender_info", False, "BOS", "completed", 30, 95),
    ("+13125550105", "en", "victim", "local_services", False, "CHI", "completed", 50, 140),
    ("+12135550106", "es", "other", "other", False, "LOS", "completed", 70, 65),
    ("+12065550107", "en", "victim", "removal_process", True, "SEA", "completed", 90, 25),
)


def load_demo(database: Database, echo: Callable[[str], None]) -> None:
    """Generated callback requests: a few open, a few completed so the expected wait has history."""
    now = utcnow()
    added = 0
    with database.session() as session:
        for phone, lang, caller_type, need, urgent, office, status, hours_ago, minutes in DEMO_REQUESTS:
            if session.scalar(select(CallbackRequest.id).where(CallbackRequest.phone == phone)) is not None:
                continue
            created = now - timedelta(hours=hours_ago)
            session.add(
                CallbackRequest(
                    phone=phone,
                    language=lang,
                    caller_type=caller_type,
                    need=need,
                    urgent=urgent,
                    priority=URGENT_PRIORITY if urgent else 0,
                    field_office=office,
                    source="voice",
                    status=status,
                    created_at=created,
                    updated_at=created,
                    attempts=1 if minutes else 0,
                    closed_at=created + timedelta(minutes=minutes) if minutes else None,
                    disposition="reached" if minutes else None,
                )
            )
            added += 1
    echo(f"  {added} callback request(s) added")
