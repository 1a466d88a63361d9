"""Background jobs: rq queues, the outbox relay and the worker entry point.

Jobs are plain functions grouped by domain (``workers/callbacks.py``, ...)
taking ids and primitives; each is safe to run twice.
"""

from __future__ import annotations

from redis import Redis
from rq import Queue

QUEUE_NAMES = ("high", "default", "low")


def connect(url: str) -> Redis:
    """A Redis connection with short timeouts, so a webhook never hangs on a down Redis."""
    return Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1, health_check_interval=30)


def queues(connection: Redis) -> list[Queue]:
    """The rq queues in priority order: high, default, low."""
    return [Queue(name, connection=connection) for name in QUEUE_NAMES]
