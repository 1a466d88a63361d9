"""``flask report quarterly --quarter 2026Q4``: the quarterly report as HTML, PDF or CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from models.report import Period, PeriodError
from runtime import hotline

group = AppGroup("report", help="The quarterly report (counts only, small counts suppressed).")


def _period(value: str) -> Period:
    try:
        return Period.parse(value)
    except PeriodError as error:
        raise click.BadParameter(str(error)) from None


@group.command("quarterly")
@click.option("--quarter", required=True, help="The quarter, e.g. 2026Q4 (or a month 2026-11, a week 2026-W48).")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "csv"]), default="pdf", show_default=True)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True)
def quarterly(quarter: str, fmt: str, out: Path) -> None:
    """Write the report for a quarter (each figure next to the previous quarter's) into --out."""
    from reports import document

    period = _period(quarter)
    current = hotline()
    with current.database.session() as session:
        report = document.build(session, period, current.settings.tz, datetime.now(UTC), charts_on=fmt != "csv")
    click.echo(document.write(report, fmt, out))


@group.command("keep")
@click.option("--period", "label", required=True, help="A quarter (2026Q3), month (2026-09) or week (2026-W39).")
def keep(label: str) -> None:
    """Keep a period's report numbers in aggregate, before its detail is deleted (retention); safe to repeat."""
    from models.report import KeptCount

    period = _period(label)
    current = hotline()
    with current.database.session() as session:
        rows = KeptCount.keep(session, period, current.settings.tz)
    click.echo(f"{period.label}: kept {rows} numbers")


@group.command("demo")
@click.option("--quarter", required=True, help="The quarter to fill with generated activity, e.g. 2026Q4.")
@click.option("--events", default=20_000, show_default=True)
@click.option("--requests", default=1_000, show_default=True)
@click.option("--force", is_flag=True, help="Add the history even though the database has real traffic.")
def demo(quarter: str, events: int, requests: int, force: bool) -> None:
    """Add generated closed history (calls, requests, look-ups) for a quarter and the one before it, up to now.

    Only finished work is written: no open request, no caller holding, nothing dated after now, so the
    operators' queue never shows generated work. A database with real traffic is refused unless --force.
    """
    from reports.sample import already_generated, generate, real_traffic

    period = _period(quarter)
    current = hotline()
    now = datetime.now(UTC)
    if period.previous().bounds(current.settings.tz)[0] >= now:
        raise click.ClickException(f"{period.label} and the quarter before it are in the future: nothing to add")
    real = real_traffic(current.database)
    if real and not force:
        raise click.ClickException(
            f"this database has real traffic ({real}); demo history would mix with it. "
            "Use an empty database, or --force to add it anyway."
        )
    for number, part in enumerate((period.previous(), period)):
        start, end = part.bounds(current.settings.tz)
        if start >= now:
            click.echo(f"{part.label}: in the future, skipped")
            continue
        if already_generated(current.database, seed=number + 1):
            click.echo(f"{part.label}: the demo history is already there")
            continue
        made = generate(
            current.database, start, min(end, now), events=events, requests=requests, seed=number + 1, closed_only=True
        )
        click.echo(f"{part.label}: {made}")
