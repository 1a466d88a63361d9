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


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: time, level, logger, event and its context."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


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
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.propagate = False
