"""``python -m embedded``: the whole hotline on one machine with nothing but Python.

Starts a real Redis server (unless REDIS_URL is set), applies the migrations,
loads the demo data, then runs the Procfile's web and worker processes with
honcho until Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from embedded.redis import EmbeddedRedis

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
BIN = Path(sys.executable).parent


DEV_AUTH_TOKEN = "dev-auth-token"


def without_password(url: str) -> str:
    """``url`` with any password in it replaced by ``***`` (a banner is copied into chats and tickets)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def banner(base: str, port: int, redis_url: str, database_url: str, token: str) -> str:
    """What to open, what to paste into the Twilio console, and how to stop; never a secret.

    The development token is printed (it is in the README and works on loopback only); a
    real one is not, nor a password inside the database or Redis address.
    """
    signing = (
        f"the simulator signs with TWILIO_AUTH_TOKEN={token!r}"
        if token == DEV_AUTH_TOKEN
        else "the simulator signs with your TWILIO_AUTH_TOKEN (not shown)"
    )
    database_url, redis_url = without_password(database_url), without_password(redis_url)
    return f"""
================================================================================
 VOICE hotline (1-855-48-VOICE) is starting on the embedded default
   web            http://127.0.0.1:{port}/          health: http://127.0.0.1:{port}/healthz
   operators      http://127.0.0.1:{port}/ops/      (demo log-ins: see the README)
                  served by the office process group on http://127.0.0.1:{port + 100}/ops/
   database       {database_url}
   redis          {redis_url}

 Twilio console (Phone Numbers > your number), with PUBLIC_BASE_URL={base}
   A call comes in      POST {base}/voice/incoming
   Primary handler fails POST {base}/voice/fallback
   Call status changes  POST {base}/voice/status
   A message comes in   POST {base}/sms/incoming
   Messaging fallback   POST {base}/sms/fallback
   NEUTRAL_NUMBER's calls POST {base}/voice/neutral  (the caller ID of call backs; answers one neutral sentence)
   (set PUBLIC_BASE_URL to your public https address and TWILIO_AUTH_TOKEN to your token)

 Hear it without a phone (another terminal):
   .venv/bin/flask --app app call --url http://127.0.0.1:{port}
   .venv/bin/flask --app app sms --url http://127.0.0.1:{port} "STATUS A201345678 MEXICO"
   ({signing}; export the same value there)

 Stop everything: Ctrl-C
================================================================================
"""


def supervise(honcho: subprocess.Popen[bytes]) -> int:
    """Wait for honcho; the first Ctrl-C or SIGTERM is passed on once, later ones are ignored.

    honcho runs web and worker in sessions of their own, so a terminal's Ctrl-C
    reaches only this process and honcho; honcho then sends SIGTERM to both
    (gunicorn and rq stop gracefully on it). Returns 0 for a requested stop.
    """
    requested: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        if not requested:
            requested.append(signum)
            honcho.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    status = honcho.wait()
    return 0 if requested else status


def run(argv: list[str] | None = None) -> int:
    """Start Redis, migrate, load demo data, run web + worker; returns the exit status.

    Stops in dependency order: web and worker first, then the Redis they use,
    with one goodbye line and no traceback.
    """
    parser = argparse.ArgumentParser(prog="python -m embedded", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument("--no-demo", action="store_true", help="Skip loading demo data.")
    parser.add_argument("--var-dir", type=Path, default=VAR, help="Where the SQLite file and Redis's files live.")
    args = parser.parse_args(argv)

    var = args.var_dir.resolve()
    var.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{var / 'voice.db'}")
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{args.port}")
    env.setdefault("TWILIO_AUTH_TOKEN", DEV_AUTH_TOKEN)
    # honcho gives each Procfile line PORT = base + 100 × its place: web, office, worker.
    # The web group answers Twilio; it sends /ops and /api to the office group.
    env.setdefault("OFFICE_URL", f"http://127.0.0.1:{args.port + 100}")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    # /metrics adds up the gunicorn workers' counts from files here (prometheus-client's multiprocess mode).
    metrics_dir = var / "metrics"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir()
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))

    redis_server = None
    status = 1
    try:
        if not env.get("REDIS_URL"):
            # Its own session: a terminal's Ctrl-C must not stop Redis before the worker.
            redis_server = EmbeddedRedis(var / "redis", persist=True).start()
            env["REDIS_URL"] = redis_server.url
        flask = [str(BIN / "flask"), "--app", "app"]
        steps = [[*flask, "db", "upgrade"]] + ([] if args.no_demo else [[*flask, "demo", "load"]])
        for step in steps:
            subprocess.run(step, env=env, cwd=ROOT, check=True, start_new_session=True)
        print(
            banner(env["PUBLIC_BASE_URL"], args.port, env["REDIS_URL"], env["DATABASE_URL"], env["TWILIO_AUTH_TOKEN"]),
            flush=True,
        )
        honcho = subprocess.Popen(
            [str(BIN / "honcho"), "-f", str(ROOT / "Procfile"), "start", "-p", str(args.port)],
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        status = supervise(honcho)
    except KeyboardInterrupt:
        # Ctrl-C before web and worker were running: nothing of theirs to stop.
        status = 0
    except subprocess.CalledProcessError as error:
        print(f"start-up step failed: {' '.join(error.cmd)}", file=sys.stderr)
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if redis_server is not None:
            redis_server.stop()
    print(
        "VOICE hotline stopped: web and worker first, then Redis. Goodbye."
        if status == 0
        else f"VOICE hotline stopped (exit status {status}).",
        flush=True,
    )
    return status


if __name__ == "__main__":
    sys.exit(run())
