"""The nearest-services search: by category, the caller's language first, within the maximum distance."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.directory import SearchQuery, bounding_box, haversine_miles, nearest
from models.places import place_for_zip

V2 = Path(__file__).resolve().parent.parent / "data" / "hsds_v2"


@pytest.fixture
def directory(app, runner):
    result = runner.invoke(args=["referrals", "import", str(V2)])
    assert result.exit_code == 0, result.output
    return app.extensions["hotline"].database


def search(database, zip_code: str, **options) -> list:
    place = place_for_zip(zip_code)
    with database.session() as session:
        return nearest(session, SearchQuery(place.latitude, place.longitude, **options))


def test_the_nearest_services_come_first_by_distance(directory):
    found = search(directory, "78550")
    assert [f.service_id for f in found] == ["svc-1", "svc-2", "svc-3"]
    assert found[0].miles < found[1].miles < found[2].miles
    assert found[0].phone == "+19565550101"


def test_a_category_narrows_the_search(directory):
    assert [f.service_id for f in search(directory, "78550", category="legal_help")] == ["svc-3"]


def test_the_nearest_come_first_in_every_language(directory):
    # From McAllen the counselling office is nearest; the Harlingen center lists Spanish but is farther.
    english = search(directory, "78501", limit=3)
    spanish = search(directory, "78501", language="es", limit=3)
    assert [f.service_id for f in spanish] == [f.service_id for f in english]
    assert spanish[0].service_id == "svc-4" and not spanish[0].speaks_language
    assert [f.miles for f in spanish] == sorted(f.miles for f in spanish)


def test_nothing_beyond_the_maximum_distance_is_offered(directory):
    assert search(directory, "10027") == []
    assert search(directory, "78501", category="shelter", max_miles=5) == []


def test_one_service_at_two_places_is_offered_once(directory):
    found = search(directory, "78520", limit=10)
    assert len({f.service_id for f in found}) == len(found)


@pytest.mark.parametrize("lat", [0.0, 26.2, 47.6, 64.8])
def test_the_bounding_box_holds_every_point_within_the_distance(lat):
    _, high_lat, low_lon, high_lon = bounding_box(lat, -100.0, 60)
    assert haversine_miles(lat, -100.0, high_lat, -100.0) >= 59.9
    assert haversine_miles(lat, -100.0, lat, high_lon) >= 60
    assert haversine_miles(lat, -100.0, lat, low_lon) >= 60


def test_harlingen_to_brownsville_is_about_25_miles():
    harlingen, brownsville = place_for_zip("78550"), place_for_zip("78520")
    miles = haversine_miles(harlingen.latitude, harlingen.longitude, brownsville.latitude, brownsville.longitude)
    assert 18 < miles < 30
