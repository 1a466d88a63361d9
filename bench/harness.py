"""Shared benchmark plumbing: gunicorn on loopback, signed request bodies, wrk.

Every webhook benchmark measures the hotline and the bare-Flask baseline
(``bench/bare.py``) with the same gunicorn settings in the same run and prints
the ratio, because absolute figures depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
AUTH_TOKEN = "bench-auth-token"
# The server's SECRET_KEY in every benchmark run: the load generator seals call state with it,
# as the hotline itself does in the action URLs it renders (web/phone/url_state.py).
SECRET_KEY = "bench-secret-key-" + "0" * 48


def sealed_path(path: str, state: Mapping[str, str]) -> str:
    """``path`` with a call state as the hotline renders it: node, tries, language, the rest sealed."""
    from callflows.engine import CallState
    from config import derive_key
    from web.phone.url_state import UrlStateCodec

    plain = {k: state[k] for k in ("n", "t", "l") if k in state}
    ctx = tuple(sorted((k, v) for k, v in state.items() if k not in plain))
    call = CallState(node=plain["n"], lang=plain.get("l"), tries=int(plain.get("t", "0")), ctx=ctx)
    return UrlStateCodec(derive_key(SECRET_KEY, "voice url state")).url(path, call)


def voice_form(caller: str, status: str = "in-progress", **fields: str) -> dict[str, str]:
    """A voice webhook's form as Twilio posts it: a new CallSid from ``caller`` to the hotline's number."""
    return {
        "CallSid": "CA" + secrets.token_hex(16),
        "AccountSid": "AC" + "0" * 32,
        "From": caller,
        "To": "+18554886423",
        "CallStatus": status,
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **fields,
    }


def add_postgres_server_flag(parser: argparse.ArgumentParser) -> None:
    """``--database-url``: the PostgreSQL server a scratch database is made on (and ``--skip-postgres``)."""
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres",
        help="A PostgreSQL server; a scratch database is created on it and dropped afterwards.",
    )
    parser.add_argument("--skip-postgres", action="store_true")


def require_quiet_machine(allow_busy: bool = False) -> None:
    """Print the load average; refuse to measure when it is above the core count (unless ``allow_busy``).

    A ratio measured while something else uses the cores says more about that something than about us.
    """
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    print(f"load average {load:.2f} on {cores} cores", flush=True)
    if load > cores and not allow_busy:
        raise SystemExit(
            f"the machine is busy (load {load:.2f} > {cores} cores): not measuring (--allow-busy to insist)"
        )


def add_busy_flag(parser: argparse.ArgumentParser) -> None:
    """The ``--allow-busy`` flag every benchmark takes."""
    parser.add_argument("--allow-busy", action="store_true", help="measure even when the load average is high")


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(
    app_spec: str, env: Mapping[str, str] | None = None, workers: int = 2, port: int | None = None
) -> Iterator[str]:
    """Run ``app_spec`` under gunicorn on ``port`` (a free one by default); yields its base URL."""
    port = port or free_port()
    command = [
        str(BIN / "gunicorn"),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--backlog", "2048",
        "--log-level", "warning",
        app_spec,
    ]  # fmt: skip
    full_env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
    log = tempfile.NamedTemporaryFile("w", prefix="voice-bench-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({app_spec})")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        # Let every worker boot; the hotline's workers also build their ZIP table on a thread at
        # start (about 1.5 s of CPU each), which would otherwise fall inside the first measurement.
        time.sleep(1.0 if app_spec.startswith("bench.") else 4.0)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
        os.unlink(log.name)


@dataclass(frozen=True)
class SignedRequest:
    """One POST as Twilio would send it: path, form body and signature."""

    path: str
    body: str
    signature: str


def sign_requests(
    base_url: str, path: str, forms: list[dict[str, str]], token: str = AUTH_TOKEN
) -> list[SignedRequest]:
    """Sign each form for ``base_url + path`` with ``token``."""
    validator = RequestValidator(token)
    return [SignedRequest(path, urlencode(form), validator.compute_signature(base_url + path, form)) for form in forms]


def _lua(requests: list[SignedRequest]) -> str:
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    entries = ",\n".join(f"{{{quote(r.path)}, {quote(r.body)}, {quote(r.signature)}}}" for r in requests)
    return f"""
local requests = {{
{entries}
}}
local i = 0
request = function()
  i = (i % #requests) + 1
  local r = requests[i]
  return wrk.format("POST", r[1], {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = r[3],
  }}, r[2])
end
"""


@dataclass(frozen=True)
class Result:
    """What wrk measured."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(base_url: str, requests: list[SignedRequest], seconds: int = 10, connections: int = 64) -> Result:
    """Load ``base_url`` with the signed requests in turn; returns requests/s and latency."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(requests))
    try:
        output = subprocess.run(
            [wrk, "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", script.name, base_url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M)[1])  # type: ignore[index]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M)[1])  # type: ignore[index]
    errors = 0
    for pattern in (
        r"Non-2xx or 3xx responses: (\d+)",
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
    ):
        match = re.search(pattern, output)
        if match:
            errors += sum(int(g) for g in match.groups())
    return Result(rps, p50, p99, errors)


def report(name: str, result: Result, baseline: Result) -> str:
    """One line: requests/s, p50, p99, errors, and the ratio to the baseline."""
    ratio = result.requests_per_second / baseline.requests_per_second
    return (
        f"{name:<28} {result.requests_per_second:9.0f} req/s   p50 {result.p50_ms:6.1f} ms   "
        f"p99 {result.p99_ms:6.1f} ms   errors {result.errors:<5} ratio to bare {ratio:.2f}"
    )


@contextmanager
def scratch_postgres(server_url: str, prefix: str) -> Iterator[str]:
    """A new, empty database ``<prefix>_<random>`` on ``server_url``'s server, as a URL; dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(server_url)
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def embedded_backend(database_url: str | None = None) -> Iterator[dict[str, str]]:
    """A migrated database (a temporary SQLite file by default) and an embedded Redis, as env vars."""
    from embedded.redis import EmbeddedRedis
    from models import migrate

    with tempfile.TemporaryDirectory(prefix="voice-bench-") as tmp:
        url = database_url or f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        with EmbeddedRedis(Path(tmp) / "redis", persist=False) as redis_server:
            yield {
                "DATABASE_URL": url,
                "REDIS_URL": redis_server.url,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "SECRET_KEY": SECRET_KEY,
                # Production log level: the one line per webhook is part of the cost.
                "LOG_LEVEL": "INFO",
            }
