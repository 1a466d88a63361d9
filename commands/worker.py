"""``flask worker``: the rq worker with the outbox relay beside it."""

from __future__ import annotations

import logging

import click
from flask.cli import with_appcontext
from rq import Worker

from runtime import hotline
from workers import queues
from workers.outbox import RelayLoop

log = logging.getLogger("voice.workers")


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--relay-interval", default=1.0, show_default=True, help="Seconds between outbox passes.")
def command(burst: bool, relay_interval: float) -> None:
    """Run the jobs (queues high, default, low) and hand outbox rows to rq.

    rq's worker shuts down gracefully on SIGTERM (it finishes the current job).
    Its scheduler moves delayed jobs and retries to their queues when due; the
    periodic jobs are enqueued by ``flask cron``.
    """
    current = hotline()
    relay = RelayLoop(current.database, current.redis, relay_interval)
    relay.pass_once()
    relay.start()
    log.info("worker starting", extra={"queues": "high,default,low", "burst": burst})
    try:
        Worker(queues(current.redis), connection=current.redis).work(burst=burst, with_scheduler=not burst)
    finally:
        relay.stop()
        current.events.flush()
        log.info("worker stopped")
