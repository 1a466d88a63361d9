"""The custody record cache (docs/decisions/lookup-limit-in-audit-transaction.md): a repeated look-up
reads its record from the process's cache, and a record changed in the database by any path (an
import, a correction, a record marked protected) is never answered from a stale copy."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from config import Settings
from models.audit import LookupDesk
from models.base import Database
from tests.custody.conftest import DEMO_A_NUMBER
from web.phone.actions.custody import LookupAnswer, LookupRequest, look_up
from workers.imports import import_custody

FACILITY = "El Paso Demo Processing Center"


def ask(desk: LookupDesk, settings: Settings, number: int, a_number: str = DEMO_A_NUMBER) -> LookupAnswer:
    # A new call and caller each time, so no limit is reached.
    answer = look_up(
        desk,
        settings,
        LookupRequest(
            channel="voice",
            sid=f"CA{number:032d}",
            thread=f"CA{number:032d}",
            caller=f"+1202555{number:04d}",
            a_number=a_number,
            country="MX",
            request_key=None,
            now=datetime.now(UTC),
        ),
    )
    assert answer is not None
    return answer


def generation(database: Database) -> int:
    with database.engine.connect() as connection:
        return connection.execute(text("SELECT value FROM custody_generation WHERE id = 1")).scalar_one()


def test_a_repeated_look_up_reads_the_record_from_the_cache(settings: Settings, app, custody_demo) -> None:
    desk = LookupDesk(app.extensions["hotline"].database)
    try:
        first, second = ask(desk, settings, 1), ask(desk, settings, 2)
    finally:
        desk.close()
    assert first.values["facility_name"] == second.values["facility_name"] == FACILITY
    assert (desk.cache.misses, desk.cache.hits) == (0, 1)


def test_a_record_changed_after_it_was_cached_is_read_again(settings: Settings, app, custody_demo) -> None:
    database = app.extensions["hotline"].database
    desk = LookupDesk(database)
    try:
        assert ask(desk, settings, 1).result == "disclosed"
        # Any path that changes the record (here a plain UPDATE, as marking it protected would be).
        with database.engine.begin() as connection:
            connection.execute(
                text("UPDATE custody_records SET status = 'not_in_custody', facility_code = NULL WHERE a_number = :a"),
                {"a": DEMO_A_NUMBER},
            )
        answer = ask(desk, settings, 2)
    finally:
        desk.close()
    assert answer.result != "disclosed" and FACILITY not in str(answer.values)
    assert desk.cache.hits == 0


def test_a_changed_facility_is_read_again(settings: Settings, app, custody_demo) -> None:
    database = app.extensions["hotline"].database
    desk = LookupDesk(database)
    try:
        ask(desk, settings, 1)
        with database.engine.begin() as connection:
            connection.execute(text("UPDATE facilities SET name = 'Renamed Center' WHERE name = :n"), {"n": FACILITY})
        answer = ask(desk, settings, 2)
    finally:
        desk.close()
    assert answer.values["facility_name"] == "Renamed Center"


def test_a_person_not_found_then_imported_is_found(settings: Settings, app, custody_demo, tmp_path: Path) -> None:
    database = app.extensions["hotline"].database
    desk = LookupDesk(database)
    try:
        assert ask(desk, settings, 1, "209000009").result == "not_found"
        before = generation(database)
        path = tmp_path / "late.csv"
        path.write_text(
            "a_number,first_name,last_name,country_of_birth,date_of_birth,status,facility_code,status_changed_at\n"
            "A209000009,Ana,Demo,Mexico,1980-01-01,released,,2026-11-01T00:00:00Z\n",
            encoding="utf-8",
        )
        with path.open(encoding="utf-8", newline="") as handle:
            import_custody(database, handle, "late")
        assert generation(database) > before
        answer = ask(desk, settings, 2, "209000009")
    finally:
        desk.close()
    assert answer.result != "not_found"


def test_without_the_generation_row_every_record_is_read(settings: Settings, app, custody_demo) -> None:
    database = app.extensions["hotline"].database
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM custody_generation"))
    desk = LookupDesk(database)
    try:
        ask(desk, settings, 1)
        ask(desk, settings, 2)
    finally:
        desk.close()
    assert desk.cache.hits == 0


def test_without_the_generation_triggers_every_record_is_read(settings: Settings, app, custody_demo) -> None:
    database = app.extensions["hotline"].database
    postgres = database.dialect == "postgresql"
    with database.engine.begin() as connection:
        if postgres:
            connection.execute(text("DROP TRIGGER custody_records_generation ON custody_records"))
        else:
            connection.execute(text("DROP TRIGGER custody_records_generation_update"))
    desk = LookupDesk(database)
    try:
        ask(desk, settings, 1)
        with database.engine.begin() as connection:
            connection.execute(
                text("UPDATE custody_records SET status = 'not_in_custody' WHERE a_number = :a"), {"a": DEMO_A_NUMBER}
            )
        answer = ask(desk, settings, 2)
    finally:
        desk.close()
    assert answer.result != "disclosed"
    assert desk.cache.hits == desk.cache.misses == 0


def test_a_look_up_that_fails_leaves_the_next_one_a_working_connection(settings: Settings, app, custody_demo) -> None:
    # On PostgreSQL the desk's statements are prepared once per connection: a statement gone from the
    # server (here deallocated; in real life changed by a migration) fails at most one look-up, never
    # every one after it.
    desk = LookupDesk(app.extensions["hotline"].database)
    try:
        assert ask(desk, settings, 1).result == "disclosed"
        if desk.postgres:
            desk._connect().execute("DEALLOCATE ALL")
        failed = False
        try:
            ask(desk, settings, 2)
        except Exception:
            failed = True
        assert failed in (False, desk.postgres)
        assert ask(desk, settings, 3).result == "disclosed"
    finally:
        desk.close()
