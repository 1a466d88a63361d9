"""Every text and call the hotline sends goes out at most once, even when the worker dies mid-send.

The intent (what it is for, to whom, from which number, a digest of the body) is
committed before Twilio is asked, and Twilio's SID is written after. A run
killed between Twilio's answer and that mark leaves an intent without a SID;
the next run that meets it asks Twilio's own list (messages, or calls) whether
it went out, and marks it instead of sending again
(docs/decisions/send-once.md). Each caller keeps its own visible state (a
confirmation's status, a conversation message's, a notification's) and updates
it in the same transaction as the mark, through ``mark``.

A run holds an intent only while the intent's ``claimed_at`` is the value the
run wrote (a compare-and-set right before Twilio is asked). ``stale_after`` says
how old another run's claim must be before this run may reconcile it: zero for
a job's own re-run (rq runs one job once at a time), a minute for the
notification batches, where several workers run side by side. The REST client
gives up sooner than that (``TWILIO_TIMEOUT``), so a claim is either refreshed
and sent, or taken back and not sent by the slow run: never both.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

import runtime
from callflows.masking import mask_phone
from models.base import Database, utcnow
from models.deliveries import CALL, SMS, UNKNOWN_BODY, OutboundMessage, body_digest
from workers.twilio_rest import twilio_client

log = logging.getLogger("voice.workers.deliveries")

# Twilio's list filter is by the time sent; allow for clocks that disagree a little.
CLOCK_SLACK = timedelta(minutes=5)
# Outcomes that are not a Twilio error code.
UNKNOWN_OUTCOME = -1  # the connection broke: Twilio may or may not have it; left for the reconcile
TAKEN_BACK = -2  # another run took the claim back (this one was too slow): not sent by this run
IN_FLIGHT = -3  # another run holds a fresh claim: it is sending it now


class SendingRate(Protocol):
    """A per-number rate: ``take`` blocks until the number may send and returns the seconds waited."""

    def take(self, number: str) -> float: ...


@dataclass(frozen=True)
class Outgoing:
    """One text (or, with ``call``, one call) to hand to Twilio once for ``key``."""

    key: str
    to: str
    sender: str
    body: str = ""
    # calls.create's other arguments (url, status_callback, ...); None for a text.
    call: dict[str, Any] | None = None

    @property
    def channel(self) -> str:
        """ "call" or "sms"."""
        return CALL if self.call is not None else SMS


@dataclass
class Delivery:
    """What became of one outgoing text or call."""

    outgoing: Outgoing
    sid: str | None = None
    # A Twilio error code (it refused: nothing went out), or UNKNOWN_OUTCOME, TAKEN_BACK, IN_FLIGHT.
    code: int | None = None
    # True when the SID came from an earlier run (the intent's mark, or Twilio's list), not from this send;
    # ``already_marked`` when that earlier run also marked it (its own ``mark`` ran then).
    earlier: bool = False
    already_marked: bool = False
    waited: float = 0.0
    # The claim this run holds (internal), and whether an earlier run held it first (reconcile before sending).
    claim: tuple[int, datetime] | None = field(default=None, repr=False)
    reconcile_first: bool = field(default=False, repr=False)


Mark = Callable[[Session, list[Delivery]], None]


def deliver(
    database: Database,
    client: Client,
    outgoing: list[Outgoing],
    *,
    mark: Mark | None = None,
    rate: SendingRate | None = None,
    concurrency: int = 1,
    stale_after: timedelta = timedelta(0),
    now: datetime | None = None,
    send: bool = True,
) -> list[Delivery]:
    """Send each outgoing text or call once: intent, reconcile what an earlier run left, send, mark.

    ``mark(session, deliveries)`` runs in the transaction that writes Twilio's SIDs, so the caller's
    own state moves with them. The answers come back in the order given. With ``send=False`` nothing
    is sent or newly recorded: what earlier runs left is settled (a SID when Twilio has it, IN_FLIGHT
    when a run holds a fresh claim, neither when nothing went out, and the claim is taken back so a
    slow run cannot send it too).
    """
    now = now or utcnow()
    deliveries = _record_intents(database, outgoing, now, stale_after, create=send)
    for delivery in deliveries:
        if delivery.reconcile_first:
            _reconcile_one(database, client, delivery, now, take=send)
    to_send = [d for d in deliveries if d.claim is not None and d.sid is None] if send else []
    if len(to_send) > 1 and concurrency > 1:
        list(_sending_pool(concurrency).map(lambda d: _send(database, client, rate, d), to_send))
    else:
        for delivery in to_send:
            _send(database, client, rate, delivery)
    with database.session() as session:
        settled = [
            {"id": d.claim[0], "twilio_sid": d.sid, "sent_at": now if d.sid else None, "claimed_at": None}
            for d in deliveries
            # Twilio refused (an error code): nothing of it is at Twilio, so the next try needs no reconcile.
            if d.claim is not None and (d.sid is not None or (d.code is not None and d.code >= 0))
        ]
        if settled:
            session.execute(update(OutboundMessage), settled)
        if mark is not None:
            mark(session, deliveries)
    for delivery in deliveries:
        delivery.claim = None
    return deliveries


def send_text_once(key: str, to: str, body: str, from_: str | None = None) -> str:
    """Text ``body`` to ``to`` once for ``key``; returns Twilio's message SID (an rq job, safe to run twice).

    Twilio's refusal is raised as its ``TwilioRestException``; an unknown outcome raises too, so rq's
    retry reconciles it.
    """
    current = runtime.settings()
    outgoing = Outgoing(key, to, from_ or current.hotline_number, body)
    (delivery,) = deliver(runtime.database(), twilio_client(current), [outgoing])
    return sid_or_raise(delivery)


def sid_or_raise(delivery: Delivery) -> str:
    """The SID of a delivery that went out; otherwise an error saying why not."""
    if delivery.sid is not None:
        return delivery.sid
    if delivery.code is not None and delivery.code >= 0:
        raise TwilioRestException(400, "", f"Twilio refused the text ({delivery.code})", code=delivery.code)
    raise DeliveryUnsettled(f"{delivery.outgoing.key}: outcome not known yet ({delivery.code})")


class DeliveryUnsettled(RuntimeError):
    """Whether Twilio has it is not known yet (a broken connection, or another run holds it): try again later."""


def find_sent(client: Client, intent: OutboundMessage, since: datetime) -> str | None:
    """The SID of a message or call Twilio already holds for this intent (same numbers, same body), if any."""
    sender = {"from_": intent.from_phone} if intent.from_phone else {}
    after = since - CLOCK_SLACK
    if intent.channel == CALL:
        calls = client.calls.list(to=intent.to_phone, start_time_after=after, limit=200, **sender)
        return calls[0].sid if calls else None
    for message in client.messages.list(to=intent.to_phone, date_sent_after=after, limit=200, **sender):
        if intent.body_hash == UNKNOWN_BODY or (
            message.body is not None and body_digest(message.body) == intent.body_hash
        ):
            return message.sid
    return None


# --- the steps -------------------------------------------------------------------------------------


def _record_intents(
    database: Database, outgoing: list[Outgoing], now: datetime, stale_after: timedelta, *, create: bool = True
) -> list[Delivery]:
    """Write the missing intents (claimed by this run) and sort out the ones an earlier run left, in one commit.

    A delivery leaves here with a claim of ``now`` to send at once, with an earlier run's claim to reconcile
    first, or with no claim and its answer (the SID of an earlier run, or IN_FLIGHT).
    """
    deliveries = [Delivery(item) for item in outgoing]
    with database.session() as session:
        known = OutboundMessage.for_keys(session, [item.key for item in outgoing]) if outgoing else {}
        added: list[tuple[Delivery, OutboundMessage]] = []
        seen: set[str] = set()
        for delivery in deliveries:
            item = delivery.outgoing
            intent = known.get(item.key)
            if item.key in seen:
                delivery.code = IN_FLIGHT  # the same key twice in one batch: the first one is sent
            elif intent is None:
                if create:
                    intent = OutboundMessage(
                        key=item.key, channel=item.channel, to_phone=item.to, from_phone=item.sender,
                        body_hash=body_digest(item.body), intent_at=now, claimed_at=now,
                    )  # fmt: skip
                    added.append((delivery, intent))
            elif intent.twilio_sid is not None:
                delivery.sid, delivery.earlier, delivery.already_marked = intent.twilio_sid, True, True
            elif intent.claimed_at is None:
                # Never handed over, or Twilio refused the last try: nothing to reconcile.
                if create:
                    intent.claimed_at = now
                    delivery.claim = (intent.id, now)
            elif intent.claimed_at > now - stale_after:
                delivery.code = IN_FLIGHT
            else:
                delivery.claim, delivery.reconcile_first = (intent.id, intent.claimed_at), True
            seen.add(item.key)
        session.add_all([intent for _, intent in added])
        session.flush()
        for delivery, intent in added:
            delivery.claim = (intent.id, now)
    return deliveries


def _reconcile_one(database: Database, client: Client, delivery: Delivery, now: datetime, *, take: bool) -> None:
    """An intent an earlier run left claimed: the SID when Twilio has it; else this run claims it (``take``)
    to send it, or frees it (``take=False``) so that no slow run sends it after all."""
    intent_id, held = delivery.claim
    with database.session() as session:
        intent = session.get(OutboundMessage, intent_id)
        session.expunge(intent)
    sid = find_sent(client, intent, min(intent.intent_at, held))
    item = delivery.outgoing
    log.info(
        "intent reconciled after an interrupted run",
        extra={"key": item.key, "to": mask_phone(item.to), "found": sid is not None},
    )
    if sid is not None:
        delivery.sid, delivery.earlier = sid, True
        return
    with database.session() as session:
        moved = OutboundMessage.move_claim(session, intent_id, held, now if take else None)
    if not moved:
        delivery.claim, delivery.code = None, IN_FLIGHT
    else:
        delivery.claim = (intent_id, now) if take else None


def _send(database: Database, client: Client, rate: SendingRate | None, delivery: Delivery) -> None:
    """Wait for the sending number's turn, refresh the claim, hand the text or call to Twilio."""
    item = delivery.outgoing
    if rate is not None:
        delivery.waited = rate.take(item.sender)
    intent_id, held = delivery.claim
    refreshed = utcnow()
    with database.session() as session:
        if not OutboundMessage.move_claim(session, intent_id, held, refreshed):
            delivery.claim, delivery.code = None, TAKEN_BACK
            return
    delivery.claim = (intent_id, refreshed)
    try:
        if item.call is not None:
            resource = client.calls.create(to=item.to, from_=item.sender, **item.call)
        else:
            resource = client.messages.create(to=item.to, from_=item.sender, body=item.body)
    except TwilioRestException as error:
        delivery.code = error.code or 0
        return
    except Exception as error:  # the connection broke: Twilio may or may not have it
        log.warning("send outcome unknown", extra={"key": item.key, "error": str(error)})
        delivery.code = UNKNOWN_OUTCOME
        return
    delivery.sid = str(resource.sid)


_POOLS: dict[tuple[int, int], ThreadPoolExecutor] = {}


def _sending_pool(size: int) -> ThreadPoolExecutor:
    """This process's sending threads (kept between batches; a forked child makes its own)."""
    key = (os.getpid(), size)
    if key not in _POOLS:
        _POOLS[key] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="deliveries")
    return _POOLS[key]
