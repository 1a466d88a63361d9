"""Log lines leave the request thread (docs/decisions/logging.md): every line is still written,
as JSON and masked, by a writer thread per process, and the queue is drained at exit."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from config.logs import JsonFormatter, QueuedJsonHandler, info_line

ROOT = Path(__file__).resolve().parents[2]


def queued_logger(name: str) -> tuple[logging.Logger, QueuedJsonHandler, io.StringIO]:
    stream = io.StringIO()
    target = logging.StreamHandler(stream)
    target.setFormatter(JsonFormatter())
    handler = QueuedJsonHandler(target)
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel("INFO")
    return logger, handler, stream


class Witness:
    """A log value that notes which thread turned it into text."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    def __str__(self) -> str:
        self.threads.append(threading.current_thread().name)
        return "witness"


def test_the_line_is_formatted_off_the_request_thread() -> None:
    logger, handler, stream = queued_logger("voice.test.off_thread")
    witness = Witness()
    logger.info("voice webhook", extra={"value": witness})
    handler.drain()
    assert witness.threads and threading.current_thread().name not in witness.threads
    assert json.loads(stream.getvalue())["value"] == "witness"


def test_every_line_from_many_threads_is_written_as_masked_json() -> None:
    logger, handler, stream = queued_logger("voice.test.many")

    def webhook(worker: int) -> None:
        for i in range(500):
            # Free text is scrubbed by the formatter (context fields are masked by the code that sets them).
            logger.info("voice webhook %s from +12025550143", i, extra={"worker": worker})

    threads = [threading.Thread(target=webhook, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handler.drain()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2000
    assert {(line["worker"], line["event"]) for line in lines} == {
        (n, f"voice webhook {i} from ***0143") for n in range(4) for i in range(500)
    }
    assert "5550143" not in stream.getvalue() and "***0143" in stream.getvalue()


def test_an_exception_is_rendered_into_the_line() -> None:
    logger, handler, stream = queued_logger("voice.test.exc")
    try:
        raise ValueError("cannot reach +12025550143")
    except ValueError:
        logger.exception("voice webhook failed")
    handler.drain()
    line = json.loads(stream.getvalue())
    assert "ValueError" in line["exc"] and "5550143" not in line["exc"]


def test_lines_logged_just_before_exit_are_written_in_parent_and_forked_child() -> None:
    script = textwrap.dedent(
        """
        import logging, os
        from config.logs import configure_logging
        configure_logging("INFO")
        log = logging.getLogger("voice.exit")
        for i in range(3000):
            log.info("line", extra={"i": i, "who": "parent"})
        pid = os.fork()
        if pid == 0:
            for i in range(3000):
                log.info("line", extra={"i": i, "who": "child"})
            raise SystemExit(0)
        os.waitpid(pid, 0)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert sorted((line["who"], line["i"]) for line in lines) == sorted(
        [("parent", i) for i in range(3000)] + [("child", i) for i in range(3000)]
    )


def test_a_hot_path_line_is_the_same_line_with_its_record_made_off_the_request_thread() -> None:
    _, handler, stream = queued_logger("voice.test.hot")
    child = logging.getLogger("voice.test.hot.webhook")
    witness = Witness()
    info_line(child, "voice webhook", {"route": "/voice/incoming", "from": "***0143", "status": 200, "w": witness})
    child.info("voice webhook", extra={"route": "/voice/incoming", "from": "***0143", "status": 200, "w": "witness"})
    assert not witness.threads  # nothing formatted yet, on any thread
    handler.drain()
    noted, logged = (json.loads(line) for line in stream.getvalue().splitlines())
    assert threading.current_thread().name not in witness.threads
    assert noted.pop("ts")[:16] == logged.pop("ts")[:16]
    assert (
        noted
        == logged
        == {
            "level": "info",
            "logger": "voice.test.hot.webhook",
            "event": "voice webhook",
            "route": "/voice/incoming",
            "from": "***0143",
            "status": 200,
            "w": "witness",
        }
    )


def test_a_hot_path_line_respects_the_level_and_any_other_handler() -> None:
    logger, handler, stream = queued_logger("voice.test.hot_other")
    logger.setLevel("WARNING")
    info_line(logger, "voice webhook", {"n": 1})
    handler.drain()
    assert stream.getvalue() == ""
    logger.setLevel("INFO")
    # A handler someone added (a test's capture, an operator's file) sees the line as Logger.info sends it.
    seen: list[logging.LogRecord] = []
    extra = logging.Handler()
    extra.emit = seen.append  # type: ignore[method-assign]
    logger.addHandler(extra)
    try:
        info_line(logger, "voice webhook", {"n": 2})
    finally:
        logger.removeHandler(extra)
    handler.drain()
    assert [record.n for record in seen] == [2]  # type: ignore[attr-defined]
    assert json.loads(stream.getvalue())["n"] == 2
