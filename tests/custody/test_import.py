"""The custody feed import: good and bad rows, A-number formats, idempotency, custody events, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import CustodyEvent, CustodyRecord, Facility
from models.custody import normalize_a_number

HEADER = "a_number,first_name,last_name,country_of_birth,date_of_birth,status,facility_code,status_changed_at\n"
FACILITIES = (
    "code,name,address,city,state,zip,phone,field_office\n"
    "DEMOELP,El Paso Demo Processing Center,100 Example Road,El Paso,TX,79925,+19155550142,ELP\n"
    "DEMOKRM,Krome Demo Service Processing Center,300 Example Way,Miami,FL,33194,(305) 555-0123,MIA\n"
)
GOOD = (
    HEADER + "A201345678,Demo,Detainee,Mexico,1990-05-01,in custody,DEMOELP,2026-11-01T09:30:00Z\n"
    "201-345-679,Ana,Garcia,GT,1985-02-03,IN_CUSTODY,demokrm,2026-11-02T10:00:00+00:00\n"
    "A 20134567,Luis,Lopez,Honduras,,released,,2026-10-01T08:00:00\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def database(app):
    return app.extensions["hotline"].database


@pytest.fixture
def facilities(app, runner, tmp_path: Path) -> None:
    result = runner.invoke(args=["custody", "import-facilities", str(write(tmp_path, "f.csv", FACILITIES))])
    assert result.exit_code == 0, result.output


def records(app) -> dict[str, CustodyRecord]:
    with database(app).session() as session:
        return {r.a_number: r for r in session.scalars(select(CustodyRecord))}


def events(app) -> list[CustodyEvent]:
    with database(app).session() as session:
        return list(session.scalars(select(CustodyEvent).order_by(CustodyEvent.id)))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("A201345678", "201345678"),
        ("a201345678", "201345678"),
        ("201-345-678", "201345678"),
        ("A 201 345 678", "201345678"),
        ("A 20134567", "020134567"),
        ("20134567", "020134567"),
        ("A-201.345.678", "201345678"),
        ("A2013456", None),
        ("A2013456789", None),
        ("B201345678", None),
        ("", None),
        ("A20134567X", None),
    ],
)
def test_a_numbers_are_read_in_the_formats_the_feed_uses(raw: str, expected: str | None) -> None:
    assert normalize_a_number(raw) == expected


def test_facilities_import_normalizes_codes_and_phones(app, facilities) -> None:
    with database(app).session() as session:
        krome = session.get(Facility, "DEMOKRM")
    assert krome is not None and krome.phone == "+13055550123" and krome.field_office == "MIA"


def test_good_file_loads_every_row_with_normalized_values(app, runner, facilities, tmp_path: Path) -> None:
    result = runner.invoke(args=["custody", "import", str(write(tmp_path, "c.csv", GOOD))])
    assert result.exit_code == 0, result.output
    assert "3 inserted, 0 changed, 0 unchanged, 0 rejected" in result.output
    loaded = records(app)
    assert set(loaded) == {"201345678", "201345679", "020134567"}
    assert loaded["201345679"].country_of_birth == "GT"
    assert loaded["201345679"].status == "in_custody"
    assert loaded["201345679"].facility_code == "DEMOKRM"
    assert loaded["020134567"].status == "released" and loaded["020134567"].facility_code is None
    assert loaded["020134567"].date_of_birth is None
    assert loaded["201345678"].status_changed_at.isoformat() == "2026-11-01T09:30:00+00:00"


def test_importing_the_same_file_twice_changes_nothing(app, runner, facilities, tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", GOOD)
    runner.invoke(args=["custody", "import", str(path)])
    before = events(app)
    result = runner.invoke(args=["custody", "import", str(path)])
    assert result.exit_code == 0
    assert "0 inserted, 0 changed, 3 unchanged, 0 rejected" in result.output
    assert len(events(app)) == len(before) == 3


def test_every_status_or_facility_change_writes_a_custody_event(app, runner, facilities, tmp_path: Path) -> None:
    runner.invoke(args=["custody", "import", str(write(tmp_path, "c.csv", GOOD))])
    changed = (
        HEADER + "A201345678,Demo,Detainee,Mexico,1990-05-01,transferred,DEMOKRM,2026-11-05T09:30:00Z\n"
        "201-345-679,Ana,García,GT,1985-02-03,in custody,DEMOKRM,2026-11-02T10:00:00Z\n"
        "A 20134567,Luis,Lopez,Honduras,,released,,2026-10-01T08:00:00Z\n"
    )
    result = runner.invoke(args=["custody", "import", str(write(tmp_path, "c2.csv", changed))])
    assert "0 inserted, 2 changed, 1 unchanged, 0 rejected" in result.output
    # A name correction changes the record but is not a custody event.
    later = [e for e in events(app) if e.old_status is not None]
    assert [(e.a_number, e.old_status, e.new_status, e.old_facility, e.new_facility) for e in later] == [
        ("201345678", "in_custody", "transferred", "DEMOELP", "DEMOKRM")
    ]
    assert later[0].batch.startswith("c2.csv@")
    assert records(app)["201345679"].last_name == "García"


def test_bad_rows_are_reported_with_line_and_reason_while_good_rows_load(
    app, runner, facilities, tmp_path: Path
) -> None:
    bad = (
        HEADER + "A201345678,Demo,Detainee,Mexico,1990-05-01,in custody,DEMOELP,2026-11-01T09:30:00Z\n"
        "A2013456,Short,Number,Mexico,1990-05-01,in custody,DEMOELP,2026-11-01T09:30:00Z\n"
        "A201345670,No,Country,Atlantis,1990-05-01,in custody,DEMOELP,2026-11-01T09:30:00Z\n"
        "A201345671,Bad,Status,Mexico,1990-05-01,on holiday,DEMOELP,2026-11-01T09:30:00Z\n"
        "A201345672,No,Facility,Mexico,1990-05-01,in custody,NOWHERE,2026-11-01T09:30:00Z\n"
        "A201345673,Bad,Time,Mexico,1990-05-01,in custody,DEMOELP,yesterday\n"
        "A201345674,Too,Few\n"
        "A201345675,Held,Nowhere,Mexico,1990-05-01,in custody,,2026-11-01T09:30:00Z\n"
        "A201345676,,Nameless,Mexico,1990-05-01,released,,2026-11-01T09:30:00Z\n"
        "A201345677,Born,Later,Mexico,2999-01-01,released,,2026-11-01T09:30:00Z\n"
        "A201345679,Good,Row,El Salvador,1970-01-01,removed,,2026-11-01T09:30:00Z\n"
    )
    result = runner.invoke(args=["custody", "import", str(write(tmp_path, "bad.csv", bad))])
    assert result.exit_code == 1
    assert "2 inserted, 0 changed, 0 unchanged, 9 rejected" in result.output
    for line, reason in [
        (3, "A-number"),
        (4, "country"),
        (5, "status"),
        (6, "facility_code"),
        (7, "status_changed_at"),
        (8, "expected 8 fields"),
        (9, "needs a facility_code"),
        (10, "first_name is empty"),
        (11, "date_of_birth"),
    ]:
        assert f"line {line}: rejected:" in result.output and reason in result.output.split(f"line {line}: ")[1]
    assert set(records(app)) == {"201345678", "201345679"}


def test_an_older_row_does_not_roll_a_record_back(app, runner, facilities, tmp_path: Path) -> None:
    runner.invoke(args=["custody", "import", str(write(tmp_path, "c.csv", GOOD))])
    stale = HEADER + "A201345678,Demo,Detainee,Mexico,1990-05-01,released,,2026-01-01T00:00:00Z\n"
    result = runner.invoke(args=["custody", "import", str(write(tmp_path, "old.csv", stale))])
    assert "line 2: rejected: status_changed_at is older" in result.output
    assert records(app)["201345678"].status == "in_custody"


def test_a_wrong_header_loads_nothing_and_says_why(app, runner, facilities, tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "anumber,name\nA201345678,Demo\n")
    result = runner.invoke(args=["custody", "import", str(path)])
    assert result.exit_code != 0
    assert "expected header a_number,first_name" in result.output
    assert records(app) == {}


def test_bad_facility_rows_are_reported(app, runner, tmp_path: Path) -> None:
    text = FACILITIES + "BAD CODE!,X,,Y,TX,,,\nDEMOZZZ,Zed,,Zed City,ZZ,,,\nDEMOPHN,Phone,,Town,TX,1234,notaphone,\n"
    result = runner.invoke(args=["custody", "import-facilities", str(write(tmp_path, "f.csv", text))])
    assert "2 inserted, 0 changed, 0 unchanged, 3 rejected" in result.output
    assert "line 4: rejected: facility code" in result.output
    assert "line 5: rejected: state" in result.output
    assert "line 6: rejected: zip" in result.output


def test_demo_generator_writes_well_formed_files_that_load_cleanly(app, runner, tmp_path: Path) -> None:
    result = runner.invoke(args=["custody", "demo", "--count", "500", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "500 inserted, 0 changed, 0 unchanged, 0 rejected" in result.output
    again = runner.invoke(args=["custody", "demo", "--count", "500"])
    assert "0 inserted, 0 changed, 500 unchanged, 0 rejected" in again.output
    demo = records(app)["201345678"]
    assert (demo.country_of_birth, demo.status, demo.facility_code) == ("MX", "in_custody", "DEMOELP")
    with database(app).session() as session:
        assert session.scalar(select(func.count()).select_from(CustodyEvent)) == 500


def test_demo_load_includes_the_documented_detainee(app, runner) -> None:
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "201-345-678" in result.output
    assert records(app)["201345678"].facility_code == "DEMOELP"
