"""``flask custody import|import-facilities|demo``: load the upstream custody feed.

The formats are in docs/custody-feed.md. Demo data is generated: fictional
names, fictional 555-01XX facility phones, and a documented demo detainee
(A-number 201-345-678, born in Mexico, in custody at the El Paso demo facility).
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
from flask.cli import AppGroup
from tqdm import tqdm

from models.base import Database
from models.import_lock import ImportLocked
from runtime import hotline
from workers.imports import (
    CUSTODY_COLUMNS,
    FACILITY_COLUMNS,
    FeedError,
    ImportSummary,
    batch_name,
    import_custody,
    import_facilities,
)
from workers.notify import create_due

group = AppGroup("custody", help="Custody records: feed import and demo data.")

DEMO_A_NUMBER = "201345678"
DEMO_COUNTRY = "MX"
DEMO_FACILITY = "DEMOELP"

# Fictional facilities in real cities; every phone is a 555-01XX stand-in.
DEMO_FACILITIES = [
    ("DEMOELP", "El Paso Demo Processing Center", "100 Example Road", "El Paso", "TX", "79925", "+19155550142", "ELP"),
    ("DEMOSTX", "South Texas Demo Family Center", "200 Example Avenue", "Dilley", "TX", "78017", "+18305550110", "SNA"),
    (
        "DEMOKRM",
        "Krome Demo Service Processing Center",
        "300 Example Way",
        "Miami",
        "FL",
        "33194",
        "+13055550123",
        "MIA",
    ),
    (
        "DEMOADL",
        "Adelanto Demo Detention Facility",
        "400 Example Drive",
        "Adelanto",
        "CA",
        "92301",
        "+17605550115",
        "LOS",
    ),
    (
        "DEMOELZ",
        "Elizabeth Demo Detention Center",
        "500 Example Street",
        "Elizabeth",
        "NJ",
        "07201",
        "+19085550131",
        "NEW",
    ),
    ("DEMONWD", "Northwest Demo Processing Center", "600 Example Lane", "Tacoma", "WA", "98421", "+12535550177", "SEA"),
    ("DEMOSTW", "Stewart Demo Detention Center", "700 Example Court", "Lumpkin", "GA", "31815", "+12295550164", "ATL"),
    (
        "DEMOOTY",
        "Otay Mesa Demo Detention Center",
        "800 Example Place",
        "San Diego",
        "CA",
        "92154",
        "+16195550188",
        "SND",
    ),
    (
        "DEMOPRA",
        "Prairieland Demo Detention Center",
        "900 Example Trail",
        "Alvarado",
        "TX",
        "76009",
        "+18175550102",
        "DAL",
    ),
    ("DEMOELY", "Eloy Demo Detention Center", "1000 Example Road", "Eloy", "AZ", "85131", "+15205550156", "PHO"),
    (
        "DEMOBRD",
        "Broadview Demo Service Staging",
        "1100 Example Avenue",
        "Broadview",
        "IL",
        "60155",
        "+17085550149",
        "CHI",
    ),
    ("DEMOJNA", "Jena Demo Processing Center", "1200 Example Street", "Jena", "LA", "71342", "+13185550172", "NOL"),
]
_FIRST = (
    "Ana",
    "Luis",
    "Maria",
    "Jose",
    "Carmen",
    "Juan",
    "Rosa",
    "Carlos",
    "Elena",
    "Miguel",
    "Sofia",
    "Pedro",
    "Lucia",
    "Jorge",
    "Isabel",
    "Diego",
    "Paula",
    "Andres",
    "Marta",
    "Samuel",
    "Grace",
    "Daniel",
    "Nadia",
    "Omar",
)
_LAST = (
    "Garcia",
    "Lopez",
    "Martinez",
    "Hernandez",
    "Gonzalez",
    "Perez",
    "Ramirez",
    "Flores",
    "Cruz",
    "Morales",
    "Reyes",
    "Ortiz",
    "Castillo",
    "Mendoza",
    "Vargas",
    "Rojas",
    "Silva",
    "Torres",
    "Nguyen",
    "Mensah",
)
# Roughly the mix of countries of birth in detention statistics, most common first.
_COUNTRIES = (
    ("MX", 40),
    ("GT", 15),
    ("HN", 13),
    ("SV", 7),
    ("VE", 5),
    ("CO", 4),
    ("EC", 4),
    ("CU", 3),
    ("NI", 3),
    ("IN", 2),
    ("HT", 2),
    ("BR", 1),
    ("CN", 1),
)
_STATUSES = (("in custody", 70), ("released", 12), ("removed", 10), ("transferred", 5), ("not in custody", 3))


def write_demo_files(folder: Path, count: int, seed: int = 5) -> tuple[Path, Path]:
    """Write ``facilities.csv`` and ``custody.csv`` with ``count`` generated records (the demo detainee first)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    facilities_path, custody_path = folder / "facilities.csv", folder / "custody.csv"
    with facilities_path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(FACILITY_COLUMNS)
        writer.writerows(DEMO_FACILITIES)
    codes = [f[0] for f in DEMO_FACILITIES]
    countries = rng.choices([c for c, _ in _COUNTRIES], [w for _, w in _COUNTRIES], k=count)
    statuses = rng.choices([s for s, _ in _STATUSES], [w for _, w in _STATUSES], k=count)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    # Distinct A-numbers from 202,000,000 up (the demo detainee's 201,345,678 is never drawn).
    numbers = rng.sample(range(202_000_000, 299_999_999), max(count - 1, 0))
    with custody_path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(CUSTODY_COLUMNS)
        if count:
            writer.writerow(
                (
                    "A201345678",
                    "Demo",
                    "Detainee",
                    "Mexico",
                    "1990-05-01",
                    "in custody",
                    DEMO_FACILITY,
                    "2026-11-01T09:30:00Z",
                )
            )
        for i, number in enumerate(numbers, start=1):
            status = statuses[i]
            held = status in ("in custody", "transferred")
            born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 20000))
            changed = start + timedelta(seconds=rng.randrange(0, 27_000_000))
            writer.writerow(
                (
                    f"A{number}",
                    rng.choice(_FIRST),
                    rng.choice(_LAST),
                    countries[i],
                    born.isoformat(),
                    status,
                    rng.choice(codes) if held else "",
                    changed.strftime("%Y-%m-%dT%H:%M:%SZ"),
                )
            )
    return facilities_path, custody_path


def _echo_summary(what: str, summary: ImportSummary, seconds: float, limit: int | None = None) -> None:
    for shown, rejected in enumerate(summary.rejected):
        if limit is not None and shown >= limit:
            click.echo(f"... and {len(summary.rejected) - limit} more rejected rows", err=True)
            break
        click.echo(f"line {rejected.line}: rejected: {rejected.reason}", err=True)
    rate = summary.rows / seconds if seconds > 0 else 0.0
    click.echo(
        f"{what}: {summary.inserted} inserted, {summary.changed} changed, {summary.unchanged} unchanged, "
        f"{len(summary.rejected)} rejected ({summary.rows} rows in {seconds:.1f} s, {rate:,.0f} rows/s; "
        f"{summary.events} custody events)"
    )
    if what == "custody records":
        # Such records count as possible minors and are never disclosed or notified (docs/decisions/never-disclosed.md).
        click.echo(f"custody records without a date of birth (never disclosed): {summary.without_date_of_birth}")


def run_custody_import(
    database: Database, path: Path, echo_limit: int | None = None, lock_wait: float = 0.0
) -> ImportSummary:
    """Import one custody file with a progress bar on a terminal, and print the summary."""
    started = time.perf_counter()
    on_terminal = sys.stderr.isatty()
    total = path.stat().st_size
    bar = tqdm(total=total, unit="B", unit_scale=True, desc="custody", file=sys.stderr) if on_terminal else None
    with path.open(encoding="utf-8-sig", newline="") as file, bar or nullcontext():

        def advance(_rows: int) -> None:
            if bar is not None:
                bar.update(file.buffer.tell() - bar.n)

        summary = import_custody(database, file, batch_name(path), progress=advance, lock_wait=lock_wait)
    _echo_summary("custody records", summary, time.perf_counter() - started, echo_limit)
    return summary


_WAIT = click.option(
    "--wait", "lock_wait", default=0.0, show_default=True, help="Seconds to wait for another import to finish."
)


@group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_WAIT
def import_command(file: Path, lock_wait: float) -> None:
    """Load the upstream custody export FILE (idempotent; bad rows are reported, good rows load)."""
    try:
        summary = run_custody_import(hotline().database, file, lock_wait=lock_wait)
    except (FeedError, ImportLocked) as error:
        raise click.ClickException(f"{file}: {error}") from None
    # The changes registrants are told of become notifications now (the worker sends them).
    click.echo(f"notifications: {create_due(hotline().database, hotline().settings)} created")
    if summary.rejected:
        sys.exit(1)


@group.command("import-facilities")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_WAIT
def import_facilities_command(file: Path, lock_wait: float) -> None:
    """Load the facilities file FILE (idempotent; bad rows are reported, good rows load)."""
    started = time.perf_counter()
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            summary = import_facilities(hotline().database, handle, lock_wait=lock_wait)
    except (FeedError, ImportLocked) as error:
        raise click.ClickException(f"{file}: {error}") from None
    _echo_summary("facilities", summary, time.perf_counter() - started)
    if summary.rejected:
        sys.exit(1)


@group.command("demo")
@click.option("--count", default=3000, show_default=True, help="How many custody records to generate.")
@click.option("--out", "folder", type=click.Path(file_okay=False, path_type=Path), help="Keep the CSV files here.")
@click.option("--load/--no-load", default=True, show_default=True, help="Import the files after writing them.")
@click.option("--seed", default=5, show_default=True)
def demo_command(count: int, folder: Path | None, load: bool, seed: int) -> None:
    """Generate fake but well-formed facilities and custody records (and load them)."""
    with tempfile.TemporaryDirectory(prefix="custody-demo-") as tmp:
        target = folder or Path(tmp)
        facilities, custody = write_demo_files(target, count, seed)
        if folder:
            click.echo(f"wrote {facilities} and {custody}")
        if load:
            database = hotline().database
            with facilities.open(encoding="utf-8", newline="") as handle:
                _echo_summary("facilities", import_facilities(database, handle), 0.0)
            run_custody_import(database, custody)


def load_demo(database: Database, echo: Callable[[str], None]) -> None:
    """The ``flask demo load`` part for custody: demo facilities and 3,000 records."""
    with tempfile.TemporaryDirectory(prefix="custody-demo-") as tmp:
        facilities, custody = write_demo_files(Path(tmp), 3000)
        with facilities.open(encoding="utf-8", newline="") as handle:
            import_facilities(database, handle)
        with custody.open(encoding="utf-8", newline="") as handle:
            summary = import_custody(database, handle, batch_name(custody))
    echo(
        f"  custody: {summary.inserted} inserted, {summary.unchanged} unchanged; demo detainee "
        f"A-number {DEMO_A_NUMBER[:3]}-{DEMO_A_NUMBER[3:6]}-{DEMO_A_NUMBER[6:]}, born in Mexico"
    )
