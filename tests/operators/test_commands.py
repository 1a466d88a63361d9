"""``flask operators``: accounts with a token shown once, revocation, listing, demo accounts."""

from __future__ import annotations

import re

from models import ApiToken, Operator
from tests.operators.conftest import bearer, log_in

STRONG = "quiet walnut river seventy"


def test_add_prints_a_working_token_once_and_stores_only_its_hash(runner, client, database) -> None:
    result = runner.invoke(
        args=["operators", "add", "Ana@Voice.test", "--role", "supervisor", "--name", "Ana", "--phone",
              "202-555-0150", "--password", STRONG]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    token = re.search(r"(vop_\S+)", result.output)[1]
    assert client.get("/api/stats", headers=bearer(token)).status_code == 200
    with database.session() as session:
        operator = Operator.by_email(session, "ana@voice.test")
        assert operator.role == "supervisor" and operator.phone == "+12025550150"
        assert operator.password_hash.startswith("$argon2id$")
        stored = session.query(ApiToken).one()
        assert token not in stored.token_hash
    assert log_in(client, "ana@voice.test", STRONG).status_code == 302

    listed = runner.invoke(args=["operators", "list"])
    assert "ana@voice.test" in listed.output and "tokens=1" in listed.output
    revoked = runner.invoke(args=["operators", "revoke", "ana@voice.test"])
    assert "1 API token" in revoked.output
    assert client.get("/api/stats", headers=bearer(token)).status_code == 401


def test_add_asks_for_the_password_when_not_given(runner) -> None:
    result = runner.invoke(args=["operators", "add", "bo@voice.test"], input=f"{STRONG}\n{STRONG}\n")
    assert result.exit_code == 0, result.output
    duplicate = runner.invoke(args=["operators", "add", "bo@voice.test", "--password", STRONG])
    assert duplicate.exit_code != 0 and "already has an account" in duplicate.output


def test_demo_load_creates_the_demo_log_ins(runner, client) -> None:
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert log_in(client, "supervisor@voice.demo", "violet harbor pencil thirty").status_code == 302
    assert client.get("/ops/supervisor").status_code == 200
