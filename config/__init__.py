"""Settings for the hotline: the only place that reads the environment.

Every setting has a default that suits the embedded mode (SQLite file under
``var/``, a Redis server the project starts itself). Production is chosen with
``VOICE_ENV=production`` and then refuses to start without the Twilio secrets.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"

# The hotline's own toll-free number, 1-855-48-VOICE.
HOTLINE_NUMBER = "+18554886423"

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class WeeklyHours:
    """Opening hours per weekday (0 = Monday) in the hotline's local time."""

    days: dict[int, tuple[time, time]]

    def is_open(self, weekday: int, at: time) -> bool:
        """True when ``at`` on ``weekday`` falls inside the opening hours."""
        span = self.days.get(weekday)
        return span is not None and span[0] <= at < span[1]


@dataclass(frozen=True)
class DisclosurePolicy:
    """How far custody information is disclosed (see README, "Disclosure policy")."""

    # In custody: which facility fields are read to the caller.
    in_custody_fields: tuple[str, ...] = ("facility_name", "city", "state", "phone")
    # Statuses other than "in custody" are answered with one neutral sentence.
    disclose_other_statuses: bool = False
    # Whether the country of birth is required as a second identifier.
    require_country: bool = True


@dataclass(frozen=True)
class LookupLimits:
    """Per-caller limits on custody look-ups (anyone can claim to be a victim)."""

    distinct_a_numbers_per_day: int = 5
    failed_attempts_per_call: int = 3


@dataclass(frozen=True)
class Settings:
    """Typed settings for every process of the hotline."""

    env: str = "development"
    database_url: str = f"sqlite:///{VAR_DIR / 'voice.db'}"
    redis_url: str | None = None
    secret_key: str = "dev-secret-key-not-for-production"
    twilio_account_sid: str = "AC" + "0" * 32
    twilio_auth_token: str = "dev-auth-token"
    twilio_api_base_url: str | None = None
    public_base_url: str = "http://127.0.0.1:5000"
    trust_proxy_headers: bool = False
    hotline_number: str = HOTLINE_NUMBER
    operator_number: str = HOTLINE_NUMBER
    timezone: str = "America/New_York"
    business_hours: WeeklyHours = field(default_factory=lambda: parse_business_hours("mon-fri 08:00-20:00"))
    holidays: tuple[date, ...] = ()
    calling_hours: WeeklyHours = field(default_factory=lambda: parse_business_hours("mon-sun 09:00-20:00"))
    operator_queue_name: str = "operators"
    claim_lease_seconds: int = 900
    callback_max_attempts: int = 3
    callback_retry_minutes: int = 60
    urgent_wait_alert_minutes: int = 30
    supervisor_numbers: tuple[str, ...] = ()
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    queue_tick_seconds: int = 60
    audit_hash_key: str = "dev-audit-key-not-for-production"
    disclosure: DisclosurePolicy = field(default_factory=DisclosurePolicy)
    lookup_limits: LookupLimits = field(default_factory=LookupLimits)
    event_flush_interval: float = 0.05
    max_request_bytes: int = 64 * 1024
    log_level: str = "INFO"
    # --- reliability (issue G): outbox, metrics, retention ---
    outbox_keep_hours: int = 72
    metrics_allowed_addresses: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    metrics_token: str | None = None
    retention_request_days: int = 90
    retention_call_days: int = 90
    retention_audit_days: int = 365
    retention_message_days: int = 7
    retention_hour_utc: int = 7

    @property
    def tz(self) -> ZoneInfo:
        """The hotline's local time zone."""
        return ZoneInfo(self.timezone)

    @property
    def is_production(self) -> bool:
        """True in production, where unsafe defaults are refused."""
        return self.env == "production"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed (tests, the simulator)."""
        return dataclasses.replace(self, **changes)


def parse_business_hours(spec: str, variable: str = "BUSINESS_HOURS") -> WeeklyHours:
    """Parse ``"mon-fri 08:00-20:00; sat 10:00-14:00"`` into weekly hours."""
    days: dict[int, tuple[time, time]] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        match = re.fullmatch(r"([a-z]{3})(?:-([a-z]{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", part.lower())
        if not match or match[1] not in DAY_NAMES or (match[2] and match[2] not in DAY_NAMES):
            raise ConfigError(f"{variable}: cannot read {part!r}; expected e.g. 'mon-fri 08:00-20:00'")
        first = DAY_NAMES.index(match[1])
        last = DAY_NAMES.index(match[2]) if match[2] else first
        try:
            opens = time(int(match[3]), int(match[4]))
            closes = time(23, 59, 59) if match[5] == "24" else time(int(match[5]), int(match[6]))
        except ValueError as error:
            raise ConfigError(f"{variable}: {part!r}: {error}") from None
        for day in range(first, last + 1):
            days[day] = (opens, closes)
    return WeeklyHours(days)


def _bool(value: str, variable: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{variable}: expected true/false, got {value!r}")


def _int(value: str, variable: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{variable}: expected a whole number, got {value!r}") from None


def _dates(value: str, variable: str) -> tuple[date, ...]:
    try:
        return tuple(date.fromisoformat(v.strip()) for v in value.split(",") if v.strip())
    except ValueError:
        raise ConfigError(f"{variable}: expected comma-separated YYYY-MM-DD dates, got {value!r}") from None


def _networks(value: str, variable: str) -> tuple[str, ...]:
    """Comma-separated addresses or networks ("127.0.0.1, 10.0.0.0/8"); empty means none."""
    networks = tuple(v.strip() for v in value.split(",") if v.strip())
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ConfigError(f"{variable}: {network!r} is not an IP address or network") from None
    return networks


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from environment variables, then apply ``overrides``.

    Raises ConfigError naming the variable when a value cannot be used.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    text = {
        "VOICE_ENV": "env",
        "DATABASE_URL": "database_url",
        "REDIS_URL": "redis_url",
        "SECRET_KEY": "secret_key",
        "TWILIO_ACCOUNT_SID": "twilio_account_sid",
        "TWILIO_AUTH_TOKEN": "twilio_auth_token",
        "TWILIO_API_BASE_URL": "twilio_api_base_url",
        "PUBLIC_BASE_URL": "public_base_url",
        "HOTLINE_NUMBER": "hotline_number",
        "OPERATOR_NUMBER": "operator_number",
        "HOTLINE_TIMEZONE": "timezone",
        "OPERATOR_QUEUE_NAME": "operator_queue_name",
        "AUDIT_HASH_KEY": "audit_hash_key",
        "LOG_LEVEL": "log_level",
    }
    for variable, name in text.items():
        if env.get(variable):
            values[name] = env[variable]
    numbers = {
        "CLAIM_LEASE_SECONDS": "claim_lease_seconds",
        "CALLBACK_MAX_ATTEMPTS": "callback_max_attempts",
        "CALLBACK_RETRY_MINUTES": "callback_retry_minutes",
        "URGENT_WAIT_ALERT_MINUTES": "urgent_wait_alert_minutes",
        "LOGIN_MAX_FAILURES": "login_max_failures",
        "LOGIN_LOCKOUT_MINUTES": "login_lockout_minutes",
        "QUEUE_TICK_SECONDS": "queue_tick_seconds",
    }
    # reliability (issue G)
    numbers["OUTBOX_KEEP_HOURS"] = "outbox_keep_hours"
    numbers["RETENTION_REQUEST_DAYS"] = "retention_request_days"
    numbers["RETENTION_CALL_DAYS"] = "retention_call_days"
    numbers["RETENTION_AUDIT_DAYS"] = "retention_audit_days"
    numbers["RETENTION_MESSAGE_DAYS"] = "retention_message_days"
    numbers["RETENTION_HOUR_UTC"] = "retention_hour_utc"
    if env.get("METRICS_ALLOWED_ADDRESSES") is not None:
        values["metrics_allowed_addresses"] = _networks(env["METRICS_ALLOWED_ADDRESSES"], "METRICS_ALLOWED_ADDRESSES")
    if env.get("METRICS_TOKEN"):
        values["metrics_token"] = env["METRICS_TOKEN"]
    for variable, name in numbers.items():
        if env.get(variable):
            values[name] = _int(env[variable], variable)
    if env.get("TRUST_PROXY_HEADERS"):
        values["trust_proxy_headers"] = _bool(env["TRUST_PROXY_HEADERS"], "TRUST_PROXY_HEADERS")
    if env.get("BUSINESS_HOURS"):
        values["business_hours"] = parse_business_hours(env["BUSINESS_HOURS"])
    if env.get("CALLING_HOURS"):
        values["calling_hours"] = parse_business_hours(env["CALLING_HOURS"], "CALLING_HOURS")
    if env.get("HOLIDAYS"):
        values["holidays"] = _dates(env["HOLIDAYS"], "HOLIDAYS")
    if env.get("SUPERVISOR_NUMBERS"):
        values["supervisor_numbers"] = tuple(n.strip() for n in env["SUPERVISOR_NUMBERS"].split(",") if n.strip())
    limits = {}
    if env.get("LOOKUP_DISTINCT_PER_DAY"):
        limits["distinct_a_numbers_per_day"] = _int(env["LOOKUP_DISTINCT_PER_DAY"], "LOOKUP_DISTINCT_PER_DAY")
    if env.get("LOOKUP_FAILED_PER_CALL"):
        limits["failed_attempts_per_call"] = _int(env["LOOKUP_FAILED_PER_CALL"], "LOOKUP_FAILED_PER_CALL")
    if limits:
        values["lookup_limits"] = LookupLimits(**limits)
    policy = {}
    if env.get("DISCLOSE_OTHER_STATUSES"):
        policy["disclose_other_statuses"] = _bool(env["DISCLOSE_OTHER_STATUSES"], "DISCLOSE_OTHER_STATUSES")
    if env.get("LOOKUP_REQUIRE_COUNTRY"):
        policy["require_country"] = _bool(env["LOOKUP_REQUIRE_COUNTRY"], "LOOKUP_REQUIRE_COUNTRY")
    if env.get("DISCLOSE_IN_CUSTODY_FIELDS"):
        fields = tuple(f.strip() for f in env["DISCLOSE_IN_CUSTODY_FIELDS"].split(",") if f.strip())
        policy["in_custody_fields"] = fields
    if policy:
        values["disclosure"] = DisclosurePolicy(**policy)

    values.update(overrides)
    settings = Settings(**values)
    validate(settings)
    return settings


def validate(settings: Settings) -> None:
    """Refuse settings that are unsafe or unusable, naming the variable."""
    if settings.env not in {"development", "test", "production"}:
        raise ConfigError(f"VOICE_ENV: expected development, test or production, got {settings.env!r}")
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"HOTLINE_TIMEZONE: unknown time zone {settings.timezone!r}") from None
    if not settings.public_base_url.startswith(("http://", "https://")):
        raise ConfigError(f"PUBLIC_BASE_URL: expected an http(s) URL, got {settings.public_base_url!r}")
    fields = set(settings.disclosure.in_custody_fields)
    # The answer names the facility and where it is; only its phone number is optional.
    if not {"facility_name", "city", "state"} <= fields or not fields <= {"facility_name", "city", "state", "phone"}:
        raise ConfigError(
            "DISCLOSE_IN_CUSTODY_FIELDS: expected facility_name,city,state and optionally phone, "
            f"got {','.join(settings.disclosure.in_custody_fields)!r}"
        )
    # reliability (issue G)
    if not 0 <= settings.retention_hour_utc <= 23:
        raise ConfigError(f"RETENTION_HOUR_UTC: expected an hour 0-23, got {settings.retention_hour_utc}")
    for variable, days in (
        ("RETENTION_REQUEST_DAYS", settings.retention_request_days),
        ("RETENTION_CALL_DAYS", settings.retention_call_days),
        ("RETENTION_AUDIT_DAYS", settings.retention_audit_days),
        ("RETENTION_MESSAGE_DAYS", settings.retention_message_days),
    ):
        if days < 1:
            raise ConfigError(f"{variable}: expected at least 1 day, got {days}")
    if settings.is_production:
        if settings.twilio_auth_token in {"", Settings.twilio_auth_token}:
            raise ConfigError("TWILIO_AUTH_TOKEN: required in production (VOICE_ENV=production)")
        if settings.secret_key == Settings.secret_key:
            raise ConfigError("SECRET_KEY: required in production (VOICE_ENV=production)")
        if settings.audit_hash_key == Settings.audit_hash_key:
            raise ConfigError("AUDIT_HASH_KEY: required in production (VOICE_ENV=production)")
        if not settings.redis_url:
            raise ConfigError("REDIS_URL: required in production (VOICE_ENV=production)")
