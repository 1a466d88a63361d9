"""Ctrl-C on the first README command: web and worker stop first, Redis last, one goodbye, no traceback."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from embedded.redis import free_port

ROOT = Path(__file__).resolve().parents[2]
GOODBYE = "VOICE hotline stopped: web and worker first, then Redis. Goodbye."

pytestmark = pytest.mark.slow


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Runner:
    """``python -m embedded`` in a process group of its own, as a terminal runs it."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'voice.db'}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "embedded", "--port", str(self.port), "--no-demo", "--var-dir", str(tmp_path)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_until_serving(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the runner exited early:\n{self.output}")
            worker_ready = "worker starting" in self.output and "cron starting" in self.output
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                if worker_ready:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop(signal.SIGKILL)
        pytest.fail(f"the hotline did not start within {timeout} s:\n{self.output}")

    def ctrl_c(self) -> int:
        """Send SIGINT to the whole foreground group, as a terminal's Ctrl-C does."""
        return self.stop(signal.SIGINT)

    def stop(self, signum: int) -> int:
        os.killpg(self.process.pid, signum)
        try:
            status = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            pytest.fail(f"the runner did not stop within 60 s:\n{self.output}")
        self.reader.join(timeout=5)
        return status


@pytest.fixture(scope="module")
def stopped(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[str]]:
    """Start the hotline, press Ctrl-C once, and keep the exit status and the output."""
    runner = Runner(tmp_path_factory.mktemp("embedded"))
    runner.wait_until_serving()
    status = runner.ctrl_c()
    return status, runner.lines


def test_ctrl_c_exits_cleanly_with_one_goodbye_line(stopped: tuple[int, list[str]]) -> None:
    status, lines = stopped
    assert status == 0, "\n".join(lines)
    assert [line for line in lines if line.strip()][-1] == GOODBYE
    assert sum(GOODBYE in line for line in lines) == 1


def test_ctrl_c_stops_web_and_worker_while_redis_still_answers(stopped: tuple[int, list[str]]) -> None:
    _status, lines = stopped
    text = "\n".join(lines)
    # rq's warm shutdown writes to Redis: it fails with ConnectionError when Redis went first.
    assert "ConnectionError" not in text
    assert "worker stopped" in text and "cron stopped" in text
    assert re.search(r"web\.1 stopped", text) and re.search(r"worker\.1 stopped", text)
    redis_port = int(re.search(r"redis\s+redis://127\.0\.0\.1:(\d+)/", text)[1])
    assert not _listening(redis_port), "Redis is still running after the goodbye"
    assert text.index("worker stopped") < text.index(GOODBYE)


def test_ctrl_c_prints_no_traceback_from_the_runner_or_the_worker(stopped: tuple[int, list[str]]) -> None:
    _status, lines = stopped
    ours = [line for line in lines if not line.split("|", 1)[0].strip().endswith("web.1")]
    assert not any("Traceback" in line for line in ours), "\n".join(lines)


def test_ctrl_c_prints_no_traceback_from_gunicorn(stopped: tuple[int, list[str]]) -> None:
    _status, lines = stopped
    assert not any("Traceback" in line or "Logging error" in line for line in lines), "\n".join(lines)
