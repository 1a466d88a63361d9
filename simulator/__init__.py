"""The call simulator: plays Twilio for one call or one text, in-process or over HTTP.

It signs every request exactly as Twilio does, follows the TwiML it gets back
(Say, Gather, Record, Redirect, Enqueue, Dial, Hangup) and checks each document
against Twilio's rules. The ``flask call`` / ``flask sms`` commands and the
end-to-end tests drive the hotline through it.
"""

from __future__ import annotations

import itertools
import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin, urlsplit

from twilio.request_validator import RequestValidator

MAX_TWIML_BYTES = 64 * 1024
VERBS = {
    "Say",
    "Play",
    "Pause",
    "Gather",
    "Record",
    "Redirect",
    "Hangup",
    "Reject",
    "Enqueue",
    "Dial",
    "Leave",
    "Sms",
    "Message",
}
GATHER_CHILDREN = {"Say", "Play", "Pause"}


class TwimlProblem(AssertionError):
    """The hotline answered with something Twilio would reject."""


class Transport(Protocol):
    """Posts a signed form to the hotline and returns (status, body)."""

    base_url: str

    def post(self, url: str, params: Mapping[str, str], headers: Mapping[str, str]) -> tuple[int, str]: ...


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The ``X-Twilio-Signature`` Twilio would send for this URL and form."""
    return RequestValidator(auth_token).compute_signature(url, dict(params))


class FlaskTransport:
    """Posts to a Flask app in-process (its test client)."""

    def __init__(self, app: object, base_url: str) -> None:
        self.client = app.test_client()  # type: ignore[attr-defined]
        self.base_url = base_url.rstrip("/")

    def post(self, url: str, params: Mapping[str, str], headers: Mapping[str, str]) -> tuple[int, str]:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = self.client.post(path, data=dict(params), headers=dict(headers), base_url=self.base_url)
        return response.status_code, response.get_data(as_text=True)


class HttpTransport:
    """Posts to a running server over HTTP."""

    def __init__(self, base_url: str, timeout: float = 15.0) -> None:
        import requests

        self.session = requests.Session()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def post(self, url: str, params: Mapping[str, str], headers: Mapping[str, str]) -> tuple[int, str]:
        response = self.session.post(url, data=dict(params), headers=dict(headers), timeout=self.timeout)
        return response.status_code, response.text


def check_twiml(document: str) -> ET.Element:
    """Parse a TwiML document and raise TwimlProblem where Twilio would refuse it."""
    if len(document.encode()) > MAX_TWIML_BYTES:
        raise TwimlProblem("TwiML over 64 kB")
    try:
        root = ET.fromstring(document)
    except ET.ParseError as error:
        raise TwimlProblem(f"not XML: {error}") from None
    if root.tag != "Response":
        raise TwimlProblem(f"root is <{root.tag}>, not <Response>")
    for verb in root:
        if verb.tag not in VERBS:
            raise TwimlProblem(f"unknown verb <{verb.tag}>")
        if verb.tag == "Gather":
            if not verb.get("action"):
                raise TwimlProblem("<Gather> without an action loops on the current URL")
            for child in verb:
                if child.tag not in GATHER_CHILDREN:
                    raise TwimlProblem(f"<Gather> may not hold <{child.tag}>")
        if verb.tag in {"Say", "Message"} and not "".join(verb.itertext()).strip():
            raise TwimlProblem(f"empty <{verb.tag}>")
    return root


@dataclass
class Heard:
    """One sentence the caller heard, and its language."""

    text: str
    language: str | None


@dataclass
class Call:
    """One simulated call: what was heard, what the hotline waits for, how it ended."""

    transport: Transport
    auth_token: str
    caller: str = "+12025550143"
    hotline: str = "+18554886423"
    call_sid: str = field(default_factory=lambda: "CA" + secrets.token_hex(16))
    account_sid: str = "AC" + "0" * 32
    echo: Callable[[str], None] | None = None
    heard: list[Heard] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    waiting: ET.Element | None = None
    waiting_url: str = ""
    ended: str | None = None
    queue: str | None = None
    documents: list[str] = field(default_factory=list)
    # While holding: where the wait message's Gather posts keys, and the Enqueue's action.
    hold_url: str = ""
    enqueue_action: str = ""
    # After a <Dial>: where Twilio posts when the dialled call ends.
    dial_action: str = ""

    # --- the conversation ---------------------------------------------------

    def start(self) -> Call:
        """Dial the hotline: post to ``/voice/incoming``."""
        self._post(self.transport.base_url + "/voice/incoming", {})
        return self

    def press(self, digits: str) -> Call:
        """Press keys at the current Gather (a trailing ``#`` ends the entry, as on a phone)."""
        keys = digits[:-1] if digits.endswith("#") and len(digits) > 1 else digits
        self._answer({"Digits": keys})
        return self

    def say(self, text: str, confidence: float = 0.9) -> Call:
        """Speak at the current Gather."""
        self._answer({"SpeechResult": text, "Confidence": str(confidence)})
        return self

    def silence(self) -> Call:
        """Say nothing at the current Gather."""
        self._answer({})
        return self

    def record(self, seconds: int = 12) -> Call:
        """Leave a voice message at the current Record."""
        if self.waiting is None or self.waiting.tag != "Record":
            raise TwimlProblem(f"not at a <Record> (at {self.waiting_tag})")
        url = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE" + secrets.token_hex(16)
        self._answer({"RecordingUrl": url, "RecordingDuration": str(seconds), "Digits": "#"})
        return self

    def pick_up(self, answer_url: str, answered_by: str = "human") -> Call:
        """Answer a call the hotline placed: Twilio fetches its ``url`` with ``AnsweredBy``."""
        self._post(answer_url, {"AnsweredBy": answered_by, "Direction": "outbound-api"})
        return self

    def post_status_to(self, url: str, status: str, answered_by: str = "") -> int:
        """Send a status callback to ``url`` (an outbound call's own status callback)."""
        params = {"CallStatus": status, "Direction": "outbound-api"}
        if answered_by:
            params["AnsweredBy"] = answered_by
        code, _ = self._send(url, params)
        return code

    def hang_up(self) -> Call:
        """Hang up: Twilio sends the completed status callback."""
        self.ended = self.ended or "caller hung up"
        self.post_status("completed", duration=42)
        return self

    def post_status(self, status: str, duration: int | None = None) -> int:
        """Send a call status callback to ``/voice/status``."""
        params = {"CallStatus": status}
        if duration is not None:
            params["CallDuration"] = str(duration)
        code, _ = self._send(self.transport.base_url + "/voice/status", params)
        return code

    # --- what was heard -----------------------------------------------------

    @property
    def waiting_tag(self) -> str | None:
        """The verb the hotline waits on: "Gather", "Record" or None."""
        return None if self.waiting is None else self.waiting.tag

    def last_heard(self) -> str:
        """Everything heard since the last input, as one string."""
        return " ".join(h.text for h in self.heard)

    def option_for(self, words: str) -> str:
        """The key announced for an option ("For <words>, press N" / "oprima N")."""
        pattern = re.compile(re.escape(words) + r"[^.]*?,\s*(?:press|oprima|pulse|marque)\s+(\d)", re.IGNORECASE)
        for heard in self.heard:
            match = pattern.search(heard.text)
            if match:
                return match[1]
        raise AssertionError(f"no option {words!r} in: {self.last_heard()}")

    # --- plumbing -------------------------------------------------------------

    def _answer(self, params: dict[str, str]) -> None:
        if self.ended:
            raise TwimlProblem(f"the call has ended ({self.ended})")
        if self.waiting is None:
            raise TwimlProblem("the hotline is not waiting for input")
        self._show("> " + _describe(params))
        self._post(self.waiting_url, params)

    def _send(self, url: str, extra: Mapping[str, str], headers: Mapping[str, str] | None = None) -> tuple[int, str]:
        params = {
            "CallSid": self.call_sid,
            "AccountSid": self.account_sid,
            "From": self.caller,
            "To": self.hotline,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            **extra,
        }
        signed = {"X-Twilio-Signature": sign(self.auth_token, url, params), **(headers or {})}
        return self.transport.post(url, params, signed)

    def _post(self, url: str, params: dict[str, str]) -> None:
        for _ in range(20):  # follow Redirects
            code, body = self._send(url, params)
            if code != 200:
                raise TwimlProblem(f"HTTP {code} from {url}: {body[:200]}")
            self.documents.append(body)
            redirect = self._follow(url, check_twiml(body))
            if redirect is None:
                return
            url, params = redirect, {}
        raise TwimlProblem("too many redirects")

    def _follow(self, url: str, root: ET.Element) -> str | None:
        self.heard = []
        self.waiting = None
        for verb in root:
            if verb.tag == "Say":
                self._hear(verb)
            elif verb.tag in {"Play", "Pause"}:
                self._show(f"[{verb.tag.lower()} {verb.text or verb.get('length', '')}]")
            elif verb.tag == "Gather":
                for child in verb:
                    if child.tag == "Say":
                        self._hear(child)
                self.waiting, self.waiting_url = verb, urljoin(url, verb.get("action", ""))
                return None
            elif verb.tag == "Record":
                self.waiting, self.waiting_url = verb, urljoin(url, verb.get("action", url))
                self._show("[recording after the beep]")
                return None
            elif verb.tag == "Redirect":
                return urljoin(url, (verb.text or "").strip())
            elif verb.tag == "Enqueue":
                self.queue = (verb.text or "").strip()
                self._show(f"[enqueued in {self.queue!r}]")
                self.enqueue_action = urljoin(url, verb.get("action", ""))
                wait_url = verb.get("waitUrl")
                if wait_url:
                    self._visit_wait(urljoin(url, wait_url))
                self.ended = f"enqueued:{self.queue}"
                return None
            elif verb.tag == "Dial":
                self._show(f"[dial {(verb.text or '').strip() or ''.join(c.text or '' for c in verb)}]")
                self.dial_action = urljoin(url, verb.get("action", "")) if verb.get("action") else ""
                self.ended = "dialled"
                return None
            elif verb.tag in {"Hangup", "Reject"}:
                self._show("[hang up]")
                self.ended = "hung up"
                return None
        self.ended = "end of document"
        return None

    def _visit_wait(self, url: str, position: int = 1, seconds: int = 0) -> None:
        params = {
            "QueuePosition": str(position),
            "QueueTime": str(seconds),
            "AvgQueueTime": "0",
            "CurrentQueueSize": str(position),
        }
        code, body = self._send(url, params)
        if code != 200:
            raise TwimlProblem(f"HTTP {code} from wait URL {url}")
        for verb in check_twiml(body):
            if verb.tag == "Say":
                self._hear(verb)
            elif verb.tag == "Gather":
                self.hold_url = urljoin(url, verb.get("action", ""))
                for child in verb:
                    if child.tag == "Say":
                        self._hear(child)

    def press_while_holding(self, digits: str) -> Call:
        """Press keys during the wait message; a ``<Leave>`` answer takes the caller out of the queue."""
        if not self.hold_url:
            raise TwimlProblem("not holding in a queue with a wait message that listens")
        self._show("> " + _describe({"Digits": digits}) + " while holding")
        code, body = self._send(self.hold_url, {"Digits": digits})
        if code != 200:
            raise TwimlProblem(f"HTTP {code} from {self.hold_url}: {body[:200]}")
        self.heard = []
        root = check_twiml(body)
        for verb in root:
            if verb.tag == "Say":
                self._hear(verb)
        if any(verb.tag == "Leave" for verb in root):
            # Twilio then posts the Enqueue's action with QueueResult=leave.
            self.ended, self.queue, self.hold_url = None, None, ""
            self._post(self.enqueue_action, {"QueueResult": "leave", "QueueTime": "30"})
        return self

    def dial_ends(self, status: str = "completed", seconds: int = 300) -> Call:
        """The dialled party hung up: Twilio posts the ``<Dial>`` action and the caller goes on."""
        if self.ended != "dialled" or not self.dial_action:
            raise TwimlProblem(f"not in a <Dial> with an action (ended: {self.ended})")
        self._show(f"[dialled call ended: {status}]")
        self.ended = None
        self._post(self.dial_action, {"DialCallStatus": status, "DialCallDuration": str(seconds)})
        return self

    def _hear(self, verb: ET.Element) -> None:
        # A slowed prompt is <Say><prosody rate="…">text</prosody></Say>: hear the text inside.
        heard = Heard("".join(verb.itertext()).strip(), verb.get("language"))
        self.heard.append(heard)
        self.transcript.append(heard.text)
        self._show(f"({heard.language or '?'}) {heard.text}")

    def _show(self, line: str) -> None:
        if self.echo:
            self.echo(line)


def _describe(params: Mapping[str, str]) -> str:
    if "RecordingUrl" in params:
        return f"recorded {params.get('RecordingDuration')} s"
    if "SpeechResult" in params:
        return f'said "{params["SpeechResult"]}"'
    if "Digits" in params:
        return f"pressed {params['Digits']}"
    return "silence"


def run_script(call: Call, script: str) -> bool:
    """Play a comma-separated script ("1,2,201345678#,say:mexico,silence,record,hangup").

    Returns True when the call ended cleanly (a hang-up, a queue or a dial).
    """
    call.start()
    for token in (t.strip() for t in script.split(",")):
        if not token or call.ended:
            continue
        if token.startswith("say:"):
            call.say(token[4:])
        elif token == "silence":
            call.silence()
        elif token == "record":
            call.record()
        elif token == "hangup":
            call.hang_up()
            return True
        else:
            call.press(token)
    return call.ended is not None and call.ended != "end of document"


@dataclass
class Texter:
    """A simulated texter: each message is signed and posted to ``/sms/incoming``."""

    transport: Transport
    auth_token: str
    sender: str = "+12025550143"
    hotline: str = "+18554886423"
    _sids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def send(self, body: str, message_sid: str | None = None) -> list[str]:
        """Send one text; returns the replies' bodies."""
        sid = message_sid or "SM" + secrets.token_hex(16)
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.sender,
            "To": self.hotline,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
        }
        url = self.transport.base_url + "/sms/incoming"
        code, text = self.transport.post(url, params, {"X-Twilio-Signature": sign(self.auth_token, url, params)})
        if code != 200:
            raise TwimlProblem(f"HTTP {code} from /sms/incoming: {text[:200]}")
        root = check_twiml(text)
        return [(m.findtext("Body") or m.text or "").strip() for m in root if m.tag == "Message"]
