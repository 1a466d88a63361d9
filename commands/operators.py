"""``flask operators add|revoke|list|token``: operator accounts and their API tokens."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from callflows.offices import load_offices
from callflows.phones import to_e164
from models.base import Database, utcnow
from models.operator import ROLES, ApiToken, Operator
from models.passwords import password_problem
from runtime import hotline

group = AppGroup("operators", help="Operator accounts and API tokens.")

# Demo log-ins (printed in the README): created only outside production by ``flask demo load``, and
# strong by the same rule as every account (a demo that teaches weak passwords gets copied).
DEMO_OPERATORS = (
    ("operator@voice.demo", "Olivia Operator", "operator", "+12025550181", "amber kettle frost ninety"),
    ("operator2@voice.demo", "Oscar Operator", "operator", "+12025550182", "copper lantern meadow sixty"),
    ("supervisor@voice.demo", "Sam Supervisor", "supervisor", "+12025550183", "violet harbor pencil thirty"),
    ("admin@voice.demo", "Ada Admin", "admin", "+12025550184", "granite otter whistle eleven"),
)
# A Community Relations Officer of the El Paso field office, where the demo detainee is held.
DEMO_CRO = ("cro@voice.demo", "Carmen CRO", "cro", "+12025550185", "saffron canyon ladder forty", "ELP")


def _phone(value: str | None) -> str | None:
    if not value:
        return None
    number = to_e164(value)
    if number is None:
        raise click.BadParameter(f"not a phone number: {value}", param_hint="--phone")
    return number


def _office(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().upper()
    if code not in load_offices():
        known = ", ".join(sorted(load_offices()))
        raise click.BadParameter(f"unknown field office {value!r} (one of {known})", param_hint="--office")
    return code


@group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="operator", show_default=True)
@click.option("--name", default="", help="Display name.")
@click.option("--phone", help="The phone the hotline rings for call backs.")
@click.option("--office", help="Field office code (e.g. HOU); required for --role cro.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Dashboard password.")
def add(email: str, role: str, name: str, phone: str | None, office: str | None, password: str) -> None:
    """Create an operator account and print its API token (shown once)."""
    problem = password_problem(password, email, name)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    field_office = _office(office)
    if role == "cro" and field_office is None:
        raise click.BadParameter("a Community Relations Officer belongs to a field office", param_hint="--office")
    with hotline().database.session() as session:
        if Operator.by_email(session, email) is not None:
            raise click.ClickException(f"{email} already has an account")
        operator = Operator(
            email=email.strip().lower(), name=name, role=role, phone=_phone(phone), field_office=field_office
        )
        operator.set_password(password)
        session.add(operator)
        session.flush()
        token = ApiToken.issue(session, operator)
    click.echo(f"operator {email} added ({role}{', ' + field_office if field_office else ''})")
    click.echo(f"API token (shown once, store it now): {token}")


@group.command("token")
@click.argument("email")
def token(email: str) -> None:
    """Issue another API token for EMAIL (shown once)."""
    with hotline().database.session() as session:
        operator = Operator.by_email(session, email)
        if operator is None or not operator.active:
            raise click.ClickException(f"no active account for {email}")
        issued = ApiToken.issue(session, operator)
    click.echo(f"API token (shown once, store it now): {issued}")


@group.command("revoke")
@click.argument("email")
def revoke(email: str) -> None:
    """Disable EMAIL's account and revoke all its API tokens."""
    with hotline().database.session() as session:
        operator = Operator.by_email(session, email)
        if operator is None:
            raise click.ClickException(f"no account for {email}")
        operator.active = False
        operator.end_sessions()
        revoked = ApiToken.revoke_all(session, operator, utcnow())
    click.echo(f"operator {email} revoked ({revoked} API token(s))")


@group.command("list")
def list_operators() -> None:
    """List the operator accounts."""
    with hotline().database.session() as session:
        live = dict(
            session.execute(
                select(ApiToken.operator_id, func.count())
                .where(ApiToken.revoked_at.is_(None))
                .group_by(ApiToken.operator_id)
            ).all()
        )
        for operator in session.scalars(select(Operator).order_by(Operator.email)):
            state = "active" if operator.active else "revoked"
            click.echo(
                f"{operator.email:32} {operator.role:10} {operator.field_office or '-':6} {state:8} "
                f"tokens={live.get(operator.id, 0)} {operator.name}"
            )


def load_demo(database: Database, echo: Callable[[str], None]) -> None:
    """Demo operator accounts with known passwords (the demo requests come from the call-tree loader)."""
    with database.session() as session:
        for email, name, role, phone, password, *office in (*DEMO_OPERATORS, DEMO_CRO):
            if Operator.by_email(session, email) is None:
                operator = Operator(email=email, name=name, role=role, phone=phone, field_office=(office or [None])[0])
                operator.set_password(password)
                session.add(operator)
                echo(f"  operator {email} / {password} ({role})")
