"""Settings for the hotline: the only place that reads the environment.

Every setting has a default that suits the embedded mode (SQLite file under
``var/``, a Redis server the project starts itself). Production is chosen with
``VOICE_ENV=production`` and then refuses to start without the Twilio secrets.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The one weekly-hours type (docs/decisions/time-windows.md). callflows/hours.py
# is stdlib-only, so reading it here keeps settings free of the rest of the project.
from callflows.hours import HoursError, WeeklyHours, parse_span, parse_weekly_hours

# Referral directory
from config.referrals import ReferralSettings, load_referral_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"

# The hotline's own toll-free number, 1-855-48-VOICE.
HOTLINE_NUMBER = "+18554886423"


def development_neutral_number(hotline_number: str = HOTLINE_NUMBER) -> str:
    """A fictional number (NANP 555-0100..0199, never assigned) that stands in for ``NEUTRAL_NUMBER`` in development.

    Derived from the hotline number so every process of one installation shows the same one.
    """
    suffix = int(hashlib.sha256(hotline_number.encode()).hexdigest(), 16) % 100
    return f"+1202555{100 + suffix:04d}"


DEVELOPMENT_NEUTRAL_NUMBER = development_neutral_number()


PASSWORD_HASHINGS = ("standard", "fast-for-tests")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class DisclosurePolicy:
    """How far custody information is disclosed (see README, "Disclosure policy")."""

    # In custody: which facility fields are read to the caller.
    in_custody_fields: tuple[str, ...] = ("facility_name", "city", "state", "phone")
    # "Not in custody" (and every other status but those below) is answered with one neutral sentence
    # unless this is set; it also widens the window rule below to "not in custody".
    disclose_other_statuses: bool = False
    # Released and removed are told within ``public_window_days`` of the change, as ICE's own public
    # locator does (DISCLOSE_RELEASE_AND_REMOVAL=false keeps them to the neutral sentence).
    disclose_release_and_removal: bool = True
    # Whether the country of birth is required as a second identifier.
    require_country: bool = True
    # One more sentence with the case status (in proceedings, ordered removed, ...) when set.
    disclose_case_status: bool = False
    # Released and removed statuses are told by the public look-up only this many days after the
    # change; registrants are always told.
    public_window_days: int = 60
    # Registrants are told what the public look-up may withhold (each notification audited).
    tell_registrants: bool = True

    def tells_status(self, status: str) -> bool:
        """True when the look-up may name ``status`` (released, removed, not in custody); the window still applies."""
        if status in ("released", "removed"):
            return self.disclose_release_and_removal or self.disclose_other_statuses
        return self.disclose_other_statuses


@dataclass(frozen=True)
class LookupLimits:
    """Per-caller limits on custody look-ups (anyone can claim to be a victim)."""

    distinct_a_numbers_per_day: int = 5
    failed_attempts_per_call: int = 3


# --- registrations and custody-change notifications ---------------------------------------------
@dataclass(frozen=True)
class NotificationSettings:
    """Registrations and the delivery of custody-change notifications (README, "Notifications")."""

    code_minutes: int = 15
    code_max_failures: int = 5
    registrations_per_phone: int = 5
    registration_days: int = 365
    expiry_warning_days: int = 14
    # Quiet hours in the registrant's own time zone: calls wait, and texts too unless texts_in_quiet_hours.
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    texts_in_quiet_hours: bool = False
    call_window_hours: int = 48
    call_retry_minutes: int = 30
    # Sending numbers (opt-outs are per number): the hotline number unless a pool is configured.
    sending_numbers: tuple[str, ...] = ()
    # Messages per second per sending number (a token bucket in Redis shared by every worker).
    rate_per_number: float = 3.0


def _quiet_hours(value: str, variable: str) -> tuple[time, time]:
    try:
        return parse_span(value)
    except HoursError:
        raise ConfigError(f"{variable}: expected e.g. '21:00-08:00', got {value!r}") from None


def _notification_settings(env: Mapping[str, str]) -> NotificationSettings | None:
    values: dict[str, Any] = {}
    numbers = {
        "NOTIFY_CODE_MINUTES": "code_minutes",
        "NOTIFY_CODE_MAX_FAILURES": "code_max_failures",
        "NOTIFY_REGISTRATIONS_PER_PHONE": "registrations_per_phone",
        "NOTIFY_REGISTRATION_DAYS": "registration_days",
        "NOTIFY_EXPIRY_WARNING_DAYS": "expiry_warning_days",
        "NOTIFY_CALL_WINDOW_HOURS": "call_window_hours",
        "NOTIFY_CALL_RETRY_MINUTES": "call_retry_minutes",
    }
    for variable, name in numbers.items():
        if env.get(variable):
            values[name] = _int(env[variable], variable)
    if env.get("NOTIFY_QUIET_HOURS"):
        values["quiet_start"], values["quiet_end"] = _quiet_hours(env["NOTIFY_QUIET_HOURS"], "NOTIFY_QUIET_HOURS")
    if env.get("NOTIFY_TEXTS_IN_QUIET_HOURS"):
        values["texts_in_quiet_hours"] = _bool(env["NOTIFY_TEXTS_IN_QUIET_HOURS"], "NOTIFY_TEXTS_IN_QUIET_HOURS")
    if env.get("NOTIFY_SENDING_NUMBERS"):
        values["sending_numbers"] = tuple(n.strip() for n in env["NOTIFY_SENDING_NUMBERS"].split(",") if n.strip())
    if env.get("NOTIFY_RATE_PER_NUMBER"):
        try:
            values["rate_per_number"] = float(env["NOTIFY_RATE_PER_NUMBER"])
        except ValueError:
            raise ConfigError(
                f"NOTIFY_RATE_PER_NUMBER: expected a number, got {env['NOTIFY_RATE_PER_NUMBER']!r}"
            ) from None
    return NotificationSettings(**values) if values else None


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
    # How many proxies in front add X-Forwarded-* entries (0: none; the right-most N are believed).
    trust_proxy_headers: int = 0
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
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    event_flush_interval: float = 0.05
    max_request_bytes: int = 64 * 1024
    log_level: str = "INFO"
    # How operator passwords are hashed: "standard" (argon2, one lane) everywhere but the test suite,
    # which may ask for "fast-for-tests" (argon2's cheapest parameters; refused unless VOICE_ENV=test).
    password_hashing: str = "standard"
    # --- process groups and log-in throttling ---
    # "all" (one group serves everything), "phone" (Twilio only), "office" (/ops and /api).
    process_group: str = "all"
    # Where the phone group sends /ops and /api (the embedded runner sets it).
    office_url: str | None = None
    login_ip_per_minute: int = 30
    login_ip_per_hour: int = 200
    # --- reliability: outbox, metrics, retention ---
    outbox_keep_hours: int = 72
    metrics_allowed_addresses: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    metrics_token: str | None = None
    retention_request_days: int = 90
    retention_call_days: int = 90
    retention_audit_days: int = 365
    retention_message_days: int = 7
    retention_hour_utc: int = 7
    # --- retention: ended registrations ---
    retention_registration_days: int = 30
    # --- removal process, CRO, slower speech, relay calls ---
    # Caller IDs of relay services (711); their calls skip the menus (RELAY_CALLER_IDS, comma separated).
    relay_caller_ids: tuple[str, ...] = ()
    # --- safety on the callback path ---
    # The caller ID of every call back and notification call unless the caller allowed the specialist
    # to say where they call from. Required on a public address; never the hotline number.
    neutral_number: str = DEVELOPMENT_NEUTRAL_NUMBER
    # Contact centre: a caller held this long in the live queue hears the callback offer first.
    queue_max_hold_minutes: int = 10
    # Referral directory
    referrals: ReferralSettings = field(default_factory=ReferralSettings)

    @property
    def tz(self) -> ZoneInfo:
        """The hotline's local time zone."""
        return ZoneInfo(self.timezone)

    @property
    def is_production(self) -> bool:
        """True in production, where unsafe defaults are refused."""
        return self.env == "production"

    @property
    def is_public(self) -> bool:
        """True when the service answers on a public address (the development secrets are then refused).

        A non-loopback ``PUBLIC_BASE_URL`` is public, and so is ``TRUST_PROXY_HEADERS=true``:
        a proxy in front means the world can reach it, whatever ``VOICE_ENV`` says.
        """
        return self.trust_proxy_headers or not is_loopback_url(self.public_base_url)

    @property
    def url_state_key(self) -> bytes:
        """The key material that seals call state in action URLs (AES-256-GCM), derived from ``SECRET_KEY``."""
        return derive_key(self.secret_key, "voice url state")

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed (tests, the simulator)."""
        return dataclasses.replace(self, **changes)


def parse_business_hours(spec: str, variable: str = "BUSINESS_HOURS") -> WeeklyHours:
    """Parse ``"mon-fri 08:00-20:00; sat 10:00-14:00"`` into weekly hours."""
    try:
        return parse_weekly_hours(spec)
    except HoursError as error:
        raise ConfigError(f"{variable}: {error}") from None


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


MAX_PROXY_HOPS = 5


def _proxy_hops(value: str) -> int:
    """``TRUST_PROXY_HEADERS``: how many proxies to believe; true means one, false none."""
    lowered = value.strip().lower()
    if lowered.isdigit() and int(lowered) <= MAX_PROXY_HOPS:
        return int(lowered)
    try:
        return int(_bool(value, "TRUST_PROXY_HEADERS"))
    except ConfigError:
        raise ConfigError(
            f"TRUST_PROXY_HEADERS: expected the number of proxies in front (0-{MAX_PROXY_HOPS}) or true/false, "
            f"got {value!r}"
        ) from None


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
        "PROCESS_GROUP": "process_group",
        "OFFICE_URL": "office_url",
        "NEUTRAL_NUMBER": "neutral_number",
        "PASSWORD_HASHING": "password_hashing",
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
        "LOGIN_IP_PER_MINUTE": "login_ip_per_minute",
        "LOGIN_IP_PER_HOUR": "login_ip_per_hour",
        # Contact centre
        "QUEUE_MAX_HOLD_MINUTES": "queue_max_hold_minutes",
    }
    # Reliability: outbox and retention periods
    numbers["OUTBOX_KEEP_HOURS"] = "outbox_keep_hours"
    numbers["RETENTION_REQUEST_DAYS"] = "retention_request_days"
    numbers["RETENTION_CALL_DAYS"] = "retention_call_days"
    numbers["RETENTION_AUDIT_DAYS"] = "retention_audit_days"
    numbers["RETENTION_MESSAGE_DAYS"] = "retention_message_days"
    numbers["RETENTION_HOUR_UTC"] = "retention_hour_utc"
    numbers["RETENTION_REGISTRATION_DAYS"] = "retention_registration_days"
    if env.get("METRICS_ALLOWED_ADDRESSES") is not None:
        values["metrics_allowed_addresses"] = _networks(env["METRICS_ALLOWED_ADDRESSES"], "METRICS_ALLOWED_ADDRESSES")
    if env.get("METRICS_TOKEN"):
        values["metrics_token"] = env["METRICS_TOKEN"]
    for variable, name in numbers.items():
        if env.get(variable):
            values[name] = _int(env[variable], variable)
    if env.get("TRUST_PROXY_HEADERS"):
        values["trust_proxy_headers"] = _proxy_hops(env["TRUST_PROXY_HEADERS"])
    if env.get("BUSINESS_HOURS"):
        values["business_hours"] = parse_business_hours(env["BUSINESS_HOURS"])
    if env.get("CALLING_HOURS"):
        values["calling_hours"] = parse_business_hours(env["CALLING_HOURS"], "CALLING_HOURS")
    if env.get("HOLIDAYS"):
        values["holidays"] = _dates(env["HOLIDAYS"], "HOLIDAYS")
    if env.get("SUPERVISOR_NUMBERS"):
        values["supervisor_numbers"] = tuple(n.strip() for n in env["SUPERVISOR_NUMBERS"].split(",") if n.strip())
    if env.get("RELAY_CALLER_IDS"):  # relay services skip the menus
        values["relay_caller_ids"] = tuple(n.strip() for n in env["RELAY_CALLER_IDS"].split(",") if n.strip())
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
    if env.get("DISCLOSE_RELEASE_AND_REMOVAL"):
        policy["disclose_release_and_removal"] = _bool(
            env["DISCLOSE_RELEASE_AND_REMOVAL"], "DISCLOSE_RELEASE_AND_REMOVAL"
        )
    if env.get("LOOKUP_REQUIRE_COUNTRY"):
        policy["require_country"] = _bool(env["LOOKUP_REQUIRE_COUNTRY"], "LOOKUP_REQUIRE_COUNTRY")
    if env.get("DISCLOSE_CASE_STATUS"):
        policy["disclose_case_status"] = _bool(env["DISCLOSE_CASE_STATUS"], "DISCLOSE_CASE_STATUS")
    # Notifications: the public window and what registrants are told.
    if env.get("DISCLOSE_STATUS_WINDOW_DAYS"):
        policy["public_window_days"] = _int(env["DISCLOSE_STATUS_WINDOW_DAYS"], "DISCLOSE_STATUS_WINDOW_DAYS")
    if env.get("NOTIFY_REGISTRANTS_BEYOND_LOOKUP"):
        policy["tell_registrants"] = _bool(env["NOTIFY_REGISTRANTS_BEYOND_LOOKUP"], "NOTIFY_REGISTRANTS_BEYOND_LOOKUP")
    if env.get("DISCLOSE_IN_CUSTODY_FIELDS"):
        fields = tuple(f.strip() for f in env["DISCLOSE_IN_CUSTODY_FIELDS"].split(",") if f.strip())
        policy["in_custody_fields"] = fields
    if policy:
        values["disclosure"] = DisclosurePolicy(**policy)
    notifications = _notification_settings(env)
    if notifications is not None:
        values["notifications"] = notifications

    # Referral directory
    values["referrals"] = load_referral_settings(env, ConfigError)

    values.update(overrides)
    settings = Settings(**values)
    validate(settings)
    return settings


# --- Fail closed ----------------------------------------------------------------
# The development defaults are printed in the README: on a public address they are no secret.
MIN_SECRET_LENGTH = 32
# A random 32-character secret has about 25 different characters; "aaaa…" or "abab…" is no secret.
MIN_SECRET_DISTINCT = 12
SECRET_SETTINGS = (
    ("TWILIO_AUTH_TOKEN", "twilio_auth_token"),
    ("SECRET_KEY", "secret_key"),
    ("AUDIT_HASH_KEY", "audit_hash_key"),
)


def is_loopback_url(url: str) -> bool:
    """True when ``url``'s host is this machine only (localhost, 127.0.0.0/8, ::1)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def derive_key(secret: str, purpose: str) -> bytes:
    """A urlsafe-base64 32-byte key for ``purpose``, derived from ``secret`` (HMAC-SHA256)."""
    digest = hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest)


def _fail_closed(settings: Settings) -> None:
    # Production is held to the rule on every address: a proxy or a tunnel to "localhost" makes
    # the service public without its own address saying so.
    if not (settings.is_public or settings.is_production):
        return
    if settings.is_production:
        where = "VOICE_ENV=production"
    elif settings.trust_proxy_headers:
        where = f"TRUST_PROXY_HEADERS={int(settings.trust_proxy_headers)}"
    else:
        where = f"PUBLIC_BASE_URL={settings.public_base_url}"
    defaults = Settings()
    secrets = [(variable, getattr(settings, name), getattr(defaults, name)) for variable, name in SECRET_SETTINGS]
    if settings.metrics_token:
        secrets.append(("METRICS_TOKEN", settings.metrics_token, None))
    for variable, value, default in secrets:
        if value == default:
            raise ConfigError(f"{variable}: the development value is refused on a public address ({where})")
        if len(value) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"{variable}: at least {MIN_SECRET_LENGTH} characters are required on a public address ({where})"
            )
        if len(set(value)) < MIN_SECRET_DISTINCT:
            raise ConfigError(
                f"{variable}: a random value is required on a public address ({where}); "
                f"this one has fewer than {MIN_SECRET_DISTINCT} different characters"
            )
    if settings.neutral_number == DEVELOPMENT_NEUTRAL_NUMBER:
        # The fictional development number cannot place calls, and a shared default would be known.
        raise ConfigError(
            f"NEUTRAL_NUMBER: required on a public address ({where}): a number of yours, other than the hotline's,"
            " that answers with one neutral sentence"
        )


def validate(settings: Settings) -> None:
    """Refuse settings that are unsafe or unusable, naming the variable."""
    if settings.env not in {"development", "test", "production"}:
        raise ConfigError(f"VOICE_ENV: expected development, test or production, got {settings.env!r}")
    if settings.password_hashing not in PASSWORD_HASHINGS:
        raise ConfigError(f"PASSWORD_HASHING: expected standard or fast-for-tests, got {settings.password_hashing!r}")
    if settings.password_hashing != "standard" and settings.env != "test":
        raise ConfigError("PASSWORD_HASHING: fast-for-tests is for the test suite only (VOICE_ENV=test)")
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
    _fail_closed(settings)
    if settings.process_group not in {"all", "phone", "office"}:
        raise ConfigError(f"PROCESS_GROUP: expected all, phone or office, got {settings.process_group!r}")
    # The caller ID of call backs when the caller asked us not to say who is calling.
    if not re.fullmatch(r"\+[1-9]\d{7,14}", settings.neutral_number):
        raise ConfigError(
            f"NEUTRAL_NUMBER: expected an E.164 number like +12025550123, got {settings.neutral_number!r}"
        )
    if settings.neutral_number in {settings.hotline_number, settings.operator_number}:
        # A call back showing the hotline's number tells whoever holds the phone that she called.
        raise ConfigError("NEUTRAL_NUMBER: must differ from HOTLINE_NUMBER and OPERATOR_NUMBER")
    # Reliability: when the daily retention job runs
    if not 0 <= settings.retention_hour_utc <= 23:
        raise ConfigError(f"RETENTION_HOUR_UTC: expected an hour 0-23, got {settings.retention_hour_utc}")
    for variable, days in (
        ("RETENTION_REQUEST_DAYS", settings.retention_request_days),
        ("RETENTION_CALL_DAYS", settings.retention_call_days),
        ("RETENTION_AUDIT_DAYS", settings.retention_audit_days),
        ("RETENTION_MESSAGE_DAYS", settings.retention_message_days),
        ("RETENTION_REGISTRATION_DAYS", settings.retention_registration_days),
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
        if not settings.public_base_url.startswith("https://"):
            raise ConfigError("PUBLIC_BASE_URL: production (VOICE_ENV=production) requires an https address")
