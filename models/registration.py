"""Registrations: people who asked to be told when a detained person's custody changes.

A registration names an A-number and a country of birth (the look-up's two
identifiers), the phone to call or text, the language, and how to be told. It
never records whether the record exists: the caller hears the same words either
way, and the registration waits, silent, until an import brings a matching
change. Secrets rest hashed: the 4-digit PIN with argon2, the 6-digit text code
with a keyed HMAC (it lives minutes and is limited to a few tries).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from config import NotificationSettings
from models.base import Base, utcnow
from models.outbox import OutboxMessage

# The job that texts a registration's code (an outbox entry, so a crash after the commit loses nothing).
SEND_CODE_JOB = "workers.notify.send_code"

log = logging.getLogger("voice.models.registration")

PENDING = "pending"
ACTIVE = "active"
CANCELLED = "cancelled"
EXPIRED = "expired"
FAILED = "failed"
LIVE = (PENDING, ACTIVE)

SMS = "sms"
VOICE = "voice"
BOTH = "both"
CHANNELS = (SMS, VOICE, BOTH)

BY_SMS = "sms"
BY_VOICE = "voice"
BY_OPERATOR = "operator"

# A registration's reference: letters and digits that cannot be misread (no 0/O, 1/I/L, 5/S, 8/B).
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY2345679"
REFERENCE_LENGTH = 5
# The PostgreSQL advisory lock (two-key form) every new registration takes: registrations are rare, so one
# lock for all of them serializes nothing a caller waits on, and its key says nothing about a phone.
_REGISTRATION_LOCK = (0x564F, 0x5245)
# A PIN is 4 digits: a light argon2 cost keeps a call's PIN check quick; the tries are limited anyway.
_pins = PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1)


class Registration(Base):
    """One person's request to be told of custody changes for one A-number."""

    __tablename__ = "registrations"
    __table_args__ = (
        Index("ix_registrations_a_number_status", "a_number", "status"),
        Index("ix_registrations_phone_status", "phone", "status"),
        Index("uq_registrations_reference", "reference", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # What texts and calls name instead of the person ("registration K7Q2M").
    reference: Mapped[str] = mapped_column(String(8))
    a_number: Mapped[str] = mapped_column(String(9))
    country: Mapped[str] = mapped_column(String(2))
    # E.164: the asking caller ID, or a number verified by a code (docs/decisions/who-may-be-called-or-texted.md).
    phone: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="en")
    channels: Mapped[str] = mapped_column(String(8), default=SMS)
    voicemail_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Texts may come in the registrant's quiet hours too (their choice; calls always wait).
    texts_any_hour: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the registrant said calls and texts may come (morning, afternoon, evening; None: any time
    # outside quiet hours), in their own time zone.
    contact_window: Mapped[str | None] = mapped_column(String(12))
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    source: Mapped[str] = mapped_column(String(12), default=BY_SMS)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[datetime | None]
    # Wrong codes and PINs against this registration, by text and by phone, over its whole life: the
    # guessing budget (``guesses_spent``). A new code never resets it.
    code_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    expiry_warned_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # Who ended it: "sms", "voice", "operator 12", "expired".
    ended_by: Mapped[str | None] = mapped_column(String(40))

    @property
    def texts(self) -> bool:
        """True when the registrant chose texts (alone or with calls)."""
        return self.channels in (SMS, BOTH)

    @property
    def calls(self) -> bool:
        """True when the registrant chose calls (alone or with texts)."""
        return self.channels in (VOICE, BOTH)

    def set_pin(self, pin: str) -> None:
        """Store an argon2 hash of the 4-digit PIN (never the PIN)."""
        if len(pin) != 4 or not pin.isdigit():
            raise ValueError("a PIN is 4 digits")
        self.pin_hash = _pins.hash(pin)

    def check_pin(self, pin: str) -> bool:
        """True when ``pin`` is this registration's PIN."""
        if not self.pin_hash:
            return False
        try:
            return _pins.verify(self.pin_hash, pin)
        except (VerificationError, InvalidHashError):
            return False

    def set_code(self, code: str, key: str, now: datetime, lifetime: timedelta) -> None:
        """Store a keyed hash of the text code and when it stops working."""
        self.code_hash = hash_code(code, self.phone, key)
        self.code_expires_at = now + lifetime

    def activate(self, now: datetime, lifetime: timedelta) -> None:
        """Make the registration active for ``lifetime`` from ``now``."""
        self.status = ACTIVE
        self.activated_at = now
        self.expires_at = now + lifetime
        self.code_hash = None
        self.code_expires_at = None

    def end(self, now: datetime, by: str, status: str = CANCELLED) -> None:
        """End the registration (cancelled by the registrant or an operator, or expired)."""
        self.status = status
        self.ended_at = now
        self.ended_by = by[:40]
        self.code_hash = None

    @staticmethod
    def live_for_phone(session: Session, phone: str) -> list[Registration]:
        """The phone's pending and active registrations, oldest first."""
        query = (
            select(Registration)
            .where(Registration.phone == phone, Registration.status.in_(LIVE))
            .order_by(Registration.id)
        )
        return list(session.scalars(query))

    @staticmethod
    def by_reference(session: Session, reference: str) -> Registration | None:
        """The registration with ``reference`` (any status)."""
        return session.scalar(select(Registration).where(Registration.reference == reference.upper()))

    @staticmethod
    def add_with_reference(session: Session, registration: Registration) -> Registration:
        """Insert ``registration`` under a fresh random reference (retried on the rare collision)."""
        for _ in range(20):
            registration.reference = new_reference()
            try:
                with session.begin_nested():
                    session.add(registration)
                    session.flush()
                return registration
            except IntegrityError:
                if registration in session:
                    session.expunge(registration)
        raise RuntimeError("no free registration reference after 20 tries")


class RegistrationLimitReached(Exception):
    """The phone already has as many live registrations as one phone may have."""


def has_room(live: list[Registration], settings: NotificationSettings) -> bool:
    """True when a phone with these live registrations may have one more (``registrations_per_phone``)."""
    return len(live) < settings.registrations_per_phone


def live_before_registering(session: Session, phone: str) -> list[Registration]:
    """The phone's live registrations, read so that no other registration is added until this transaction ends.

    The limit is counted and taken in one step: PostgreSQL, an advisory transaction lock; SQLite, the
    database's write lock taken up front (``BEGIN IMMEDIATE``).
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        first, second = _REGISTRATION_LOCK
        connection.execute(text("SELECT pg_advisory_xact_lock(:first, :second)"), {"first": first, "second": second})
    else:
        driver = connection.connection.dbapi_connection
        if driver is not None and not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return Registration.live_for_phone(session, phone)


def hold_for_code(session: Session, registration: Registration, caller_id: bool) -> int | None:
    """Make a registration for an entered number wait for that number's code; the code job's outbox id.

    A number that is not the caller ID that asked gets nothing but the code text until it answers, for
    calls as well as texts: a notification call asks for the PIN first, but the call itself must not
    reach a number nobody has shown they hold (None for the caller ID).
    """
    if caller_id:
        return None
    registration.status = PENDING
    return OutboxMessage.add(session, SEND_CODE_JOB, registration.id, queue="high")


def new_reference() -> str:
    """A random reference such as ``K7Q2M``; always with a letter (a text reads all-digit words otherwise)."""
    while True:
        reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
        if not reference.isdigit():
            return reference


def new_code() -> str:
    """A random 6-digit text code."""
    return f"{secrets.randbelow(1_000_000):06d}"


def hash_code(code: str, phone: str, key: str) -> str:
    """A keyed hash of a text code, bound to the phone it was sent to."""
    return hmac.new(key.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


# --- the guessing budget ----------------------------------------------------------------------
# Wrong PINs and codes count against the registration and against its phone number (all of the
# number's registrations together, ended ones too), across calls and texts. A spent budget
# refuses every further PIN or code, right or wrong, and stops notification calls; it never ends
# an active registration (a stranger guessing must not be able to switch someone's off), and
# supervisors see it flagged.
NUMBER_BUDGET_FACTOR = 2


def number_guesses(session: Session, phone: str) -> int:
    """Wrong PINs and codes against all of ``phone``'s registrations."""
    total = session.scalar(
        select(func.coalesce(func.sum(Registration.code_failures), 0)).where(Registration.phone == phone)
    )
    return int(total or 0)


def guesses_spent(session: Session, registration: Registration, settings: NotificationSettings) -> bool:
    """True once the registration's or its number's budget of wrong PINs and codes is spent."""
    if registration.code_failures >= settings.code_max_failures:
        return True
    return number_guesses(session, registration.phone) >= settings.code_max_failures * NUMBER_BUDGET_FACTOR


def count_wrong_guess(session: Session, registration: Registration, settings: NotificationSettings) -> bool:
    """Count one wrong PIN or code (on a row locked or freshly read in this transaction); True when that
    spends the budget, which the caller flags for supervisors."""
    spent_before = guesses_spent(session, registration, settings)
    registration.code_failures = (registration.code_failures or 0) + 1
    session.flush()
    if not spent_before and guesses_spent(session, registration, settings):
        log.warning(
            "registration guessing budget spent; flagged for supervisor review",
            extra={"registration_id": registration.id, "failures": registration.code_failures},
        )
        return True
    return False


def spent_registrations(session: Session, settings: NotificationSettings, limit: int = 50) -> list[Registration]:
    """Registrations whose own budget is spent, newest first (the supervisors' flag)."""
    query = (
        select(Registration)
        .where(Registration.code_failures >= settings.code_max_failures)
        .order_by(Registration.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


# --- registering by text ----------------------------------------------------------------------


def register_by_text(
    session: Session,
    phone: str,
    a_number: str,
    country: str,
    language: str,
    settings: NotificationSettings,
    key: str,
    now: datetime,
) -> tuple[str, dict[str, str]]:
    """Start (or restart) a text registration; the reply's outcome and its values.

    Nothing here reads the custody records: the reply is the same whether the
    person is known, not disclosed or unknown.
    """
    live = live_before_registering(session, phone)
    same = [r for r in live if (r.a_number, r.country) == (a_number, country)]
    active = [r for r in same if r.status == ACTIVE]
    # A number that spent its budget gets no new code: a new code never resets the count.
    earlier = select(Registration.code_failures).where(
        Registration.phone == phone, Registration.a_number == a_number, Registration.country == country
    )
    if number_guesses(session, phone) >= settings.code_max_failures * NUMBER_BUDGET_FACTOR or any(
        (failures or 0) >= settings.code_max_failures for failures in session.scalars(earlier)
    ):
        return "code_locked", {}
    if active:
        # The same reply as a first registration: whoever texts from this phone must not learn that
        # one exists. Its code renews the registration (as "text REGISTER again to keep it" says).
        registration = active[0]
    elif same:
        registration = same[0]
    elif not has_room(live, settings):
        return "too_many", {}
    else:
        registration = Registration(
            a_number=a_number,
            country=country,
            phone=phone,
            language=language,
            channels=SMS,
            status=PENDING,
            source=BY_SMS,
            created_at=now,
        )
        Registration.add_with_reference(session, registration)
    code = new_code()
    registration.language = language
    registration.set_code(code, key, now, timedelta(minutes=settings.code_minutes))
    return "code", {"code": code}


def confirm_by_text(
    session: Session, phone: str, code: str, settings: NotificationSettings, key: str, now: datetime
) -> tuple[str, dict[str, str]]:
    """Check a texted code against the phone's waiting registrations; the reply's outcome and values."""
    query = (
        select(Registration)
        .where(
            Registration.phone == phone,
            Registration.status.in_((PENDING, ACTIVE)),
            Registration.code_hash.is_not(None),
        )
        .order_by(Registration.id)
        .with_for_update()
    )
    waiting = list(session.scalars(query))
    if not waiting:
        return "no_code", {}
    waiting = [r for r in waiting if not guesses_spent(session, r, settings)]
    if not waiting:
        return "code_locked", {}
    digest = hash_code(code, phone, key)
    for registration in waiting:
        if hmac.compare_digest(registration.code_hash or "", digest):
            if registration.code_expires_at is None or registration.code_expires_at < now:
                return "code_expired", {}
            registration.activate(now, timedelta(days=settings.registration_days))
            return "active", {"reference": registration.reference}
    # A wrong code counts against every code waiting for this phone (the rows are locked above). A
    # pending registration is the texter's own: once its budget is spent it ends.
    locked = False
    for registration in waiting:
        count_wrong_guess(session, registration, settings)
        if guesses_spent(session, registration, settings):
            if registration.status == ACTIVE:
                # A renewal code guessed wrong too often stops working; the registration itself stays.
                registration.code_hash = registration.code_expires_at = None
            else:
                registration.end(now, "code failures", FAILED)
            locked = True
    return ("code_locked" if locked else "wrong_code"), {}


def cancel_by_text(
    session: Session, phone: str, now: datetime, *, a_number: str | None = None, reference: str | None = None
) -> int:
    """End this phone's live registrations for an A-number or a reference; how many ended.

    Only the phone's own: a reference or A-number typed by one texter never touches another's registration.
    """
    query = select(Registration).where(Registration.phone == phone, Registration.status.in_(LIVE))
    if reference is not None:
        query = query.where(Registration.reference == reference.upper())
    elif a_number is not None:
        query = query.where(Registration.a_number == a_number)
    else:
        return 0
    ended = 0
    for registration in session.scalars(query):
        registration.end(now, BY_SMS)
        ended += 1
    return ended


def register_verified(
    session: Session,
    *,
    a_number: str,
    country: str,
    phone: str,
    language: str,
    channels: str,
    pin: str | None,
    settings: NotificationSettings,
    now: datetime,
    source: str,
    operator_id: int | None = None,
    voicemail_allowed: bool = False,
    texts_any_hour: bool = False,
    contact_window: str | None = None,
) -> Registration:
    """An active registration for a number already verified (the caller ID that asked, or a code it answered).

    Used by the voice menu and by operators (``source`` records which, ``operator_id`` who). Raises
    RegistrationLimitReached when the phone has as many live registrations as allowed.
    """
    if channels not in CHANNELS:
        raise ValueError(f"channels must be one of {', '.join(CHANNELS)}")
    if channels in (VOICE, BOTH) and pin is None:
        raise ValueError("a registration that calls needs a PIN")
    if not has_room(live_before_registering(session, phone), settings):
        raise RegistrationLimitReached
    registration = Registration(
        a_number=a_number,
        country=country,
        phone=phone,
        language=language,
        channels=channels,
        status=PENDING,
        source=source,
        operator_id=operator_id,
        voicemail_allowed=voicemail_allowed,
        texts_any_hour=texts_any_hour,
        contact_window=contact_window,
        created_at=now,
    )
    if pin is not None:
        registration.set_pin(pin)
    registration.activate(now, timedelta(days=settings.registration_days))
    return Registration.add_with_reference(session, registration)
