"""The periodic jobs, run by rq's own cron scheduler (``flask cron``, one process: the Procfile's ``cron``).

rq's ``CronScheduler`` enqueues each job when it is due; the workers run it
like any other job. Every periodic job is idempotent, so a late or doubled run
does no harm.
"""

from __future__ import annotations

from rq.cron import CronScheduler

from config import Settings
from workers import notify, outbox, queue, retention


def register_periodic_jobs(scheduler: CronScheduler, settings: Settings) -> CronScheduler:
    """Register the queue upkeep, the notification pass, the outbox purge and the daily retention run."""
    scheduler.register(
        queue.tick, "default", interval=settings.queue_tick_seconds, result_ttl=3600, name="operators-queue-upkeep"
    )
    # Custody-change notifications: create, text, call, expire registrations.
    scheduler.register(
        notify.tick, "default", interval=settings.queue_tick_seconds, result_ttl=3600, name="notifications"
    )
    scheduler.register(outbox.purge_relayed, "low", interval=3600, result_ttl=86400, name="outbox-purge")
    scheduler.register(
        retention.apply_retention,
        "low",
        cron=f"0 {settings.retention_hour_utc} * * *",
        job_timeout=3600,
        result_ttl=7 * 86400,
        name="retention",
    )
    return scheduler
