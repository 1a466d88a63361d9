"""Logging (docs/decisions/logging.md): JSON lines for the app's, Flask's and gunicorn's
loggers, and no phone number or A-number in clear in any line."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from config.gunicorn import logconfig_dict
from config.logs import FOREIGN_LOGGERS, JsonFormatter, configure_logging, scrub


def test_flask_and_werkzeug_loggers_write_json(app) -> None:
    configure_logging("INFO")
    for name in FOREIGN_LOGGERS:
        handlers = logging.getLogger(name).handlers
        assert handlers and all(isinstance(h.formatter, JsonFormatter) for h in handlers), name


def test_an_unhandled_flask_error_is_one_json_line_without_the_number(app) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    app.logger.addHandler(handler)
    try:

        @app.get("/boom-for-test")
        def boom() -> str:
            raise ValueError("cannot reach +12025550143 about A201345678")

        app.config["TESTING"] = False
        app.config["PROPAGATE_EXCEPTIONS"] = False
        assert app.test_client().get("/boom-for-test").status_code == 500
    finally:
        app.logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and lines[0]["level"] == "error"
    text = stream.getvalue()
    assert "5550143" not in text and "201345678" not in text and "***0143" in text


def test_gunicorns_own_lines_are_json_even_without_process_ids() -> None:
    # The app switches process ids off in records; gunicorn's default "%(process)d" broke on that.
    logging.logProcesses = False
    logging.config.dictConfig(logconfig_dict)
    stream = io.StringIO()
    logger = logging.getLogger("gunicorn.error")
    (handler,) = logger.handlers
    assert isinstance(handler.formatter, JsonFormatter)
    handler.setStream(stream)
    logger.info("Booting worker with pid: %s", 4242)
    assert json.loads(stream.getvalue())["event"] == "Booting worker with pid: 4242"


def test_scrub_masks_numbers_but_keeps_call_sids() -> None:
    sid = "CA" + "1" * 32
    line = scrub(
        f"call {sid} from +12025550143 typed 2025550177 or 202-555-0188 about A201345678 and 201-345-679 "
        "at 2026-11-30T12:00:00"
    )
    assert sid in line and "5550143" not in line and "5550177" not in line and "555-0188" not in line
    assert "201345678" not in line and "201-345-679" not in line
    assert "2026-11-30T12:00:00" in line


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+12025550143", "***0143"),
        ("(202) 555-0143", "***0143"),
        ("202-555-01 43", "***0143"),
        ("0143", "***0143"),
        ("143", "***"),
        ("+1 202 555 0143 ext", "***0143"),
        ("", "(none)"),
        (None, "(none)"),
    ],
)
def test_a_number_is_masked_to_its_last_four_digits(number: str | None, masked: str) -> None:
    from callflows.masking import mask_phone

    assert mask_phone(number) == masked
