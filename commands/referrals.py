"""``flask referrals import|demo|categorize|nearest``: the Open Referral (HSDS) directory of local services."""

from __future__ import annotations

import csv
import random
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from models.base import Database, utcnow
from models.directory import CATEGORIES, SearchQuery, correct_category, nearest
from models.hsds import DirectoryImportError, import_directory
from models.places import Place, all_places, place_for_zip
from runtime import hotline

group = AppGroup("referrals", help="The directory of local victim services (Open Referral HSDS).")

# Generated service names by category: "{place}" is a city or county, never a person.
_NAMES = {
    "domestic_violence": (
        "{place} Family Justice Center",
        "{place} Domestic Violence Program",
        "Safe Families of {place}",
    ),
    "sexual_assault": ("{place} Rape Crisis Center", "{place} Sexual Assault Response Team"),
    "legal_help": ("{place} Legal Aid", "{place} Immigrant Legal Services", "{place} Protective Order Clinic"),
    "counselling": ("{place} Counseling Collective", "{place} Trauma Counseling Center"),
    "shelter": ("{place} Emergency Shelter", "{place} Safe House"),
    "victim_compensation": ("{place} Crime Victim Compensation Office",),
}
# The Rio Grande Valley first, so the demo caller in Harlingen (78550) has help in every category.
_DEMO_ZIPS = (
    "78550",
    "78520",
    "78501",
    "78539",
    "78596",
    "10027",
    "60623",
    "90033",
    "77036",
    "33125",
    "85009",
    "30303",
)
_HEADERS = {
    "organizations.csv": ("id", "name", "description", "url"),
    "services.csv": ("id", "organization_id", "name", "description", "status"),
    "locations.csv": ("id", "organization_id", "name", "latitude", "longitude"),
    "physical_addresses.csv": ("id", "location_id", "address_1", "city", "state_province", "postal_code", "country"),
    "phones.csv": ("id", "service_id", "number", "type"),
    "services_at_location.csv": ("id", "service_id", "location_id"),
    "languages.csv": ("id", "service_id", "language"),
    "regular_schedules.csv": ("id", "service_id", "weekday", "opens_at", "closes_at"),
    "service_taxonomy.csv": ("id", "service_id", "taxonomy_id"),
    "taxonomy.csv": ("id", "name", "vocabulary"),
}
# Real AIRS / 211 LA codes, so the generated directory is categorised the way a 211's is.
_TAXONOMY = {
    "domestic_violence": ("RP-1500.1400-200", "Domestic Violence Hotlines"),
    "sexual_assault": ("RP-1500.1400-750", "Sexual Assault Hotlines"),
    "legal_help": ("FT-3200", "General Legal Aid"),
    "counselling": ("RP-1400", "Counseling Services"),
    "shelter": ("BH-1800", "Emergency Shelter"),
    "victim_compensation": ("FN-1900.1500", "Crime Victim Compensation"),
}


def generated_rows(places: Iterable[Place], per_place: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """A plausible HSDS 1.x directory: ``per_place`` services around each place, fictional 555-01XX numbers."""
    rng = random.Random(seed)
    files: dict[str, list[dict[str, Any]]] = {name: [] for name in _HEADERS}
    files["taxonomy.csv"] = [{"id": code, "name": name, "vocabulary": "AIRS"} for code, name in _TAXONOMY.values()]
    categories = [c for c in CATEGORIES if c != "other"]
    n = 0
    for place in places:
        area = _area_code(place)
        for k in range(per_place):
            n += 1
            category = categories[k % len(categories)] if k < len(categories) else rng.choice(categories)
            sid = f"svc-{n:06d}"
            name = rng.choice(_NAMES[category]).format(place=place.city.title())
            lat = place.latitude + rng.uniform(-0.08, 0.08)
            lon = place.longitude + rng.uniform(-0.08, 0.08)
            files["organizations.csv"].append({"id": f"org-{n:06d}", "name": name, "description": "", "url": ""})
            files["services.csv"].append(
                {"id": sid, "organization_id": f"org-{n:06d}", "name": name, "description": "", "status": "active"}
            )
            files["locations.csv"].append(
                {
                    "id": f"loc-{n:06d}",
                    "organization_id": f"org-{n:06d}",
                    "name": name,
                    "latitude": f"{lat:.5f}",
                    "longitude": f"{lon:.5f}",
                }
            )
            files["physical_addresses.csv"].append(
                {
                    "id": f"adr-{n:06d}",
                    "location_id": f"loc-{n:06d}",
                    "address_1": f"{100 + rng.randrange(9000)} Main Street",
                    "city": place.city.title(),
                    "state_province": place.state,
                    "postal_code": place.zip,
                    "country": "US",
                }
            )
            files["phones.csv"].append(
                {"id": f"ph-{n:06d}", "service_id": sid, "number": f"({area}) 555-01{n % 100:02d}", "type": "voice"}
            )
            files["services_at_location.csv"].append(
                {"id": f"sal-{n:06d}", "service_id": sid, "location_id": f"loc-{n:06d}"}
            )
            files["languages.csv"].append({"id": f"lang-{n:06d}-en", "service_id": sid, "language": "English"})
            if rng.random() < 0.6:
                files["languages.csv"].append({"id": f"lang-{n:06d}-es", "service_id": sid, "language": "Spanish"})
            always = category in {"domestic_violence", "sexual_assault", "shelter"} and rng.random() < 0.5
            for day in range(1, 8 if always else 6):
                files["regular_schedules.csv"].append(
                    {
                        "id": f"sch-{n:06d}-{day}",
                        "service_id": sid,
                        "weekday": str(day),
                        "opens_at": "00:00" if always else "09:00",
                        "closes_at": "24:00" if always else "17:00",
                    }
                )
            files["service_taxonomy.csv"].append(
                {"id": f"st-{n:06d}", "service_id": sid, "taxonomy_id": _TAXONOMY[category][0]}
            )
    return files


def _area_code(place: Place) -> str:
    return place.area_code or "202"


def write_hsds(folder: Path, files: dict[str, list[dict[str, Any]]]) -> None:
    """Write HSDS CSV files with their standard headers."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=_HEADERS[name])
            writer.writeheader()
            writer.writerows(rows)


def demo_places(count: int) -> list[Place]:
    """The demo's places: the Rio Grande Valley and a few large cities, then random ZIP codes."""
    places = [p for p in map(place_for_zip, _DEMO_ZIPS) if p is not None]
    if count > len(places):
        rng = random.Random(7)
        places += rng.sample(all_places(), count - len(places))
    return places[:count]


def load_demo(database: Database, echo: Callable[[str], None]) -> None:
    """Generate and import the demo directory (safe to run twice: the HSDS ids are stable)."""
    with tempfile.TemporaryDirectory() as folder:
        write_hsds(Path(folder), generated_rows(demo_places(len(_DEMO_ZIPS)), per_place=8, seed=12))
        with database.session() as session:
            summary = import_directory(session, Path(folder), source="demo", max_miles=_max_miles())
    for line in summary.lines():
        echo(f"  {line}")


def _max_miles() -> float:
    return hotline().settings.referrals.max_miles


def _progress(rows: Iterable[Any], name: str) -> Iterable[Any]:
    # Progress only on a terminal: logs and CI get the summary alone.
    if not sys.stderr.isatty():
        return rows
    from tqdm import tqdm

    return tqdm(rows, desc=name, unit=" rows", file=sys.stderr)


@group.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--source",
    default="default",
    show_default=True,
    help="Name of this directory: a re-import of the same source removes what its files no longer hold.",
)
def import_command(path: Path, source: str) -> None:
    """Import (or update) an HSDS directory: a folder, a zip file or a datapackage.json.

    Bad rows are listed with file, the line where the record starts, its id and the reason.
    """
    try:
        with hotline().database.session() as session:
            summary = import_directory(session, path, progress=_progress, source=source, max_miles=_max_miles())
    except DirectoryImportError as error:
        raise click.ClickException(str(error)) from None
    for problem in summary.problems:
        click.echo(f"{'warning' if problem.warning else 'problem'}: {problem}")
    for line in summary.lines():
        click.echo(line)


@group.command("demo")
@click.option("--places", default=len(_DEMO_ZIPS), show_default=True, help="How many ZIP areas get services.")
@click.option("--per-place", default=8, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Write the HSDS folder here instead.")
def demo_command(places: int, per_place: int, out: Path | None) -> None:
    """Generate a plausible directory (fictional 555-01XX numbers, no names of people) and import it."""
    files = generated_rows(demo_places(places), per_place, seed=12)
    if out is not None:
        write_hsds(out, files)
        click.echo(f"wrote {len(files['services.csv'])} services to {out}")
        return
    with tempfile.TemporaryDirectory() as folder:
        write_hsds(Path(folder), files)
        with hotline().database.session() as session:
            summary = import_directory(session, Path(folder), source="demo", max_miles=_max_miles())
    for line in summary.lines():
        click.echo(line)


@group.command("categorize")
@click.argument("service_id")
@click.argument("category", type=click.Choice(CATEGORIES))
def categorize_command(service_id: str, category: str) -> None:
    """Correct a service's category (kept across re-imports)."""
    try:
        with hotline().database.session() as session:
            service = correct_category(session, service_id, category, _max_miles())
            click.echo(f"{service.id}: {service.name} is now {category}")
    except KeyError:
        raise click.ClickException(f"no service {service_id!r}") from None


@group.command("nearest")
@click.argument("zip_code")
@click.option("--category", type=click.Choice(CATEGORIES))
@click.option("--language", default="en", show_default=True)
def nearest_command(zip_code: str, category: str | None, language: str) -> None:
    """The three nearest services to a ZIP code, as a caller would hear them."""
    place = place_for_zip(zip_code)
    if place is None:
        raise click.ClickException(f"{zip_code!r} is not a known US ZIP code")
    query = SearchQuery(
        place.latitude,
        place.longitude,
        category,
        language,
        max_miles=hotline().settings.referrals.max_miles,
        now=utcnow(),
    )
    with hotline().database.session() as session:
        for found in nearest(session, query):
            open_text = {True: "open now", False: "closed now", None: "hours unknown"}[found.open_now]
            click.echo(f"{found.miles:5.1f} mi  {found.name}  {found.phone or '-'}  [{found.category}, {open_text}]")
