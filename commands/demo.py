"""``flask demo load``: generated demo data (no real personal data exists in this project)."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask.cli import AppGroup

from ivr.extensions import hotline
from models.base import Database

group = AppGroup("demo", help="Generated demo data.")

# Each part of the service adds a loader: (name, function(database, echo)).
LOADERS: list[tuple[str, Callable[[Database, Callable[[str], None]], None]]] = []


@group.command("load")
def load() -> None:
    """Load the demo data of every part of the service (safe to run twice)."""
    for name, loader in LOADERS:
        click.echo(f"demo data: {name}")
        loader(hotline().database, click.echo)
    click.echo("demo data loaded")
