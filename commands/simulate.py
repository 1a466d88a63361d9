"""``flask call`` and ``flask sms``: hear the hotline without a phone."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from runtime import hotline
from simulator import Call, FlaskTransport, HttpTransport, Texter, TwimlProblem, run_script


def _transport(url: str | None) -> FlaskTransport | HttpTransport:
    from flask import current_app

    if url:
        return HttpTransport(url)
    return FlaskTransport(current_app, hotline().settings.public_base_url)


@click.command("call")
@with_appcontext
@click.option("--url", help="Base URL of a running server (default: in-process).")
@click.option("--from", "caller", default="+12025550143", show_default=True, help="Caller ID, or 'anonymous'.")
@click.option("--script", help='Unattended answers, e.g. "1,2,201345678#,say:mexico".')
@click.option("--outbound", "outbound_sid", help="Answer the notification call with this CallSid.")
@click.option("--pin", help="With --outbound: the PIN to key in (omit to stay silent).")
@click.option("--answered-by", default="human", show_default=True, help="With --outbound: human or machine_start.")
def call(
    url: str | None, caller: str, script: str | None, outbound_sid: str | None, pin: str | None, answered_by: str
) -> None:
    """Call the hotline: hear each prompt, answer with keys or speech."""
    current = hotline().settings
    if outbound_sid:
        sys.exit(answer_outbound(_transport(url), outbound_sid, pin, answered_by))
    simulated = Call(
        _transport(url), current.twilio_auth_token, caller=caller, hotline=current.hotline_number, echo=click.echo
    )
    try:
        if script is not None:
            clean = run_script(simulated, script)
            click.echo(f"call ended: {simulated.ended or 'still waiting for input'}")
            sys.exit(0 if clean else 1)
        simulated.start()
        while not simulated.ended:
            if simulated.waiting_tag == "Record":
                click.prompt("press Enter to leave a message", default="", show_default=False)
                simulated.record()
                continue
            answer = click.prompt("keys, 'say: words', or Enter for silence", default="", show_default=False)
            if answer.startswith("say:"):
                simulated.say(answer[4:].strip())
            elif answer.strip():
                simulated.press(answer.strip())
            else:
                simulated.silence()
        click.echo(f"call ended: {simulated.ended}")
    except TwimlProblem as problem:
        click.echo(f"hotline answered badly: {problem}", err=True)
        sys.exit(2)


@click.command("sms")
@with_appcontext
@click.argument("body")
@click.option("--url", help="Base URL of a running server (default: in-process).")
@click.option("--from", "sender", default="+12025550143", show_default=True)
def sms(body: str, url: str | None, sender: str) -> None:
    """Text the hotline BODY and print the reply."""
    current = hotline().settings
    for reply in Texter(_transport(url), current.twilio_auth_token, sender=sender, hotline=current.hotline_number).send(
        body
    ):
        click.echo(reply)


def answer_outbound(transport: FlaskTransport | HttpTransport, sid: str, pin: str | None, answered_by: str) -> int:
    """Pick up a notification call as Twilio would: answer, key the PIN, hang up (status callback)."""
    from sqlalchemy import select

    from models.notification import NotificationAttempt
    from models.registration import Registration
    from runtime import hotline

    current = hotline().settings
    with hotline().database.session() as session:
        attempt = session.scalar(select(NotificationAttempt).where(NotificationAttempt.sid == sid))
        if attempt is None:
            click.echo(f"no notification call with CallSid {sid}", err=True)
            return 1
        from models.notification import Notification

        notification = session.get(Notification, attempt.notification_id)
        phone = session.get(Registration, notification.registration_id).phone
        notification_id = notification.id
    base = transport.base_url
    simulated = Call(
        transport,
        current.twilio_auth_token,
        caller=phone,
        hotline=current.hotline_number,
        call_sid=sid,
        echo=click.echo,
    )
    try:
        simulated.pick_up(f"{base}/notify/voice/answer/{notification_id}", answered_by)
        if pin is not None and simulated.waiting_tag == "Gather":
            simulated.press(pin + "#")
        simulated.post_status_to(f"{base}/notify/voice/status/{notification_id}", "completed", answered_by)
    except TwimlProblem as problem:
        click.echo(f"hotline answered badly: {problem}", err=True)
        return 2
    click.echo("call ended")
    return 0
