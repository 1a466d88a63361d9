"""What the hotline measures, in Prometheus's terms.

Webhook latency and answers are counted where they happen (each gunicorn
worker; ``prometheus_client``'s multiprocess mode adds the workers up when
``PROMETHEUS_MULTIPROC_DIR`` names an empty directory shared by them). Queue
depth, oldest wait, job failures and the outbox backlog are read from Redis and
the database when scraped, so every process reports the same truth.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector
from redis import Redis
from redis.exceptions import RedisError
from rq.job import Job
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from models.base import Database, utcnow
from models.deliveries import OutboundMessage
from models.outbox import OutboxMessage
from workers import queues

# Twilio waits 15 s at most for a webhook's answer; the buckets resolve the 250 ms target.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)

WEBHOOK_SECONDS = Histogram(
    "voice_webhook_seconds", "Time to answer a request, by route.", ["route"], buckets=LATENCY_BUCKETS
)
ANSWERS = Counter("voice_answers", "Answers given, by route and HTTP status.", ["route", "status"])


class BacklogCollector(Collector):
    """Queue depth, oldest wait and failed jobs per rq queue; the outbox and unsent-text backlog."""

    def __init__(self, database: Database, redis: Redis) -> None:
        self.database = database
        self.redis = redis

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._queues()
        yield from self._outbox()

    def _queues(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("voice_queue_depth", "Jobs waiting in each rq queue.", labels=["queue"])
        oldest = GaugeMetricFamily(
            "voice_queue_oldest_wait_seconds", "How long the oldest waiting job has waited.", labels=["queue"]
        )
        failed = GaugeMetricFamily("voice_jobs_failed", "Jobs in each queue's failed registry.", labels=["queue"])
        up = GaugeMetricFamily("voice_redis_up", "1 when Redis answered this scrape.")
        try:
            now = utcnow()
            for queue in queues(self.redis):
                depth.add_metric([queue.name], queue.count)
                wait = 0.0
                first = queue.get_job_ids(0, 0)
                if first:
                    job = Job.fetch(first[0], connection=self.redis)
                    if job.enqueued_at is not None:
                        enqueued = (
                            job.enqueued_at.replace(tzinfo=now.tzinfo)
                            if job.enqueued_at.tzinfo is None
                            else job.enqueued_at
                        )
                        wait = max(0.0, (now - enqueued).total_seconds())
                oldest.add_metric([queue.name], wait)
                failed.add_metric([queue.name], queue.failed_job_registry.count)
            up.add_metric([], 1)
            yield from (depth, oldest, failed)
        except RedisError:
            up.add_metric([], 0)
        yield up

    def _outbox(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("voice_database_up", "1 when the database answered this scrape.")
        try:
            with self.database.session() as session:
                backlog, oldest_at = OutboxMessage.backlog(session)
                # Claimed and without a SID: being sent now, or left by a run that died (a refusal frees the claim).
                unsent = session.scalar(
                    select(func.count())
                    .select_from(OutboundMessage)
                    .where(OutboundMessage.twilio_sid.is_(None), OutboundMessage.claimed_at.is_not(None))
                )
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("voice_outbox_backlog", "Outbox rows not yet handed to rq.", value=backlog)
        age = (utcnow() - oldest_at).total_seconds() if oldest_at is not None else 0.0
        yield GaugeMetricFamily(
            "voice_outbox_oldest_seconds", "Age of the oldest outbox row not handed over.", value=age
        )
        yield GaugeMetricFamily(
            "voice_texts_unconfirmed",
            "Texts and calls whose intent is claimed but whose send is not confirmed.",
            value=unsent,
        )


def observe(route: str, status: int, started: float) -> None:
    """Count one answer and its latency (``started`` from ``time.perf_counter()``)."""
    elapsed = time.perf_counter() - started
    children = _children.get((route, status))
    if children is None:
        # A route and status seen before reuse their labelled children (labels() validates every call).
        children = _children[(route, status)] = (WEBHOOK_SECONDS.labels(route), ANSWERS.labels(route, str(status)))
    children[0].observe(elapsed)
    children[1].inc()


# (route, status) -> the labelled histogram and counter; routes are the app's endpoints, so few.
_children: dict[tuple[str, int], tuple[Any, Any]] = {}


def exposition(database: Database, redis: Redis) -> bytes:
    """The text a Prometheus scrape gets: this process's (or every worker's) metrics and the backlog."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = _with_default(registry)
    registry.register(BacklogCollector(database, redis))
    return generate_latest(registry)


def _with_default(registry: CollectorRegistry) -> CollectorRegistry:
    class Default(Collector):
        def collect(self) -> Iterator:
            return REGISTRY.collect()

    registry.register(Default())
    return registry
