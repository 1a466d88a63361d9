"""Fixtures for the custody tests: the demo facilities and records, loaded through the real import."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import strategies as st

from commands.custody import write_demo_files
from config import DisclosurePolicy, LookupLimits
from workers.imports import batch_name, import_custody, import_facilities

DEMO_A_NUMBER = "201345678"


def audit_rows(session) -> list[tuple]:
    """Every look-up audit row, in order, as the values a comparison of two paths needs (no id, no time)."""
    from sqlalchemy import select

    from models.audit import LookupAudit

    return [
        (a.channel, a.sid, a.thread, a.caller_hash, a.a_number, a.country, a.result, a.fields_disclosed,
         a.flagged, a.request_key)
        for a in session.scalars(select(LookupAudit).order_by(LookupAudit.id))
    ]  # fmt: skip


@pytest.fixture
def custody_demo(app, tmp_path: Path) -> Iterator[Path]:
    """Demo facilities and 50 custody records (the demo detainee, A201345678 born in Mexico, first)."""
    database = app.extensions["hotline"].database
    facilities, custody = write_demo_files(tmp_path / "demo", 50)
    with facilities.open(encoding="utf-8", newline="") as handle:
        import_facilities(database, handle)
    with custody.open(encoding="utf-8", newline="") as handle:
        import_custody(database, handle, batch_name(custody))
    yield custody
    desk = app.extensions.get("custody_lookup_desk")
    if desk is not None:
        desk.close()


FACILITIES = (
    "code,name,address,city,state,zip,phone,field_office\n"
    "DEMOELP,El Paso Demo Processing Center,100 Example Road,El Paso,TX,79925,+19155550142,ELP\n"
    "DEMONOP,Lakeside Demo Hold Room,300 Example Lane,Lakeside,AZ,85929,,PHO\n"
)
HEADER = (
    "a_number,first_name,last_name,country_of_birth,date_of_birth,status,facility_code,"
    "status_changed_at,case_status,protected\n"
)
# Country keys at custody.country: 1 Mexico, 2 Guatemala, 3 Honduras, 4 El Salvador.
KEYS = {"MX": "1", "GT": "2", "HN": "3", "SV": "4"}


def records_csv(today: date) -> str:
    """One record of each kind the policy tells apart, dated from ``today`` (windows and ages move with it)."""
    recent = (datetime.combine(today, datetime.min.time(), UTC) - timedelta(days=10)).isoformat()
    long_ago = (datetime.combine(today, datetime.min.time(), UTC) - timedelta(days=400)).isoformat()
    child = (today - timedelta(days=365 * 10)).isoformat()
    rows = [
        f"A201345678,Demo,Detainee,Mexico,1990-05-01,in custody,DEMOELP,{recent},in proceedings,",
        f"A209000010,Ana,Ejemplo,Guatemala,1985-02-03,in custody,DEMONOP,{recent},,",
        f"A209000011,Luis,Ejemplo,Guatemala,1984-02-03,transferred,DEMOELP,{recent},appeal_pending,",
        f"A209000001,Rosa,Ejemplo,Guatemala,1980-01-01,released,,{recent},relief_granted,",
        f"A209000002,Jorge,Ejemplo,Honduras,1981-01-01,removed,,{recent},,",
        f"A209000003,Eva,Ejemplo,El Salvador,1982-01-01,not in custody,,{recent},ordered_removed,",
        f"A209000004,Jose,Ejemplo,Mexico,1983-01-01,released,,{long_ago},,",
        f"A209000005,Marta,Ejemplo,Honduras,1986-01-01,in custody,DEMOELP,{recent},,T",
        f"A209000006,Nino,Ejemplo,El Salvador,{child},in custody,DEMOELP,{recent},,",
    ]
    return HEADER + "\n".join(rows) + "\n"


# Each record's A-number and the key of its country of birth; the last one is in no record.
BORN = {
    "201345678": "MX",
    "209000010": "GT",
    "209000011": "GT",
    "209000001": "GT",
    "209000002": "HN",
    "209000003": "SV",
    "209000004": "MX",
    "209000005": "HN",  # protected
    "209000006": "SV",  # a minor
    "209999999": "MX",  # not found
}
A_NUMBERS = tuple(BORN)


@pytest.fixture
def lookup_records(app) -> Iterator[None]:
    """A record of each kind the disclosure policy tells apart (see ``records_csv``), and two facilities."""
    database = app.extensions["hotline"].database
    import_facilities(database, StringIO(FACILITIES))
    import_custody(database, StringIO(records_csv(datetime.now(UTC).date())), "lean")
    yield
    desk = app.extensions.get("custody_lookup_desk")
    if desk is not None:
        desk.close()


# Every disclosure policy and tight limits, for the property tests of the look-ups.
policies = st.builds(
    DisclosurePolicy,
    in_custody_fields=st.sampled_from(
        [("facility_name", "city", "state", "phone"), ("facility_name", "city", "state")]
    ),
    disclose_other_statuses=st.booleans(),
    disclose_release_and_removal=st.booleans(),
    disclose_case_status=st.booleans(),
)
limits = st.builds(
    LookupLimits, distinct_a_numbers_per_day=st.integers(1, 4), failed_attempts_per_call=st.integers(1, 3)
)
