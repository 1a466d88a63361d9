"""Operators (community relations officers, victim assistance specialists) and their API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

# A Community Relations Officer ("cro") works the requests of their field office first.
ROLES = ("operator", "supervisor", "admin", "cro")
CRO = "cro"
TOKEN_PREFIX = "vop_"

# argon2 runs one thread per lane: one lane keeps a log-in on one core, so a flood of log-ins
# cannot take both cores from the phone line's processes (docs/decisions/argon2-one-lane.md).
# Time and memory cost stay argon2-cffi's defaults (RFC 9106 low-memory profile).
STANDARD_HASHING = PasswordHasher(parallelism=1)
# The test suite's (PASSWORD_HASHING=fast-for-tests, refused unless VOICE_ENV=test): argon2's
# cheapest parameters, so the thousands of operators the tests create and log in cost microseconds.
FAST_HASHING_FOR_TESTS = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_hasher = STANDARD_HASHING
# Verifying against a real hash when the e-mail is unknown keeps the timing the same (made when
# first needed, with the hasher in use).
_dummy_hashes: dict[PasswordHasher, str] = {}


def use_password_hashing(name: str) -> None:
    """Hash and check passwords in this process as ``name`` says ("standard" or "fast-for-tests")."""
    global _hasher
    _hasher = FAST_HASHING_FOR_TESTS if name == "fast-for-tests" else STANDARD_HASHING


class Operator(Base):
    """A person who works the callback queue."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16), default="operator")
    # The phone the hotline rings first when this operator calls a caller back (E.164).
    phone: Mapped[str | None] = mapped_column(String(32))
    # The field office (code, as in callflows/data/field_offices.csv) this operator belongs to.
    field_office: Mapped[str | None] = mapped_column(String(8))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of every session's id: log-out (or a revoke) raises it, and every older session
    # cookie stops working at once, server-side.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # Flask-Login's user protocol (kept here so the model needs no Flask import).
    @property
    def is_authenticated(self) -> bool:
        """Always true for a loaded operator."""
        return True

    @property
    def is_active(self) -> bool:
        """False for a revoked account."""
        return self.active

    @property
    def is_anonymous(self) -> bool:
        """Never anonymous."""
        return False

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: the operator and their session generation."""
        return f"{self.id}:{self.session_generation or 0}"

    def end_sessions(self) -> None:
        """Make every session cookie issued so far stop working (log-out, revoke)."""
        self.session_generation = (self.session_generation or 0) + 1

    @property
    def is_supervisor(self) -> bool:
        """Supervisors and admins see the supervisor view."""
        return self.role in {"supervisor", "admin"}

    @property
    def home_office(self) -> str | None:
        """The office whose requests this operator sees first: a CRO's own field office."""
        return self.field_office if self.role == CRO and self.field_office else None

    def set_password(self, password: str) -> None:
        """Store an argon2id hash of ``password``."""
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches the stored hash."""
        if not self.password_hash:
            return False
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @staticmethod
    def by_email(session: Session, email: str) -> Operator | None:
        """The operator with ``email`` (case-insensitive), or None."""
        return session.scalar(select(Operator).where(Operator.email == email.strip().lower()))

    @staticmethod
    def names(session: Session, ids: set[int]) -> dict[int, str]:
        """Display names (or e-mails) of the operators ``ids``."""
        if not ids:
            return {}
        rows = session.scalars(select(Operator).where(Operator.id.in_(ids)))
        return {o.id: o.name or o.email for o in rows}

    @staticmethod
    def authenticate(session: Session, email: str, password: str, now: datetime) -> Operator | None:
        """The operator for a correct e-mail and password, else None (an unknown e-mail costs the same).

        There is no lockout: a lockout lets anyone who knows an e-mail keep its
        owner out. Failed log-ins are throttled per address and account instead (web/office/login_throttle.py).
        """
        operator = Operator.by_email(session, email)
        if operator is None or not operator.active:
            _check_dummy(password)
            return None
        if operator.check_password(password):
            if _hasher.check_needs_rehash(operator.password_hash or ""):
                # A hash made with older settings (more lanes) is replaced at the next good log-in.
                operator.set_password(password)
            operator.failed_logins = 0
            operator.last_login_at = now
            return operator
        operator.failed_logins += 1
        return None


def _check_dummy(password: str) -> bool:
    try:
        hasher = _hasher
        dummy = _dummy_hashes.get(hasher)
        if dummy is None:
            dummy = _dummy_hashes[hasher] = hasher.hash(secrets.token_urlsafe(16))
        return hasher.verify(dummy, password)
    except VerificationError:
        return False


def hash_token(token: str) -> str:
    """The stored form of an API token (tokens are random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(Base):
    """A bearer token for the JSON API; only its hash is stored, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @staticmethod
    def issue(session: Session, operator: Operator) -> str:
        """Create a token for ``operator``; returns the token itself (never stored)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        session.add(ApiToken(operator_id=operator.id, token_hash=hash_token(token)))
        return token

    @staticmethod
    def operator_for(session: Session, token: str, now: datetime) -> Operator | None:
        """The active operator a live token belongs to, or None."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        row = session.scalar(
            select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
        )
        if row is None:
            return None
        operator = session.get(Operator, row.operator_id)
        if operator is None or not operator.active:
            return None
        row.last_used_at = now
        return operator

    @staticmethod
    def revoke_all(session: Session, operator: Operator, now: datetime) -> int:
        """Revoke every live token of ``operator``; returns how many."""
        rows = session.scalars(
            select(ApiToken).where(ApiToken.operator_id == operator.id, ApiToken.revoked_at.is_(None))
        ).all()
        for row in rows:
            row.revoked_at = now
        return len(rows)
