"""The hotline's data: SQLAlchemy 2 models, one module per aggregate."""

from models.audit import LookupAudit
from models.base import Base, Database, utcnow
from models.call import CallEvent, CallSession, EventBuffer
from models.callback import CallbackRequest
from models.case_study import CaseStudy
from models.claims import CallbackAttempt, RequestHistory
from models.confirmation import CallbackConfirmation
from models.conversation import Conversation, ConversationMessage
from models.custody import CustodyEvent, CustodyRecord, Facility
from models.deliveries import OutboundMessage
from models.directory import DirectoryEntry, Location, OpeningHours, Organization, Referral, Service
from models.import_lock import ImportLock
from models.live_queue import QueuedCall
from models.notification import Notification, NotificationAttempt, NotificationCursor
from models.number_reads import NumberRead
from models.operator import ApiToken, Operator
from models.outbox import OutboxMessage
from models.record_cache import CustodyGeneration
from models.registration import Registration
from models.report import KeptCount
from models.retention import RetentionTally
from models.texting import ProcessedMessage, ServiceListText, SmsConsent

__all__ = [
    "ApiToken",
    "Base",
    "CallEvent",
    "CallSession",
    "CallbackAttempt",
    "CallbackConfirmation",
    "CallbackRequest",
    "CaseStudy",
    "Conversation",
    "ConversationMessage",
    "CustodyEvent",
    "CustodyGeneration",
    "CustodyRecord",
    "Database",
    "DirectoryEntry",
    "EventBuffer",
    "Facility",
    "ImportLock",
    "KeptCount",
    "Location",
    "LookupAudit",
    "Notification",
    "NotificationAttempt",
    "NotificationCursor",
    "NumberRead",
    "OpeningHours",
    "Operator",
    "Organization",
    "OutboundMessage",
    "OutboxMessage",
    "ProcessedMessage",
    "QueuedCall",
    "Referral",
    "Registration",
    "RequestHistory",
    "RetentionTally",
    "Service",
    "ServiceListText",
    "SmsConsent",
    "utcnow",
]
