"""The ``flask --app app ...`` commands, one module per group."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    """Add every command group to ``app.cli``."""
    from commands import audit as audit_commands
    from commands import callflow, db, demo, operators, simulate, worker
    from commands import cron as cron_commands
    from commands import custody as custody_commands
    from commands import notify as notify_commands
    from commands import referrals as referral_commands
    from commands import report as report_commands
    from commands import retention as retention_commands

    for command in (
        db.group,
        demo.group,
        worker.command,
        simulate.call,
        simulate.sms,
        custody_commands.group,
        audit_commands.group,
        operators.group,
        callflow.group,
        cron_commands.command,
        retention_commands.group,
        report_commands.group,
        referral_commands.group,
        notify_commands.group,
    ):
        app.cli.add_command(command)
