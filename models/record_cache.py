"""The custody record cache: each process keeps the records it has looked up, checked
against the import generation on every look-up.

``custody_generation`` holds one number that the database itself raises whenever anything changes
``custody_records`` or ``facilities`` (triggers from migration 0015: an import, a correction, a
record marked protected by any code path, in the same transaction as the change). A look-up reads
the generation in the same statement, and so the same snapshot, as its limit counts; a cached
record is used only when it was read at that very generation. A record just changed is therefore
never disclosed from a stale copy, whoever changed it.

If the triggers are missing (a later SQLite migration that rebuilds ``custody_records`` drops
them), nothing would raise the generation: the desk then reads every record from the database.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

# The triggers migration 0015 creates; the cache is used only while all of them exist.
SQLITE_TRIGGERS = tuple(
    f"{table}_generation_{event}"
    for table in ("custody_records", "facilities")
    for event in ("insert", "update", "delete")
)
POSTGRES_TRIGGERS = ("custody_records_generation", "facilities_generation")
# Records kept per process (a few hundred bytes each); the least recently asked leave first.
MAX_RECORDS = 200_000


class CustodyGeneration(Base):
    """One row: a number raised by the database on every change to custody records or facilities."""

    __tablename__ = "custody_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def generation_triggers_present(cursor: Any, postgres: bool) -> bool:
    """True when every trigger that raises the generation exists (checked once per connection)."""
    if postgres:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%(names)s)",
            {"names": list(POSTGRES_TRIGGERS)},
        )
        wanted = len(POSTGRES_TRIGGERS)
    else:
        marks = ", ".join("?" for _ in SQLITE_TRIGGERS)
        cursor.execute(
            f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})", SQLITE_TRIGGERS
        )
        wanted = len(SQLITE_TRIGGERS)
    return cursor.fetchone()[0] == wanted


class RecordCache:
    """Records (or "not found") by A-number, each with the generation it was read at."""

    def __init__(self, max_records: int = MAX_RECORDS) -> None:
        self.max_records = max_records
        self._entries: OrderedDict[str, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, a_number: str, generation: int | None) -> tuple[bool, Any]:
        """(True, record) when ``a_number`` was read at ``generation``; (False, None) otherwise."""
        if generation is None:
            # No generation row (deleted by hand): nothing can be trusted to be current.
            return False, None
        with self._lock:
            entry = self._entries.get(a_number)
            if entry is None or entry[0] != generation:
                self.misses += 1
                return False, None
            self._entries.move_to_end(a_number)
            self.hits += 1
            return True, entry[1]

    def known(self, a_number: str) -> bool:
        """True when some generation's copy of ``a_number`` is kept (worth asking without the record)."""
        return a_number in self._entries

    def put(self, a_number: str, generation: int | None, record: Any) -> None:
        """Keep ``record`` as read at ``generation``."""
        if generation is None:
            return
        with self._lock:
            self._entries[a_number] = (generation, record)
            self._entries.move_to_end(a_number)
            while len(self._entries) > self.max_records:
                self._entries.popitem(last=False)
