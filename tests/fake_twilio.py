"""A local stand-in for Twilio's REST API that records what the real client sends.

Only the HTTP boundary is replaced: the hotline's code uses the real ``twilio``
client, pointed here with ``TWILIO_API_BASE_URL``.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class RecordedRequest:
    """One request the client made."""

    method: str
    path: str
    form: dict[str, list[str]]
    account_sid: str | None

    def value(self, name: str) -> str | None:
        """The first value of a form field."""
        values = self.form.get(name)
        return values[0] if values else None


@dataclass
class FakeTwilio:
    """The fake server's recording, and knobs for failures."""

    requests: list[RecordedRequest] = field(default_factory=list)
    # Numbers that answer like an opted-out number (Twilio error 21610).
    opted_out: set[str] = field(default_factory=set)
    fail_next: int = 0
    base_url: str = ""
    # Recording SIDs Twilio answers 404 for (already deleted).
    missing_recordings: set[str] = field(default_factory=set)
    # What Twilio holds after each creation (listed by GET .../Messages.json, as Twilio's message list).
    created: list[dict[str, object]] = field(default_factory=list)
    # Called with each created message or call after it is recorded and before the answer is written
    # (a test kills the sending worker here: Twilio has the text, the worker never marks it).
    on_created: Callable[[dict[str, object]], None] | None = None
    # How many of the next creations are recorded but never answered (the connection closes first), as
    # when the sender dies or the network breaks between Twilio's answer and the sender reading it.
    lose_answers: int = 0

    def messages(self) -> list[RecordedRequest]:
        """Messages.json creations, oldest first."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/Messages.json")]

    def deleted_recordings(self) -> list[str]:
        """SIDs of recordings deleted (DELETE requests), oldest first."""
        return [
            r.path.rsplit("/", 1)[-1].removesuffix(".json")
            for r in self.requests
            if r.method == "DELETE" and "/Recordings/" in r.path
        ]

    def calls(self) -> list[RecordedRequest]:
        """Calls.json creations, oldest first."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/Calls.json")]


def start_fake_twilio() -> tuple[FakeTwilio, ThreadingHTTPServer]:
    """Start the fake on a free loopback port; returns its state and server."""
    state = FakeTwilio()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            auth = self.headers.get("Authorization", "")
            account = None
            if auth.startswith("Basic "):
                account = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
            path = urlsplit(self.path).path
            request = RecordedRequest("POST", path, form, account)
            with lock:
                state.requests.append(request)
                failing = state.fail_next > 0
                if failing:
                    state.fail_next -= 1
            if failing:
                return self._json(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
            match = re.search(r"/Accounts/(AC\w+)/(Messages|Calls)\.json$", path)
            if not match:
                return self._json(404, {"code": 20404, "message": "not found", "status": 404})
            kind = match[2]
            if kind == "Messages" and request.value("To") in state.opted_out:
                return self._json(
                    400,
                    {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400},
                )
            sid = ("SM" if kind == "Messages" else "CA") + secrets.token_hex(16)
            # Twilio's resources carry RFC 2822 dates.
            now = format_datetime(datetime.now(UTC), usegmt=True)
            body = {
                "sid": sid,
                "account_sid": match[1],
                "to": request.value("To"),
                "from": request.value("From"),
                "status": "queued",
                "body": request.value("Body"),
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{match[1]}/{kind}/{sid}.json",
                "date_created": now,
                "date_sent": now,
                # Not a Twilio field: when the fake took it (bench/notify measures rates from it).
                "received_at": time.time(),
            }
            with lock:
                state.created.append(body)
            if state.on_created is not None:
                state.on_created(body)
            with lock:
                lose = state.lose_answers > 0
                state.lose_answers -= lose
            if lose:
                self.close_connection = True
                return None
            self._json(201, body)

        def do_DELETE(self) -> None:
            """Recordings/RE....json: 204 when deleted, 404 when Twilio has no such recording."""
            path = urlsplit(self.path).path
            with lock:
                state.requests.append(RecordedRequest("DELETE", path, {}, None))
                failing = state.fail_next > 0
                if failing:
                    state.fail_next -= 1
            if failing:
                return self._json(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
            match = re.search(r"/Recordings/(RE\w+)\.json$", path)
            if not match or match[1] in state.missing_recordings:
                return self._json(404, {"code": 20404, "message": "not found", "status": 404})
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            """Messages.json and Calls.json list what was sent, filtered by To and From (newest first, one page)."""
            parts = urlsplit(self.path)
            match = re.search(r"/Accounts/(AC\w+)/(Messages|Calls)\.json$", parts.path)
            if not match:
                return self._json(404, {"code": 20404, "message": "not found", "status": 404})
            query = parse_qs(parts.query)
            to, sender = query.get("To", [None])[0], query.get("From", [None])[0]
            prefix = "SM" if match[2] == "Messages" else "CA"
            with lock:
                state.requests.append(RecordedRequest("GET", parts.path, query, None))
                # Newest first, as Twilio lists them; ``created`` holds messages and calls together.
                found = [
                    m
                    for m in reversed(state.created)
                    if str(m["sid"]).startswith(prefix) and to in (None, m["to"]) and sender in (None, m["from"])
                ]
            self._json(
                200,
                {
                    match[2].lower(): found,
                    "end": max(len(found) - 1, 0),
                    "first_page_uri": parts.path,
                    "next_page_uri": None,
                    "previous_page_uri": None,
                    "page": 0,
                    "page_size": 50,
                    "start": 0,
                    "uri": self.path,
                },
            )

        def _json(self, code: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    ThreadingHTTPServer.request_queue_size = 128  # many sending threads connect at once (bench/notify)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll: shutdown() waits out one poll, and every test that uses the fake stops it.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    return state, server


def serve_forever() -> None:
    """Run the fake in its own process (bench/notify): print its base URL, then serve until killed."""
    state, _server = start_fake_twilio()
    print(state.base_url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    serve_forever()
