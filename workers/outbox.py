"""Hand outbox rows to rq: at once after a commit, and from the worker's relay loop."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError

from models.base import Database, utcnow
from models.outbox import OutboxMessage
from workers import runtime

log = logging.getLogger("voice.workers.outbox")

# Waits before the 1st, 2nd and 3rd retry of a job that failed or whose worker died.
JOB_RETRY_SECONDS = [10, 60, 300]


def relay(database: Database, connection: Redis, ids: list[int] | None = None, limit: int = 500) -> int:
    """Enqueue pending outbox rows (only ``ids`` if given); returns how many were handed over.

    Each row is claimed (``OutboxMessage.claim_next``), enqueued as an rq
    *unique* job whose id is derived from the row id, then marked, one row per
    transaction. A relay that dies between the enqueue and the mark leaves the
    row pending; the next pass finds its job already in Redis (rq refuses the
    duplicate id) and only marks it: one row is one job, however often it is
    handed over. (rq 3 without ``unique`` would queue the same id twice.)
    """
    handed = 0
    last = 0
    while handed < limit:
        with database.session() as session:
            message = OutboxMessage.claim_next(session, ids=ids, after=last)
            if message is None:
                break
            last = message.id
            hand_over(connection, message)
            message.enqueued_at = utcnow()
        handed += 1
    return handed


def hand_over(connection: Redis, message: OutboxMessage) -> bool:
    """Enqueue one outbox row as a unique rq job; False when its job was already there."""
    try:
        Queue(message.queue, connection=connection).enqueue(
            message.job,
            *message.args,
            job_id=message.job_id,
            unique=True,
            # A job whose worker died (SIGKILL, power loss) is found abandoned by rq's
            # maintenance and retried: each job is safe to run twice.
            retry=Retry(max=3, interval=JOB_RETRY_SECONDS),
            result_ttl=86400,
            failure_ttl=7 * 86400,
        )
    except DuplicateJobError:
        log.info("outbox row was already handed over", extra={"outbox_id": message.id})
        return False
    return True


def purge_relayed() -> int:
    """Delete outbox rows handed over more than ``settings.outbox_keep_hours`` ago (a periodic job)."""
    before = utcnow() - timedelta(hours=runtime.settings().outbox_keep_hours)
    with runtime.database().session() as session:
        purged = OutboxMessage.purge_relayed(session, before)
    if purged:
        log.info("outbox purged", extra={"rows": purged})
    return purged


def try_relay(database: Database, connection: Redis, ids: list[int]) -> bool:
    """Best-effort hand-over right after a commit; the worker's loop retries what fails.

    When Redis is down or hung this gives up within the connection's timeouts
    (``workers.connect``): the row waits in the outbox, the caller does not.
    """
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
