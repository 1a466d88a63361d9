"""The hotline's data: SQLAlchemy 2 models, one module per aggregate."""

from models.audit import LookupAudit
from models.base import Base, Database, utcnow
from models.call import CallEvent, CallSession, EventBuffer
from models.callback import CallbackRequest
from models.claims import CallbackAttempt, RequestHistory
from models.custody import CustodyEvent, CustodyRecord, Facility
from models.import_lock import ImportLock
from models.notification import Notification, NotificationAttempt, NotificationCursor
from models.operator import ApiToken, Operator
from models.outbox import OutboxMessage
from models.registration import Registration
from models.texting import ProcessedMessage, SmsConsent

__all__ = [
    "ApiToken",
    "Base",
    "CallEvent",
    "CallSession",
    "CallbackAttempt",
    "CallbackRequest",
    "CustodyEvent",
    "CustodyRecord",
    "Database",
    "EventBuffer",
    "Facility",
    "ImportLock",
    "LookupAudit",
    "Notification",
    "NotificationAttempt",
    "NotificationCursor",
    "Operator",
    "OutboxMessage",
    "ProcessedMessage",
    "Registration",
    "RequestHistory",
    "SmsConsent",
    "utcnow",
]
