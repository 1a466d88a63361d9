"""``flask notify pending|send-due|stats``: custody-change notifications."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from models.notification import Notification
from models.registration import Registration
from runtime import hotline
from workers.notify import SendingRate, call_due, create_due, send_due_texts
from workers.twilio_rest import twilio_client

group = AppGroup("notify", help="Custody-change notifications: registrations, texts and calls.")


@group.command("pending")
def pending_command() -> None:
    """Turn new custody events into notifications and show what is waiting to be sent."""
    current = hotline()
    created = create_due(current.database, current.settings)
    with current.database.session() as session:
        texts = session.scalar(select(func.count()).where(Notification.sms_state == "due")) or 0
        calls = session.scalar(select(func.count()).where(Notification.voice_state == "due")) or 0
    click.echo(f"notifications: {created} created; {texts} texts and {calls} calls waiting")


@group.command("send-due")
@click.option("--limit", default=500, show_default=True, help="At most this many texts and calls in this run.")
def send_due_command(limit: int) -> None:
    """Create notifications from new custody events, then send the texts and place the calls that are due."""
    current = hotline()
    settings = current.settings
    created = create_due(current.database, settings)
    client = twilio_client(settings)
    texts = send_due_texts(
        current.database,
        settings,
        client,
        SendingRate(current.redis, settings.notifications.rate_per_number),
        limit=limit,
    )
    calls = call_due(current.database, settings, client, limit=limit)
    click.echo(
        f"notifications: {created} created; texts {texts.sent} sent, {texts.reconciled} reconciled, "
        f"{texts.deferred} waiting for allowed hours, {texts.skipped} skipped, {texts.failed} to retry; "
        f"calls {calls.placed} placed, {calls.deferred} waiting for allowed hours, {calls.expired} expired"
    )


@group.command("stats")
def stats_command() -> None:
    """Registrations by status and notifications by delivery state."""
    with hotline().database.session() as session:
        registrations = dict(
            session.execute(select(Registration.status, func.count()).group_by(Registration.status)).all()
        )
        texts = dict(
            session.execute(
                select(Notification.sms_state, func.count())
                .where(Notification.sms_state.is_not(None))
                .group_by(Notification.sms_state)
            ).all()
        )
        calls = dict(
            session.execute(
                select(Notification.voice_state, func.count())
                .where(Notification.voice_state.is_not(None))
                .group_by(Notification.voice_state)
            ).all()
        )
    show = lambda counts: ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"  # noqa: E731
    click.echo(f"registrations: {show(registrations)}")
    click.echo(f"texts: {show(texts)}")
    click.echo(f"calls: {show(calls)}")
