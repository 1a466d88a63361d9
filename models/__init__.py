"""The hotline's data: SQLAlchemy 2 models, one module per aggregate."""

from models.audit import LookupAudit
from models.base import Base, Database, utcnow
from models.call import CallEvent, CallSession, EventBuffer
from models.callback import CallbackRequest
from models.claims import CallbackAttempt, RequestHistory
from models.confirmation import CallbackConfirmation
from models.conversation import Conversation, ConversationMessage
from models.custody import CustodyEvent, CustodyRecord, Facility
from models.deliveries import OutboundMessage
from models.live_queue import QueuedCall
from models.number_reads import NumberRead
from models.operator import ApiToken, Operator
from models.outbox import OutboxMessage
from models.record_cache import CustodyGeneration
from models.retention import RetentionTally
from models.texting import ProcessedMessage, SmsConsent

__all__ = [
    "ApiToken",
    "Base",
    "CallEvent",
    "CallSession",
    "CallbackAttempt",
    "CallbackConfirmation",
    "CallbackRequest",
    "Conversation",
    "ConversationMessage",
    "CustodyEvent",
    "CustodyGeneration",
    "CustodyRecord",
    "Database",
    "EventBuffer",
    "Facility",
    "LookupAudit",
    "NumberRead",
    "Operator",
    "OutboundMessage",
    "OutboxMessage",
    "ProcessedMessage",
    "QueuedCall",
    "RequestHistory",
    "RetentionTally",
    "SmsConsent",
    "utcnow",
]
