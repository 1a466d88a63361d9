"""Real Open Referral data and generated folders that reproduce what a 211 directory does to the importer.

The HSDS 3.0 examples of the specification and the HSDS 1.1 sample data (both CC BY-SA 4.0, see
tests/data/*/SOURCE.md) are imported as published; each finding on the Open211 Miami directory has a small
generated folder of its own.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select

from models import Location, OpeningHours, Service
from models.directory import NearestList
from tests.operators.conftest import bearer, log_in
from tests.referrals.hsds_folders import hsds_folder, near, zipped
from tests.referrals.test_voice import to_list

DATA = Path(__file__).resolve().parent.parent / "data"
SPEC_V3, SAMPLE_V1_1 = DATA / "hsds_spec_v3", DATA / "hsds_sample_v1_1"
DV_SHELTER = ("BH-1800.1500-100", "Domestic Violence Shelters")
LEGAL_AID = ("FT-3200", "General Legal Aid")
ABUSERS = ("YP-1000.8000", "Spouse/Intimate Partner Abusers")
DIVERSION = ("FF-0500.1800-050", "Adult Diversion")
CORONER = ("PB-1600", "Coroner Services")
DV_HOTLINE = ("RP-1500.1400-200", "Domestic Violence Hotlines")


def database(app):
    return app.extensions["hotline"].database


def imported(runner, path: Path, *options: str):
    result = runner.invoke(args=["referrals", "import", str(path), *options])
    assert result.exit_code == 0, result.output
    return result.output


def services(app) -> dict[str, Service]:
    with database(app).session() as session:
        return {s.id: s for s in session.scalars(select(Service))}


# --- the published data --------------------------------------------------------------------


def test_the_specifications_hsds_3_examples_import_as_3_0(app, runner):
    output = imported(runner, SPEC_V3)
    assert "HSDS 3.0: read organizations.csv, services.csv, locations.csv, addresses.csv, phones.csv" in output
    assert "attributes.csv" in output and "taxonomy_terms.csv" in output
    [service] = services(app).values()
    assert service.name == "Community Counselling" and service.category == "counselling"
    assert service.languages == "ur"
    # Its example location is at latitude 100 with a postal address only: reported, not searchable.
    assert "locations.csv line 2 (id 3a19ff88-4620-4d17-9830-ac1d859eb5d5): latitude/longitude" in output


def test_the_hsds_1_1_sample_imports_keeping_every_service(app, runner):
    output = imported(runner, SAMPLE_V1_1)
    assert "HSDS 1.1: read organizations.csv, services.csv" in output and "services_taxonomy.csv" in output
    loaded = services(app)
    with Path(SAMPLE_V1_1 / "services.csv").open(encoding="utf-8", newline="") as handle:
        assert len(loaded) == len(list(csv.DictReader(handle))) == 13
    # The sample's inactive services are kept for operators and never offered.
    inactive = [s for s in loaded.values() if s.status == "inactive"]
    assert inactive and all(s.flag == "inactive" for s in inactive)
    assert "not offered to callers: 3 inactive" in output


# --- 1. the published layout ------------------------------------------------------------------


def test_a_datapackage_above_a_data_folder_a_zip_and_the_package_path_are_all_read(app, runner, tmp_path):
    folder = hsds_folder(
        tmp_path / "published",
        [{"id": "s1", "name": "Legal Aid", "zip": "33136", "terms": [LEGAL_AID]}],
        published=True,
    )
    for given in (folder, folder / "datapackage.json", zipped(folder, tmp_path / "directory.zip")):
        output = imported(runner, given)
        assert "HSDS 1.1: read data/organizations.csv, data/services.csv" in output
        assert "data/services_taxonomy.csv" in output
    assert services(app)["s1"].category == "legal_help"


# --- 2. nothing useful dropped ------------------------------------------------------------------


def test_a_service_whose_organization_row_is_missing_is_kept_with_a_warning_and_found(
    app, runner, tmp_path, client, make_operator
):
    folder = hsds_folder(
        tmp_path / "d",
        [
            {
                "id": "6726",
                "name": "SAFESPACE SHELTER NORTH",
                "organization": "6720",
                "zip": "33238-0817",
                "terms": [DV_SHELTER],
            },
            {"id": "7", "name": "Legal Aid", "zip": "33136", "terms": [LEGAL_AID]},
        ],
        missing_organizations=("6720",),
    )
    output = imported(runner, folder)
    assert "warning: services.csv line 2 (id 6726): organization '6720' is not in the organizations file" in output
    assert "0 problem(s), 1 warning(s)" in output
    operator, token = make_operator()
    found = client.get("/api/directory/services?q=safespace", headers=bearer(token)).get_json()["services"]
    assert [(s["name"], s["organization"]) for s in found] == [("SAFESPACE SHELTER NORTH", None)]
    log_in(client, operator.email)
    page = client.get("/ops/directory?q=safespace").get_data(as_text=True)
    assert "SAFESPACE SHELTER NORTH" in page and "unknown organization" in page


def test_empty_cells_extensions_short_codes_zip_plus_four_po_boxes_and_creole(app, runner, tmp_path):
    folder = hsds_folder(
        tmp_path / "d",
        [
            {
                "id": "a",
                "name": "Legal Aid",
                "zip": "33132-1260",
                "phone": "305-891-8850 xOPT2",
                "languages": ["Creole", "Spanish and Creole. A telephone translation service is available."],
            },
            {"id": "b", "name": "2-1-1 Helpline", "zip": "33101", "phone": "211", "languages": [""]},
            {"id": "c", "name": "Counseling Center", "zip": "33136", "phone": "", "hours": [("Monday", "", "")]},
        ],
    )
    output = imported(runner, folder)
    assert "0 problem(s), 0 warning(s)" in output
    loaded = services(app)
    assert (loaded["a"].phone, loaded["a"].phone_extension) == ("+13058918850", "OPT2")
    assert loaded["b"].phone == "211"
    assert loaded["a"].languages == "es,ht"
    with database(app).session() as session:
        # A ZIP+4 and a PO-box ZIP code both place the location.
        assert session.get(Location, "loc-a").position_source == "zip"
        assert session.get(Location, "loc-b").position_source == "zip"
        assert session.get(Location, "loc-a").postal_code == "33132-1260"


def test_a_record_spanning_lines_is_reported_at_its_first_line_with_its_id(app, runner, tmp_path):
    folder = hsds_folder(
        tmp_path / "d",
        [
            {"id": "m1", "name": "Legal Aid", "zip": "33136", "description": "First line.\nSecond line.\nThird."},
            {"id": "m2", "name": "Shelter", "zip": "33136", "description": "One\nTwo", "phone": "call us"},
        ],
    )
    output = imported(runner, folder)
    # services.csv: header on line 1, m1 on lines 2-4, m2 starts on line 5.
    assert "phones.csv line 3 (id ph-m2): phone number 'call us' does not parse" in output
    (folder / "services.csv").write_text(
        'id,organization_id,name,description,status\nm1,org-m1,Legal Aid,"a\nb\nc",active\nm2,org-m2,,"d\ne",active\n'
    )
    output = imported(runner, folder)
    assert "services.csv line 5 (id m2): a service needs an id and a name" in output


def test_a_reimport_without_the_datapackage_keeps_the_hours_and_replaces_what_the_files_hold(app, runner, tmp_path):
    spec = [
        {
            "id": "h1",
            "name": "Legal Aid",
            "zip": "33136",
            "phone": "305-555-0101",
            "hours": [("Monday", "9:00", "17:00")],
        },
        {"id": "h2", "name": "Shelter", "zip": "33136", "terms": [DV_SHELTER]},
    ]
    # The first import reads a schedules file only its datapackage.json names.
    folder = hsds_folder(tmp_path / "d", spec, schedules_name="hours.csv")
    imported(runner, folder)
    with database(app).session() as session:
        assert session.scalar(select(func.count()).select_from(OpeningHours)) == 1
    (folder / "datapackage.json").unlink()
    spec[0]["phone"] = "305-555-0199"
    hsds_folder(folder, spec[:1], schedules_name="hours.csv")
    (folder / "datapackage.json").unlink()
    output = imported(runner, folder)
    assert "hours.csv" not in output
    with database(app).session() as session:
        assert session.scalar(select(func.count()).select_from(OpeningHours)) == 1
    # The phone is the new file's; the service the new files no longer hold is gone.
    assert {sid: s.phone for sid, s in services(app).items()} == {"h1": "+13055550199"}
    assert "services: 0 added, 1 updated, 1 removed" in output


# --- 3 and 4. categories from the taxonomy; perpetrators and inactive services never offered -------------


def miami(tmp_path: Path) -> Path:
    return hsds_folder(
        tmp_path / "miami",
        [
            {
                "id": "1208",
                "name": "MIAMI-DADE COUNTY MEDICAL EXAMINER",
                "zip": "33136",
                "terms": [CORONER],
                "description": "Medicolegal investigative services; legal questions about a death.",
            },
            {
                "id": "165",
                "name": "3-1-1 ANSWER CENTER",
                "zip": "33136",
                "terms": [("TH-2600.1580", "Disaster Related Shelter Services")],
                "description": "Answers about shelters, parks and a safe place to stay during storms.",
            },
            {
                "id": "300",
                "name": "LEGAL SERVICES OF GREATER MIAMI",
                "zip": "33137",
                "at": near("33136", 3),
                "terms": [LEGAL_AID],
            },
            {
                "id": "2181",
                "name": "DOMESTIC VIOLENCE UNIT",
                "zip": "33136",
                "terms": [DIVERSION, ABUSERS],
                "description": "Supervision of people referred to batterers' intervention programs.",
            },
            {
                "id": "8369",
                "name": "INTERGENERATIONAL PROJECT",
                "zip": "33136",
                "description": "CURRENTLY NOT ACTIVE\n\nA domestic violence support group for grandparents.",
            },
            {"id": "8370", "name": "Old DV Hotline", "zip": "33136", "terms": [DV_HOTLINE], "status": "inactive"},
            {
                "id": "6726",
                "name": "SAFESPACE SHELTER NORTH",
                "zip": "33137",
                "at": near("33136", 2),
                "terms": [DV_SHELTER],
                "phone": "305-555-0126",
            },
        ],
    )


def test_categories_come_from_the_taxonomy_and_loose_words_no_longer_decide(app, runner, tmp_path, texter):
    imported(runner, miami(tmp_path))
    [legal] = texter("+13055550143").send("SERVICES 33136 LEGAL")
    assert "LEGAL SERVICES OF GREATER MIAMI" in legal and "MEDICAL EXAMINER" not in legal
    [shelter] = texter("+13055550144").send("SERVICES 33136 SHELTER")
    assert "SAFESPACE SHELTER NORTH" in shelter and "3-1-1" not in shelter


def test_a_batterers_program_and_inactive_services_are_never_offered_and_operators_see_why(
    app, runner, tmp_path, texter, call, client, make_operator, add_request
):
    output = imported(runner, miami(tmp_path))
    assert "not offered to callers: 2 inactive, 1 perpetrators" in output
    [reply] = texter("+13055550145").send("SERVICES 33136 DV")
    assert "SAFESPACE" in reply
    for name in ("DOMESTIC VIOLENCE UNIT", "INTERGENERATIONAL", "Old DV Hotline"):
        assert name not in reply
    said = to_list(call, "en", zip_code="33136", caller="+13055550146").last_heard()
    assert "SAFESPACE" in said and "DOMESTIC VIOLENCE UNIT" not in said
    operator, token = make_operator()
    found = client.get("/api/directory/services?zip=33136", headers=bearer(token)).get_json()["services"]
    flags = {s["service_id"]: s["flag"] for s in found}
    assert flags["2181"] == "perpetrators" and flags["8369"] == "inactive" and flags["6726"] is None
    log_in(client, operator.email)
    page = client.get("/ops/directory?zip=33136").get_data(as_text=True)
    assert "Not for callers: serves people who harm" in page
    refused = client.post(
        f"/api/requests/{add_request()}/referrals", json={"service_id": "2181"}, headers=bearer(token)
    )
    assert refused.status_code == 400 and "people who harm" in refused.get_json()["error"]


# --- 5. nearest first in every language; whole names in Spanish texts; both categories --------------------


def brownsville(tmp_path: Path) -> Path:
    return hsds_folder(
        tmp_path / "rgv",
        [
            {
                "id": "far",
                "name": "Valley Survivors Support Group",
                "zip": "78520",
                "at": near("78520", 47),
                "terms": [DV_HOTLINE],
                "languages": ["Spanish"],
                "phone": "956-555-0147",
            },
            {
                "id": "mid",
                "name": "Edinburg Family Justice Center",
                "zip": "78520",
                "at": near("78520", 19),
                "terms": [DV_HOTLINE],
                "languages": ["Spanish"],
                "phone": "956-555-0119",
            },
            {
                "id": "near",
                "name": "Emergency Shelter and Domestic Violence Advocacy",
                "zip": "78520",
                "at": near("78520", 1),
                "phone": "956-555-0101",
            },
        ],
    )


def test_spanish_callers_hear_the_nearest_first(app, runner, tmp_path, call):
    imported(runner, brownsville(tmp_path))
    said = to_list(call, "es", zip_code="78520").last_heard()
    names = ["Emergency Shelter and Domestic Violence Advocacy", "Edinburg Family Justice Center",
             "Valley Survivors Support Group"]  # fmt: skip
    assert all(name in said for name in names)
    assert [said.index(name) for name in names] == sorted(said.index(name) for name in names)


def test_spanish_texts_keep_whole_names_nearest_first(app, runner, tmp_path, texter):
    imported(runner, brownsville(tmp_path))
    [reply] = texter("+19565550150").send("SERVICIOS 78520 VIOLENCIA")
    assert reply.index("Emergency Shelter and Domestic Violence Advocacy") < reply.index(
        "Edinburg Family Justice Center, 956-555-0119"
    )
    assert "…" not in reply and "Mas ayuda" in reply


def test_a_shelter_that_is_also_a_dv_program_is_found_under_both(app, runner, tmp_path, texter):
    imported(runner, brownsville(tmp_path))
    assert services(app)["near"].categories == "domestic_violence,shelter"
    for word in ("DV", "SHELTER"):
        [reply] = texter("+19565550151").send(f"SERVICES 78520 {word}")
        assert reply.split("1) ", 1)[1].startswith("Emergency Shelter and Domestic Violence Advocacy")


# --- 6. the lists are computed when the directory changes ------------------------------------------


def test_the_nearest_lists_are_computed_at_import_and_after_a_category_correction(app, runner, tmp_path, texter):
    imported(runner, brownsville(tmp_path))
    with database(app).session() as session:
        assert session.get(NearestList, ("78520", "domestic_violence")) is not None
        assert session.get(NearestList, ("78520", "legal_help")) is None
    assert "no services near" in texter("+19565550152").send("SERVICES 78520 LEGAL")[0]
    result = runner.invoke(args=["referrals", "categorize", "mid", "legal_help"])
    assert result.exit_code == 0, result.output
    assert "Edinburg Family Justice Center" in texter("+19565550153").send("SERVICES 78520 LEGAL")[0]


# --- 7. the dashboard says when a list is cut ----------------------------------------------------------


def test_the_dashboard_says_how_many_are_shown_of_how_many(app, runner, tmp_path, client, make_operator):
    many = [
        {
            "id": f"l{i:02d}",
            "name": f"Legal Clinic {i:02d}",
            "zip": "33136",
            "terms": [LEGAL_AID],
            "organization": "bar",
            "organization_name": "Dade County Bar Association",
        }
        for i in range(60)
    ]
    imported(runner, hsds_folder(tmp_path / "d", many))
    operator, _ = make_operator()
    log_in(client, operator.email)
    by_name = client.get("/ops/directory?q=legal+clinic").get_data(as_text=True)
    assert "50 of 60 shown" in by_name and "Dade County Bar Association" in by_name
    by_zip = client.get("/ops/directory?zip=33136&category=legal_help").get_data(as_text=True)
    assert "50 of 60 shown, nearest first" in by_zip and "0.0 mi" in by_zip
