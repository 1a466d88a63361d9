"""One JSON log line per event; a phone number reaches a log only masked (``callflows.masking``)."""

from __future__ import annotations

import atexit
import collections
import json
import logging
import logging.handlers
import os
import re
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

from callflows.masking import mask_phone

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


# A safety net under mask_phone: whatever a library or an exception message
# puts in a line, an E.164 number or a bare 9-11 digit run (an A-number, a national number)
# leaves as its last digits only. Ids inside CallSids (letters around them) are left alone.
_NUMBERS = re.compile(
    r"(?:\+|%2[Bb])\d{7,15}"  # E.164, also URL-encoded (%2B1202...)
    r"|(?<![\d-])(?:\(\d{3}\)\s?|\d{3}[-. ])\d{3}[-. ]\d{3,4}(?![\d-])"  # 202-555-0143, 201-345-678
    r"|(?<![0-9A-Za-z])(?:[Aa]-?)?\d{9,11}(?![0-9A-Za-z])"  # 2025550143, A201345678, a201345678
    r"|(?<==)(?:[Aa]-?)?\d{8,11}(?![0-9A-Za-z])"  # a query value: ?q=201345678
)


def _mask(match: re.Match[str]) -> str:
    text = match[0]
    return mask_phone(text) if text.startswith(("+", "%2")) else "***" + text[-3:]


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
            payload["exc"] = scrub(record.exc_text or self.formatException(record.exc_info))
        return json.dumps(payload, default=str)


# Loggers other than ours whose lines reach the same stderr: Flask's own (named after the app's
# import name, "app"), Werkzeug's development server, and gunicorn's (see config/gunicorn.py).
FOREIGN_LOGGERS = ("app", "flask.app", "werkzeug", "gunicorn.error", "gunicorn.access")


def json_handler() -> logging.Handler:
    """A stderr handler writing JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    return handler


# The hotline's own lines leave the request thread (docs/decisions/logging.md). A webhook only appends
# the record to an in-process list (a deque append wakes nobody: waking a writer thread on every
# line cost the request thread more, in GIL hand-offs, than formatting the line itself); one writer
# thread per process formats what has gathered every ``interval`` seconds (JSON, scrubbed, exactly
# as before) and writes it in one ``write``. No line is dropped: the list is unbounded, and at
# exit the writer's last pass runs before the process ends.
class _Pending(collections.deque):  # type: ignore[type-arg]
    """The queue QueueHandler puts records on: an append, nothing to wake."""

    put_nowait = collections.deque.append


# Held while a batch of lines is written, and across fork(): a child forked while the writer thread
# was half-way through a write would inherit the half-filled stream buffer and write it again.
_WRITING = threading.Lock()
os.register_at_fork(before=_WRITING.acquire, after_in_parent=_WRITING.release, after_in_child=_WRITING.release)


# Processes that share one pipe (gunicorn's workers, a forked child) each write whole lines: a write
# of at most PIPE_BUF bytes to a pipe is never interleaved with another process's write.
CHUNK_BYTES = 4096


def _chunks(lines: list[str]) -> list[str]:
    """Whole lines joined into pieces of at most CHUNK_BYTES (a longer line stands alone)."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        length = len(line.encode())
        if current and size + length > CHUNK_BYTES:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(line)
        size += length
    if current:
        chunks.append("".join(current))
    return chunks


class QueuedJsonHandler(logging.handlers.QueueHandler):
    """Hands records to a per-process writer thread that formats and writes them as JSON lines."""

    def __init__(self, target: logging.Handler, interval: float = 0.05) -> None:
        super().__init__(_Pending())  # type: ignore[arg-type]
        self.target = target
        self.interval = interval
        # The same formatter as the writer's, for anyone asking this handler how lines look.
        self.setFormatter(target.formatter)
        self._pid: int | None = None
        self._writer: threading.Thread | None = None
        self._stop = threading.Event()
        self._direct = False
        self._start_lock = threading.Lock()
        atexit.register(self.drain)

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        """Freeze what may change after this call (the message's arguments, a traceback); format nothing else."""
        if record.args:
            record.msg, record.args = record.getMessage(), None
        if record.exc_info and not record.exc_text:
            # The traceback's frames belong to the request thread: render it here (rare: errors only).
            record.exc_text = self.target.formatter.formatException(record.exc_info) if self.target.formatter else ""
        return record

    def emit(self, record: logging.LogRecord) -> None:
        """Queue the record for the writer thread (started once per process: gunicorn forks)."""
        if self._direct:
            self.target.handle(record)
            return
        if self._pid != os.getpid():
            self._start()
        self.queue.put_nowait(self.prepare(record))

    def note(self, name: str, event: str, fields: dict[str, Any]) -> None:
        """Queue an INFO line of logger ``name`` whose record the writer thread builds (see ``info_line``)."""
        if self._direct:
            self.target.handle(_Noted(time.time(), name, event, fields).record())
            return
        if self._pid != os.getpid():
            self._start()
        self.queue.put_nowait(_Noted(time.time(), name, event, fields))

    def _start(self) -> None:
        with self._start_lock:
            if self._pid == os.getpid():
                return
            # Records inherited across fork are the parent's to write.
            self.queue = _Pending()  # type: ignore[assignment]
            self._stop = threading.Event()
            self._writer = threading.Thread(target=self._run, name="log-writer", daemon=True)
            self._pid = os.getpid()
            self._writer.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._write_pending()
        self._write_pending()

    def _write_pending(self) -> None:
        pending: collections.deque[logging.LogRecord] = self.queue  # type: ignore[assignment]
        records = []
        while pending:
            try:
                item = pending.popleft()
            except IndexError:
                break
            records.append(item.record() if isinstance(item, _Noted) else item)
        if records:
            self._write(records)

    def _write(self, records: list[logging.LogRecord]) -> None:
        target = self.target
        if not isinstance(target, logging.StreamHandler):
            for record in records:
                target.handle(record)
            return
        lines = []
        for record in records:
            try:
                lines.append(target.format(record) + target.terminator)
            except Exception:
                target.handleError(record)
        with _WRITING, target.lock:  # type: ignore[union-attr]
            try:
                for chunk in _chunks(lines):
                    target.stream.write(chunk)
                    target.flush()
            except Exception:
                target.handleError(records[-1])

    def drain(self) -> None:
        """Write every queued line and switch to writing on the caller's thread (process exit)."""
        self._direct = True
        writer = self._writer
        if writer is not None and self._pid == os.getpid() and writer.is_alive():
            self._stop.set()
            writer.join(timeout=10)
        self._writer = None
        if self._pid == os.getpid():
            # Anything appended while the writer made its last pass.
            self._write_pending()

    def close(self) -> None:
        """Drain, then close the target handler."""
        self.drain()
        self.target.close()
        super().close()


class _Noted:
    """An INFO line noted on the request thread: its record is made by the writer thread."""

    __slots__ = ("created", "event", "fields", "name")

    def __init__(self, created: float, name: str, event: str, fields: dict[str, Any]) -> None:
        self.created, self.name, self.event, self.fields = created, name, event, fields

    def record(self) -> logging.LogRecord:
        record = logging.LogRecord(self.name, logging.INFO, "(unknown file)", 0, self.event, None, None)
        record.created = self.created
        record.msecs = (self.created - int(self.created)) * 1000
        for key, value in self.fields.items():
            if key not in record.__dict__:
                record.__dict__[key] = value
        return record


def info_line(logger: logging.Logger, event: str, fields: dict[str, Any]) -> None:
    """``logger.info(event, extra=fields)`` for the hot path: the same line, less work on the request thread.

    When the line's only destination is the hotline's queued handler (as configured), the
    request thread notes the time, event and fields, and the writer thread builds the
    record (building a ``LogRecord`` and passing it down the logger chain was most of a
    webhook's log line). Any other set-up (a handler or filter a test or an operator
    added) gets ``logger.info``. ``fields`` must not change afterwards.
    """
    if not logger.isEnabledFor(logging.INFO):
        return
    handler = _sole_queued_handler(logger)
    if handler is None:
        logger.info(event, extra=fields)
    else:
        handler.note(logger.name, event, fields)


def _sole_queued_handler(logger: logging.Logger) -> QueuedJsonHandler | None:
    current: logging.Logger | None = logger
    while current is not None:
        if current.filters or current.disabled:
            return None
        handlers = current.handlers
        if handlers:
            only = handlers[0]
            if len(handlers) == 1 and not current.propagate and isinstance(only, QueuedJsonHandler):
                return only if not only.filters and only.level <= logging.INFO else None
            return None
        if not current.propagate:
            return None
        current = current.parent
    return None


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
    if not any(isinstance(h, QueuedJsonHandler) for h in root.handlers):
        root.addHandler(QueuedJsonHandler(json_handler()))
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
