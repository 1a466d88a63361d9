"""Importing an Open Referral (HSDS) directory: good rows load, bad rows are reported, re-imports change nothing."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import DirectoryEntry, Location, Service
from models.hsds import categorize, language_code, weekdays

SAMPLES = Path(__file__).resolve().parent.parent / "data"
V2, V3 = SAMPLES / "hsds_v2", SAMPLES / "hsds_v3"


def database(app):
    return app.extensions["hotline"].database


def services(app) -> dict[str, Service]:
    with database(app).session() as session:
        return {s.id: s for s in session.scalars(select(Service))}


def test_every_good_row_loads_and_every_bad_row_is_reported_with_file_and_line(app, runner):
    result = runner.invoke(args=["referrals", "import", str(V2)])
    assert result.exit_code == 0, result.output
    for expected in (
        "organizations.csv line 4: an organization needs an id and a name",
        "services.csv line 6: organization 'org-9' is not in the organizations file",
        "services.csv line 7: a service needs an id and a name",
        "physical_addresses.csv line 6: postal code '00000' is not a known US ZIP code",
        "physical_addresses.csv line 7: location 'loc-99' is not in the locations file",
        "locations.csv line 6: no position",
        "phones.csv line 4: phone number 'call us!' does not parse",
        "services_at_location.csv line 7: service 'svc-404'",
        "regular_schedules.csv line 10: weekday 'Funday' is not a day",
        "regular_schedules.csv line 11: opens_at/closes_at is not a time",
    ):
        assert expected in result.output
    assert "13 problem(s)" in result.output
    loaded = services(app)
    assert sorted(loaded) == ["svc-1", "svc-2", "svc-3", "svc-4", "svc-6"]
    # A phone that does not parse is reported; the service is kept without it.
    assert loaded["svc-3"].phone is None
    assert loaded["svc-1"].phone == "+19565550101"
    assert loaded["svc-6"].phone_extension == "12"
    assert loaded["svc-1"].languages == "en,es"


def test_categories_come_from_taxonomy_terms_then_names_then_descriptions(app, runner):
    runner.invoke(args=["referrals", "import", str(V2)])
    categories = {sid: s.category for sid, s in services(app).items()}
    assert categories == {
        "svc-1": "domestic_violence",
        "svc-2": "shelter",
        "svc-3": "legal_help",
        "svc-4": "counselling",
        "svc-6": "victim_compensation",
    }


def test_a_location_without_coordinates_is_placed_at_its_zip_centroid(app, runner):
    runner.invoke(args=["referrals", "import", str(V2)])
    with database(app).session() as session:
        shelter = session.get(Location, "loc-2")
        office = session.get(Location, "loc-1")
        bad = session.get(Location, "loc-3")
    assert shelter.position_source == "zip" and shelter.latitude == pytest.approx(26.13, abs=0.1)
    assert shelter.timezone == "America/Chicago"
    assert office.position_source == "file" and office.latitude == pytest.approx(26.1906)
    # "north" is not a latitude: reported, and the ZIP code places it instead.
    assert bad.position_source == "zip"


def test_importing_the_same_folder_twice_updates_in_place(app, runner):
    first = runner.invoke(args=["referrals", "import", str(V2)])
    second = runner.invoke(args=["referrals", "import", str(V2)])
    assert "services: 5 added, 0 updated" in first.output
    assert "services: 0 added, 5 updated" in second.output
    with database(app).session() as session:
        assert session.scalar(select(func.count()).select_from(Service)) == 5
        assert session.scalar(select(func.count()).select_from(DirectoryEntry)) == 6


def test_hsds_3_singular_files_and_datapackage_are_read(app, runner):
    result = runner.invoke(args=["referrals", "import", str(V3)])
    assert result.exit_code == 0, result.output
    assert "HSDS 3.0" in result.output
    assert "attribute.csv line 4: service 's3-9' is not in the services file" in result.output
    assert "phone.csv line 3: phone number '555' does not parse" in result.output
    assert "schedule.csv line 3: weekday 'XX' is not a day" in result.output
    loaded = services(app)
    assert loaded["s3-1"].category == "sexual_assault"
    assert loaded["s3-2"].category == "counselling"
    assert loaded["s3-1"].languages == "es"
    with database(app).session() as session:
        # The postal (mailing) address is not where help is; the physical one places the location.
        assert session.get(Location, "l3-1").address == "400 Tyler Avenue"


def test_missing_optional_files_are_fine_and_a_missing_services_file_is_an_error(app, runner, tmp_path: Path):
    folder = tmp_path / "small"
    folder.mkdir()
    for name in ("organizations.csv", "services.csv", "locations.csv", "physical_addresses.csv"):
        shutil.copy(V2 / name, folder / name)
    result = runner.invoke(args=["referrals", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "services: 5 added" in result.output
    (folder / "services.csv").unlink()
    result = runner.invoke(args=["referrals", "import", str(folder)])
    assert result.exit_code == 1
    assert "no services.csv or service.csv" in result.output


def test_an_admins_category_correction_survives_a_reimport(app, runner):
    runner.invoke(args=["referrals", "import", str(V2)])
    result = runner.invoke(args=["referrals", "categorize", "svc-4", "sexual_assault"])
    assert result.exit_code == 0, result.output
    runner.invoke(args=["referrals", "import", str(V2)])
    assert services(app)["svc-4"].category == "sexual_assault"
    with database(app).session() as session:
        entries = session.scalars(select(DirectoryEntry.category).where(DirectoryEntry.service_id == "svc-4")).all()
    assert set(entries) == {"sexual_assault"}


def test_the_demo_directory_has_every_category_near_harlingen(app, runner):
    result = runner.invoke(args=["referrals", "demo"])
    assert result.exit_code == 0, result.output
    with database(app).session() as session:
        near = session.scalars(
            select(Service.category).join(DirectoryEntry).join(Location).where(Location.postal_code == "78550")
        ).all()
        phones = session.scalars(select(Service.phone)).all()
    assert set(near) == {
        "domestic_violence",
        "sexual_assault",
        "legal_help",
        "counselling",
        "shelter",
        "victim_compensation",
    }
    assert all(p[5:9] == "5550" and p[9] == "1" for p in phones)


@pytest.mark.parametrize(
    ("terms", "name", "description", "expected"),
    [
        (["Domestic Violence Shelters"], "Casa", None, "shelter"),
        (["Legal Services"], "Family Justice Center", None, "legal_help"),
        ([], "Rape Crisis Center", None, "sexual_assault"),
        ([], "Helping Hands", "Individual therapy for survivors", "counselling"),
        ([], "Therapeutic Garden", None, "other"),
        ([], "Refugio para familias", None, "shelter"),
    ],
)
def test_categorize(terms, name, description, expected):
    assert categorize(terms, name, description) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", [0]), ("7", [6]), ("Monday", [0]), ("MO,WE,FR", [0, 2, 4]), ("sun", [6]), ("Funday", None)],
)
def test_weekdays(raw, expected):
    assert weekdays(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [("Spanish", "es"), ("es-MX", "es"), ("spa", "es"), ("English", "en")])
def test_language_code(raw, expected):
    assert language_code(raw) == expected


def test_open_now_uses_the_locations_own_time_zone(app, runner):
    runner.invoke(args=["referrals", "import", str(V2)])
    from models.directory import open_now

    monday_16_central = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)  # 16:00 in Harlingen, 17:00 in New York
    monday_18_central = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    with database(app).session() as session:
        assert open_now(session, "svc-1", "loc-1", "America/Chicago", monday_16_central) is True
        assert open_now(session, "svc-1", "loc-1", "America/Chicago", monday_18_central) is False
        assert open_now(session, "svc-1", "loc-1", "America/New_York", monday_16_central) is False
        assert open_now(session, "svc-3", "loc-3", "America/Chicago", monday_16_central) is None
