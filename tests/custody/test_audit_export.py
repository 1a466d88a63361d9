"""The privacy officer's export: every look-up attempt as CSV, caller numbers only as keyed hashes."""

from __future__ import annotations

import csv
import io

from models.audit import hash_caller

TEXTER = "+12025550143"


def test_audit_export_writes_every_attempt_since_a_date(app, runner, texter, call, custody_demo, tmp_path) -> None:
    sender = texter(TEXTER)
    sender.send("STATUS A201345678 MEXICO")
    sender.send("STATUS A209999999 MEXICO")
    output = tmp_path / "audit.csv"
    result = runner.invoke(args=["audit", "export", "--since", "2026-01-01", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "2 look-up attempts" in result.output
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert [r["result"] for r in rows] == ["disclosed", "not_found"]
    first = rows[0]
    assert first["channel"] == "sms" and first["a_number"] == "201345678" and first["country"] == "MX"
    assert first["fields_disclosed"] == "facility_name,city,state,phone" and first["flagged"] == "no"
    assert first["caller_hash"] == hash_caller(TEXTER, "test-audit-key-0123456789abcdef-012")
    assert TEXTER not in output.read_text(encoding="utf-8") and "2025550143" not in output.read_text()


def test_audit_export_to_stdout_leaves_out_earlier_days(app, runner, texter, custody_demo) -> None:
    texter(TEXTER).send("STATUS A201345678 MEXICO")
    result = runner.invoke(args=["audit", "export", "--since", "2999-01-01"])
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows == [
        ["at", "channel", "sid", "caller_hash", "a_number", "country", "result", "fields_disclosed", "flagged"]
    ]


def test_audit_export_refuses_a_bad_date(runner) -> None:
    result = runner.invoke(args=["audit", "export", "--since", "last tuesday"])
    assert result.exit_code != 0 and "expected a date" in result.output
