"""Small generated HSDS 1.1 folders, one per finding: each service is a dict, the CSV files are written from them."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path
from typing import Any

from models.places import place_for_zip

MILES_PER_DEGREE_LAT = 69.05


def near(zip_code: str, miles_north: float) -> tuple[float, float]:
    """A point ``miles_north`` miles due north of a ZIP code's centroid."""
    place = place_for_zip(zip_code)
    return place.latitude + miles_north / MILES_PER_DEGREE_LAT, place.longitude


def write_csv(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> None:
    """Write rows with the union of their keys as the header (or ``header``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = header or list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)


def hsds_folder(
    folder: Path,
    services: list[dict[str, Any]],
    *,
    published: bool = False,
    missing_organizations: tuple[str, ...] = (),
    schedules_name: str = "regular_schedules.csv",
) -> Path:
    """Write an HSDS 1.1 directory of ``services`` into ``folder``.

    Each service: id, name, and optionally description, organization, zip (the address), at (lat, lon), phone,
    extension, terms [(AIRS code, name)], languages [names], status, hours [(weekday, opens, closes)].
    ``published``: a datapackage.json at the top and the CSV files in ``data/``, as Open Referral publishes.
    """
    data = folder / "data" if published else folder
    organizations, rows, locations, addresses, phones, links, languages, terms, taxonomy, hours = (
        [] for _ in range(10)
    )
    for s in services:
        sid = s["id"]
        org = s.get("organization", f"org-{sid}")
        if org not in missing_organizations and all(o["id"] != org for o in organizations):
            organizations.append({"id": org, "name": s.get("organization_name", f"Agency of {s['name']}")})
        rows.append(
            {
                "id": sid,
                "organization_id": org,
                "name": s["name"],
                "description": s.get("description", ""),
                "status": s.get("status", "active"),
            }
        )
        lat, lon = s.get("at", ("", ""))
        locations.append({"id": f"loc-{sid}", "organization_id": org, "name": s["name"], "latitude": lat,
                          "longitude": lon})  # fmt: skip
        addresses.append(
            {
                "id": f"adr-{sid}",
                "location_id": f"loc-{sid}",
                "address_1": "1 Main Street",
                "city": s.get("city", "Miami"),
                "state_province": "FL",
                "postal_code": s.get("zip", ""),
                "country": "US",
            }
        )
        phones.append(
            {"id": f"ph-{sid}", "service_id": sid, "number": s.get("phone", ""), "extension": s.get("extension", "")}
        )
        links.append({"id": f"sal-{sid}", "service_id": sid, "location_id": f"loc-{sid}"})
        for i, language in enumerate(s.get("languages", ())):
            languages.append({"id": f"lang-{sid}-{i}", "service_id": sid, "location_id": "", "language": language})
        for i, (code, name) in enumerate(s.get("terms", ())):
            terms.append({"id": f"st-{sid}-{i}", "service_id": sid, "taxonomy_id": code, "taxonomy_detail": ""})
            if all(t["id"] != code for t in taxonomy):
                taxonomy.append({"id": code, "name": name, "parent_id": "", "parent_name": "", "vocabulary": "AIRS"})
        for i, (day, opens, closes) in enumerate(s.get("hours", ())):
            hours.append({"id": f"h-{sid}-{i}", "service_id": sid, "location_id": "", "weekday": day,
                          "opens_at": opens, "closes_at": closes})  # fmt: skip
    files = {
        "organizations.csv": (organizations, ["id", "name"]),
        "services.csv": (rows, ["id", "organization_id", "name", "description", "status"]),
        "locations.csv": (locations, ["id", "organization_id", "name", "latitude", "longitude"]),
        "physical_addresses.csv": (
            addresses,
            ["id", "location_id", "address_1", "city", "state_province", "postal_code", "country"],
        ),
        "phones.csv": (phones, ["id", "service_id", "number", "extension"]),
        "services_at_location.csv": (links, ["id", "service_id", "location_id"]),
        "languages.csv": (languages, ["id", "service_id", "location_id", "language"]),
        "taxonomy.csv": (taxonomy, ["id", "name", "parent_id", "parent_name", "vocabulary"]),
        "services_taxonomy.csv": (terms, ["id", "service_id", "taxonomy_id", "taxonomy_detail"]),
        schedules_name: (hours, ["id", "service_id", "location_id", "weekday", "opens_at", "closes_at"]),
    }
    for name, (content, header) in files.items():
        write_csv(data / name, content, header)
    if published or schedules_name != "regular_schedules.csv":
        # As Open Referral's template: resource names singular, paths relative to the package.
        resources = [
            {"name": "regular_schedule" if name == schedules_name else name.removesuffix(".csv"), "path": name}
            for name in files
        ]
        (folder / "datapackage.json").write_text(json.dumps({"name": "generated", "resources": resources}))
    return folder


def zipped(folder: Path, target: Path) -> Path:
    """The folder's files in a zip archive, paths relative to the folder."""
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder))
    return target
