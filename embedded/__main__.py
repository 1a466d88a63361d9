"""``python -m embedded``: the whole hotline on one machine with nothing but Python.

Starts a real Redis server (unless REDIS_URL is set), applies the migrations,
loads the demo data, then runs the Procfile's web and worker processes with
honcho until Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from embedded.redis import EmbeddedRedis

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
BIN = Path(sys.executable).parent


def banner(base: str, port: int, redis_url: str, database_url: str, token: str) -> str:
    """What to open, what to paste into the Twilio console, and how to stop."""
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
   (set PUBLIC_BASE_URL to your public https address and TWILIO_AUTH_TOKEN to your token)

 Hear it without a phone (another terminal):
   .venv/bin/flask --app app call --url http://127.0.0.1:{port}
   .venv/bin/flask --app app sms --url http://127.0.0.1:{port} "STATUS A201345678 MEXICO"
   (the simulator signs with TWILIO_AUTH_TOKEN={token!r}; export the same value there)

 Stop everything: Ctrl-C
================================================================================
"""


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run(argv: list[str] | None = None) -> int:
    """Start Redis, migrate, load demo data, run web + worker; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m embedded", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument("--no-demo", action="store_true", help="Skip loading demo data.")
    args = parser.parse_args(argv)

    VAR.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{VAR / 'voice.db'}")
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{args.port}")
    env.setdefault("TWILIO_AUTH_TOKEN", "dev-auth-token")
    # honcho gives each Procfile line PORT = base + 100 × its place: web, office, worker.
    # The web group answers Twilio; it sends /ops and /api to the office group.
    env.setdefault("OFFICE_URL", f"http://127.0.0.1:{args.port + 100}")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"

    redis_server = None
    if not env.get("REDIS_URL"):
        redis_server = EmbeddedRedis(VAR / "redis", persist=True).start()
        env["REDIS_URL"] = redis_server.url
    flask = [str(BIN / "flask"), "--app", "app"]
    try:
        subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True)
        if not args.no_demo:
            subprocess.run([*flask, "demo", "load"], env=env, cwd=ROOT, check=True)
        print(
            banner(env["PUBLIC_BASE_URL"], args.port, env["REDIS_URL"], env["DATABASE_URL"], env["TWILIO_AUTH_TOKEN"])
        )
        honcho = subprocess.Popen(
            [str(BIN / "honcho"), "-f", str(ROOT / "Procfile"), "start", "-p", str(args.port)], env=env, cwd=ROOT
        )
        # Stop the processes before the Redis they use, whether by Ctrl-C or SIGTERM.
        signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            return honcho.wait()
        except KeyboardInterrupt:
            honcho.send_signal(signal.SIGINT)
            try:
                return honcho.wait(timeout=20)
            except subprocess.TimeoutExpired:
                honcho.kill()
                return 1
    except subprocess.CalledProcessError as error:
        print(f"start-up step failed: {' '.join(error.cmd)}", file=sys.stderr)
        return 1
    finally:
        if redis_server is not None:
            redis_server.stop()
            print("embedded redis stopped")


if __name__ == "__main__":
    sys.exit(run())
