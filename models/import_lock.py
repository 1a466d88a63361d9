"""One feed import at a time: a lock row in the database that says who holds it.

Two ``flask custody import`` runs at once would interleave their batches and
their custody events (and the notifications that follow them). The lock is a
row keyed by the feed's name: inserting it takes the lock, deleting it releases
it. A holder that died (same host, process gone) is replaced, so a crash never
blocks the next import for good.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Database, utcnow


class ImportLock(Base):
    """The import that holds a feed: host, process and since when."""

    __tablename__ = "import_locks"

    feed: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportLocked(RuntimeError):
    """Another import holds the feed; the message says who and since when."""


def _me() -> str:
    return f"{socket.gethostname()[:150]} pid {os.getpid()}"


def _holder_is_gone(holder: str) -> bool:
    host, _, pid = holder.rpartition(" pid ")
    if host != socket.gethostname()[:150] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _try_take(database: Database, feed: str) -> ImportLock | None:
    """Take the lock (None) or return the current holder's row."""
    with database.session() as session:
        held = session.get(ImportLock, feed)
        if held is not None and _holder_is_gone(held.holder):
            session.execute(delete(ImportLock).where(ImportLock.feed == feed, ImportLock.holder == held.holder))
            session.commit()
            held = None
        if held is not None:
            session.expunge(held)
            return held
    try:
        with database.session() as session:
            session.add(ImportLock(feed=feed, holder=_me(), acquired_at=utcnow()))
        return None
    except IntegrityError:
        with database.session() as session:
            held = session.scalar(select(ImportLock).where(ImportLock.feed == feed))
            if held is None:
                return _try_take(database, feed)
            session.expunge(held)
            return held


@contextmanager
def import_lock(database: Database, feed: str, wait: float = 0.0, poll: float = 0.5) -> Iterator[None]:
    """Hold ``feed``'s import lock for the block; wait up to ``wait`` seconds, then raise ImportLocked."""
    deadline = time.monotonic() + wait
    while True:
        held = _try_take(database, feed)
        if held is None:
            break
        if time.monotonic() >= deadline:
            since = held.acquired_at.strftime("%Y-%m-%d %H:%M:%S UTC")
            raise ImportLocked(f"another {feed} import is running ({held.holder}, since {since})")
        time.sleep(poll)
    try:
        yield
    finally:
        with database.session() as session:
            session.execute(delete(ImportLock).where(ImportLock.feed == feed, ImportLock.holder == _me()))
