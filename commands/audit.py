"""``flask audit export --since DATE``: the look-up audit as CSV, for the privacy officer."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from models.audit import LookupAudit
from runtime import hotline

group = AppGroup("audit", help="The custody look-up audit.")

EXPORT_COLUMNS = (
    "at",
    "channel",
    "sid",
    "caller_hash",
    "a_number",
    "country",
    "result",
    "fields_disclosed",
    "flagged",
)


def _since(value: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date like 2026-11-01, got {value!r}") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@group.command("export")
@click.option("--since", "since", required=True, help="First day (UTC, YYYY-MM-DD) to export.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="CSV file (default: stdout).")
def export(since: str, output: Path | None) -> None:
    """Write every look-up attempt since DATE as CSV (caller numbers appear only as keyed hashes)."""
    start = _since(since)
    handle = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    rows = 0
    try:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        with hotline().database.session() as session:
            for audit in LookupAudit.since(session, start):
                writer.writerow(
                    (
                        audit.at.isoformat(),
                        audit.channel,
                        audit.sid,
                        audit.caller_hash,
                        audit.a_number or "",
                        audit.country or "",
                        audit.result,
                        audit.fields_disclosed,
                        "yes" if audit.flagged else "no",
                    )
                )
                rows += 1
    finally:
        if output:
            handle.close()
    if output:
        click.echo(f"{rows} look-up attempts since {start.date().isoformat()} written to {output}")
