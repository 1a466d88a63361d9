"""``flask call`` and ``flask sms``: hear the hotline without a phone."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ivr.extensions import settings
from simulator import Call, FlaskTransport, HttpTransport, Texter, TwimlProblem, run_script


def _transport(url: str | None) -> FlaskTransport | HttpTransport:
    from flask import current_app

    if url:
        return HttpTransport(url)
    return FlaskTransport(current_app, settings().public_base_url)


@click.command("call")
@with_appcontext
@click.option("--url", help="Base URL of a running server (default: in-process).")
@click.option("--from", "caller", default="+12025550143", show_default=True, help="Caller ID, or 'anonymous'.")
@click.option("--script", help='Unattended answers, e.g. "1,2,201345678#,say:mexico".')
def call(url: str | None, caller: str, script: str | None) -> None:
    """Call the hotline: hear each prompt, answer with keys or speech."""
    current = settings()
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
    current = settings()
    for reply in Texter(_transport(url), current.twilio_auth_token, sender=sender, hotline=current.hotline_number).send(
        body
    ):
        click.echo(reply)
