"""``flask retention report|run``: what the retention rules would remove now, and removing it."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from runtime import hotline
from workers import retention

group = AppGroup("retention", help="Delete personal data after the configured number of days.")


@group.command("report")
def report() -> None:
    """Say what would go now, per rule, without changing anything."""
    current = hotline()
    with current.database.session() as session:
        rows = retention.report(current.settings, session)
    for name, days, count in rows:
        click.echo(f"{count:8d}  {name} (kept {days} days)")


@group.command("run")
def run() -> None:
    """Apply every rule now (the daily job does the same)."""
    for name, count in retention.apply_retention().items():
        click.echo(f"{count:8d}  {name}")
