"""``flask cron``: rq's cron scheduler, enqueueing the periodic jobs (run exactly one)."""

from __future__ import annotations

import logging
import time

import click
from flask.cli import with_appcontext
from redis.exceptions import RedisError
from rq.cron import CronScheduler

from runtime import hotline
from workers.schedule import register_periodic_jobs

log = logging.getLogger("voice.workers.cron")


@click.command("cron")
@with_appcontext
def command() -> None:
    """Enqueue the periodic jobs when due (queue upkeep, outbox purge, retention); stops on SIGTERM/Ctrl-C."""
    current = hotline()
    while True:
        scheduler = register_periodic_jobs(CronScheduler(connection=current.redis), current.settings)
        log.info("cron starting", extra={"jobs": [job.name for job in scheduler.get_jobs()]})
        try:
            scheduler.start()
            break
        except RedisError as error:
            # rq's scheduler gives up when Redis goes away; Redis coming back must not need a restart.
            log.warning("cron lost redis; starting again in 5 s", extra={"error": str(error)})
            time.sleep(5)
    log.info("cron stopped")
