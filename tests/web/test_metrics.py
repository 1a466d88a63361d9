"""``/metrics``: Prometheus text for configured addresses or the token; latency by route, backlog, queues."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from embedded.redis import free_port
from models import CallbackRequest, OutboxMessage
from tests.conftest import AUTH_TOKEN, close_app

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.9"}


def value(text: str, name: str, default: float | None = None, **labels: str) -> float:
    """One sample's value from the exposition text (``default`` when the sample is absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if match and match[1] == name and ",".join(sorted((match[2] or "").split(","))) == wanted:
            return float(match[3])
    if default is not None:
        return default
    raise AssertionError(f"no sample {name}{{{wanted}}}")


def test_metrics_count_webhooks_by_route_and_report_queues_and_outbox(app, client, call) -> None:
    call()
    call()
    with app.extensions["hotline"].database.session() as session:
        request = CallbackRequest(phone="+12025550111", language="en", source="voice")
        session.add(request)
        session.flush()
        OutboxMessage.add(session, "workers.callbacks.acknowledge_request", request.id, queue="high")

    response = client.get("/metrics", environ_base=LOOPBACK)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert value(text, "voice_webhook_seconds_count", route="voice.incoming") >= 2
    assert value(text, "voice_webhook_seconds_bucket", route="voice.incoming", le="15.0") >= 2
    assert value(text, "voice_answers_total", route="voice.incoming", status="200") >= 2
    assert value(text, "voice_outbox_backlog") == 1
    assert value(text, "voice_queue_depth", queue="high") == 0
    assert value(text, "voice_jobs_failed", queue="default") == 0
    assert value(text, "voice_redis_up") == 1 and value(text, "voice_database_up") == 1
    # A call's state rides in the query string: it must never become a label.
    assert "CA" not in "".join(line for line in text.splitlines() if line.startswith("voice_"))


def test_metrics_refuse_other_addresses_without_the_token(app, client) -> None:
    assert client.get("/metrics", environ_base=ELSEWHERE).status_code == 403


def test_metrics_accept_the_token_from_anywhere_and_refuse_a_wrong_one(app, client) -> None:
    hotline = app.extensions["hotline"]
    hotline.settings = hotline.settings.replace(metrics_token="scrape-token-0123456789")
    good = {"Authorization": "Bearer scrape-token-0123456789"}
    bad = {"Authorization": "Bearer scrape-token-wrong"}
    assert client.get("/metrics", environ_base=ELSEWHERE, headers=good).status_code == 200
    assert client.get("/metrics", environ_base=ELSEWHERE, headers=bad).status_code == 403


@pytest.mark.slow
def test_under_gunicorn_the_workers_counts_are_added_up(settings, tmp_path: Path) -> None:
    """Multiprocess mode: requests served by either of two workers all show in one scrape."""
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "app:create_app()",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        # Readiness is asked of /metrics, not of the route being counted: the master listens before its
        # workers boot, so a poll that gave up waiting would still be served, and counted, later.
        while True:
            try:
                urllib.request.urlopen(base + "/metrics", timeout=30)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.2)
        before = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
        for _ in range(40):
            urllib.request.urlopen(base + "/healthz", timeout=10)
        after = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
        counted = value(after, "voice_answers_total", route="health.healthz", status="200") - value(
            before, "voice_answers_total", default=0.0, route="health.healthz", status="200"
        )
        assert counted == 40
        # Each worker writes its own file; the scrape added them up.
        assert list(metrics_dir.glob("counter_*.db"))
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize(
    "headers",
    [{"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"}, {"X-Real-IP": "203.0.113.9"}],
)
def test_a_loopback_connection_through_an_undeclared_proxy_needs_the_token(client, headers) -> None:
    # A proxy on this host forwarding outside traffic connects from 127.0.0.1.
    assert client.get("/metrics", environ_base=LOOPBACK, headers=headers).status_code == 403


def test_in_production_the_address_alone_is_not_enough(app, client) -> None:
    hotline = app.extensions["hotline"]
    hotline.settings = hotline.settings.replace(env="production")
    assert client.get("/metrics", environ_base=LOOPBACK).status_code == 403


def test_behind_a_declared_proxy_the_forwarded_client_is_checked(settings) -> None:
    from app import create_app

    proxied = create_app(settings.replace(trust_proxy_headers=1))
    try:
        client = proxied.test_client()
        outside = client.get("/metrics", environ_base=LOOPBACK, headers={"X-Forwarded-For": "203.0.113.9"})
        assert outside.status_code == 403
        inside = client.get("/metrics", environ_base=LOOPBACK, headers={"X-Forwarded-For": "127.0.0.1"})
        assert inside.status_code == 200
    finally:
        close_app(proxied)
