"""Hand outbox rows to rq: soon after a commit (off the request thread), and from the worker's relay loop."""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import deque
from collections.abc import Iterable
from datetime import timedelta

from redis import Redis
from redis.client import Pipeline
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError

import runtime
from models.base import Database, utcnow
from models.outbox import OutboxMessage

log = logging.getLogger("voice.workers.outbox")

# Waits before the 1st, 2nd and 3rd retry of a job that failed or whose worker died.
JOB_RETRY_SECONDS = [10, 60, 300]


def relay(
    database: Database, connection: Redis, ids: list[int] | None = None, limit: int = 500, batch: int = 100
) -> int:
    """Enqueue pending outbox rows (only ``ids`` if given); returns how many were handed over.

    Rows are claimed ``batch`` at a time (``OutboxMessage.claim_batch``), each
    enqueued as an rq *unique* job whose id is derived from the row id, and the
    batch is marked in the same transaction. A relay that dies (or a Redis that
    fails) between an enqueue and the mark leaves the batch pending; the next
    pass finds those jobs already in Redis (rq refuses the duplicate id) and
    only marks them: one row is one job, however often it is handed over.
    (rq 3 without ``unique`` would queue the same id twice.)
    """
    handed = 0
    last = 0
    while handed < limit:
        with database.session() as session:
            messages = OutboxMessage.claim_batch(session, ids=ids, after=last, limit=min(batch, limit - handed))
            if not messages:
                break
            last = messages[-1].id
            queues: dict[str, Queue] = {}
            # rq's unique enqueue saves and queues each job at once (a Lua script); only the
            # registration of the queue names waits for this pipeline, one round trip per batch.
            registrations = connection.pipeline()
            for message in messages:
                queue = queues.setdefault(message.queue, Queue(message.queue, connection=connection))
                hand_over(queue, message, registrations)
            registrations.execute()
            marked = utcnow()
            for message in messages:
                message.enqueued_at = marked
        handed += len(messages)
    return handed


def hand_over(queue: Queue, message: OutboxMessage, pipeline: Pipeline | None = None) -> bool:
    """Enqueue one outbox row as a unique rq job; False when its job was already there."""
    try:
        queue.enqueue(
            message.job,
            *message.args,
            job_id=message.job_id,
            unique=True,
            pipeline=pipeline,
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


class HandOver:
    """Hands the rows a request committed to rq soon after, from a thread of the web process, in batches.

    The request thread only notes the row ids (a deque append, no round trip);
    every ``interval`` seconds a background thread relays what was noted in one
    transaction. The row is already committed, so nothing is lost if the hand-over
    fails or the process dies first: the worker's relay loop hands over every
    pending row within its own interval, and the unique job id keeps a row handed
    over twice one job. When Redis is down or hung a pass gives up within the
    connection's timeouts (``workers.connect``) and the rows wait for the relay loop.
    """

    def __init__(self, database: Database, connection: Redis, interval: float = 0.05) -> None:
        self.database = database
        self.connection = connection
        self.interval = interval
        self._ids: deque[int] = deque()
        # One pass at a time: ``flush`` returns only once a pass under way has finished.
        self._passing = threading.Lock()
        self._starting = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._stopped = threading.Event()
        atexit.register(self.flush)

    def after_commit(self, ids: Iterable[int]) -> None:
        """Hand these committed outbox rows to rq soon (call only after their transaction committed)."""
        self._ids.extend(ids)
        if self._thread is None or self._pid != os.getpid():
            self._start()

    def flush(self) -> int:
        """Hand over every row noted so far now; returns how many were handed over."""
        with self._passing:
            ids: list[int] = []
            while self._ids:
                ids.append(self._ids.popleft())
            if not ids:
                return 0
            try:
                return relay(self.database, self.connection, ids=ids, limit=len(ids))
            except Exception as error:  # the rows are committed: the worker's relay loop hands them over
                log.warning("outbox hand-over deferred", extra={"ids": ids, "error": str(error)})
                return 0

    def close(self) -> None:
        """Stop the thread after a last pass."""
        self._stopped.set()
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(timeout=10)
        self.flush()

    def _start(self) -> None:
        # gunicorn forks workers after the app is built: each process needs its own thread.
        with self._starting:
            if self._thread is not None and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="outbox-hand-over", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        # A timed wait rather than a wake-up per row: waking the thread for each request
        # would cost the request thread a GIL hand-over (docs/performance.md).
        while not self._stopped.wait(self.interval):
            if self._ids:
                self.flush()


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
