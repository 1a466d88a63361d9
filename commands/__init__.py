"""The ``flask --app app ...`` commands, one module per group."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    """Add every command group to ``app.cli``."""
    from commands import db, demo, simulate, worker

    for command in (db.group, demo.group, worker.command, simulate.call, simulate.sms):
        app.cli.add_command(command)
