"""``flask demo load``: generated demo data (no real personal data exists in this project)."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask.cli import AppGroup

from models.base import Database
from runtime import hotline

group = AppGroup("demo", help="Generated demo data.")

# Each part of the service adds a loader: (name, function(database, echo)).
LOADERS: list[tuple[str, Callable[[Database, Callable[[str], None]], None]]] = []


def _load_custody(database: Database, echo: Callable[[str], None]) -> None:
    from commands.custody import load_demo

    load_demo(database, echo)


LOADERS.append(("custody", _load_custody))


def _load_operators(database: Database, echo: Callable[[str], None]) -> None:
    from commands.operators import load_demo

    load_demo(database, echo)


LOADERS.append(("operators", _load_operators))


def _load_callbacks(database: Database, echo: Callable[[str], None]) -> None:
    from commands.callflow import load_demo

    load_demo(database, echo)


LOADERS.append(("callback requests", _load_callbacks))


def _load_referrals(database: Database, echo: Callable[[str], None]) -> None:
    from commands.referrals import load_demo

    load_demo(database, echo)


LOADERS.append(("referral directory", _load_referrals))


@group.command("load")
def load() -> None:
    """Load the demo data of every part of the service (safe to run twice)."""
    if hotline().settings.is_production:
        # The demo log-ins are printed in the README: they must never exist in production.
        raise click.ClickException("demo data is refused in production (VOICE_ENV=production)")
    for name, loader in LOADERS:
        click.echo(f"demo data: {name}")
        loader(hotline().database, click.echo)
    click.echo("demo data loaded")
