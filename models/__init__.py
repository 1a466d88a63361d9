"""The hotline's data: SQLAlchemy 2 models, one module per aggregate."""

from models.base import Base, Database, utcnow
from models.call import CallEvent, CallSession, EventBuffer
from models.callback import CallbackRequest
from models.outbox import OutboxMessage

__all__ = [
    "Base",
    "CallEvent",
    "CallSession",
    "CallbackRequest",
    "Database",
    "EventBuffer",
    "OutboxMessage",
    "utcnow",
]
