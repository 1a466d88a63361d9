"""``flask db upgrade|downgrade|revision``: the Alembic migrations."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from models import migrate
from runtime import hotline

group = AppGroup("db", help="Database migrations (Alembic).")


@group.command("upgrade")
@click.argument("revision", default="heads")
def upgrade(revision: str) -> None:
    """Apply migrations (all of them by default)."""
    migrate.upgrade(hotline().settings.database_url, revision)
    click.echo(f"database at {revision}")


@group.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    migrate.downgrade(hotline().settings.database_url, revision)


@group.command("revision")
@click.option("-m", "--message", required=True)
def revision(message: str) -> None:
    """Write a new migration compared against the models."""
    migrate.revision(hotline().settings.database_url, message)
