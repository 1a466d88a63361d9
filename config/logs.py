"""One JSON log line per event, and the one way a phone number reaches a log."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def mask_phone(number: str | None) -> str:
    """Mask a phone number to its last four digits: ``+15555550123`` → ``***0123``."""
    if not number:
        return "(none)"
    digits = re.sub(r"\D", "", number)
    if len(digits) < 4:
        return "***"
    return "***" + digits[-4:]


def mask_a_number(a_number: str | None) -> str:
    """Mask an A-number to its last three digits, so a log never holds one."""
    if not a_number:
        return "(none)"
    digits = re.sub(r"\D", "", a_number)
    return "A******" + digits[-3:] if len(digits) >= 3 else "A***"


# A safety net under mask_phone (issue S item 5): whatever a library or an exception message
# puts in a line, an E.164 number or a bare 9-11 digit run (an A-number, a national number)
# leaves as its last digits only. Ids inside CallSids (letters around them) are left alone.
_NUMBERS = re.compile(
    r"\+\d{7,15}"  # E.164
    r"|(?<![\d-])(?:\(\d{3}\)\s?|\d{3}[-. ])\d{3}[-. ]\d{3,4}(?![\d-])"  # 202-555-0143, 201-345-678
    r"|(?<![0-9A-Za-z])(?:A-?)?\d{9,11}(?![0-9A-Za-z])"  # 2025550143, A201345678
)


def _mask(match: re.Match[str]) -> str:
    text = match[0]
    return mask_phone(text) if text.startswith("+") else "***" + text[-3:]


def scrub(text: str) -> str:
    """Mask any phone number or A-number that slipped into ``text`` (one pass over the line)."""
    return _NUMBERS.sub(_mask, text)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: time, level, logger, event and its context."""

    def format(self, record: logging.LogRecord) -> str:
        # The free text (a message, a traceback: what libraries write) is scrubbed; the context
        # fields are ours and already masked. Scrubbing the whole line cost ~80 µs a webhook.
        payload = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": scrub(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(payload, default=str)


# Loggers other than ours whose lines reach the same stderr: Flask's own (named after the app's
# import name, "app"), Werkzeug's development server, and gunicorn's (see config/gunicorn.py).
FOREIGN_LOGGERS = ("app", "flask.app", "werkzeug", "gunicorn.error", "gunicorn.access")


def json_handler() -> logging.Handler:
    """A stderr handler writing JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    return handler


def configure_logging(level: str = "INFO") -> None:
    """Send the hotline's logs to stderr as JSON lines (idempotent)."""
    # Every webhook logs a line; skip the record fields our format never shows
    # (the logging docs' "Optimization" section names these switches).
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None
    root = logging.getLogger("voice")
    root.setLevel(level.upper())
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        root.addHandler(json_handler())
        root.propagate = False
    for name in FOREIGN_LOGGERS:
        other = logging.getLogger(name)
        # Flask adds a plain-text handler to its logger; gunicorn's own config may already be JSON.
        for handler in list(other.handlers):
            if not isinstance(handler.formatter, JsonFormatter):
                other.removeHandler(handler)
        if not other.handlers:
            other.addHandler(json_handler())
        other.propagate = False
