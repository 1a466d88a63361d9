"""Hand outbox rows to rq: at once after a commit, and from the worker's relay loop."""

from __future__ import annotations

import logging
import threading

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from models.base import Database, utcnow
from models.outbox import OutboxMessage

log = logging.getLogger("voice.workers.outbox")


def relay(database: Database, connection: Redis, ids: list[int] | None = None, limit: int = 500) -> int:
    """Enqueue pending outbox rows (only ``ids`` if given); returns how many were handed over.

    The rq job id is derived from the row id, so a row handed over twice (a
    crash between enqueue and marking) is still one job.
    """
    handed = 0
    with database.session() as session:
        for message in OutboxMessage.pending(session, limit=limit, ids=ids):
            Queue(message.queue, connection=connection).enqueue(
                message.job, *message.args, job_id=message.job_id, result_ttl=86400, failure_ttl=7 * 86400
            )
            message.enqueued_at = utcnow()
            session.commit()
            handed += 1
    return handed


def try_relay(database: Database, connection: Redis, ids: list[int]) -> bool:
    """Best-effort hand-over right after a commit; the worker's loop retries what fails."""
    try:
        relay(database, connection, ids=ids)
        return True
    except RedisError as error:
        log.warning("outbox hand-over deferred: redis unavailable", extra={"ids": ids, "error": str(error)})
        return False


class RelayLoop(threading.Thread):
    """Hands pending outbox rows to rq every ``interval`` seconds until stopped."""

    def __init__(self, database: Database, connection: Redis, interval: float = 1.0) -> None:
        super().__init__(name="outbox-relay", daemon=True)
        self.database = database
        self.connection = connection
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.pass_once()

    def pass_once(self) -> int:
        """One pass over the outbox; failures are logged and retried on the next pass."""
        try:
            handed = relay(self.database, self.connection)
        except Exception as error:  # the loop must outlive a Redis or database outage
            log.warning("outbox relay failed; will retry", extra={"error": str(error)})
            return 0
        if handed:
            log.info("outbox relayed", extra={"jobs": handed})
        return handed

    def stop(self) -> None:
        """Ask the loop to finish after its current pass."""
        self.stopped.set()
