"""Effects of "help near you": the nearest services for a ZIP code, the national lines, the list by text."""

from __future__ import annotations

import logging
import math
import threading

from sqlalchemy import select

from callflows.catalogue import catalogue
from callflows.engine import CallState, Outcome
from callflows.masking import mask_phone
from callflows.phones import spoken_phone
from callflows.readback import spoken_digits
from models.directory import Nearby, SearchQuery, nearest
from models.outbox import OutboxMessage
from models.places import place_for_zip
from models.texting import ServiceListText
from web.context import hotline
from web.phone.actions import CallContext, effect

log = logging.getLogger("voice.web.phone.referrals")

TEXT_JOB = "workers.referrals.text_service_list"
# The ZIP table takes a second or more to load: load it when the process starts, not on a caller's step.
threading.Thread(target=place_for_zip, args=("20500",), name="zip-table-warm-up", daemon=True).start()
_COUNTS = {1: "one", 2: "two", 3: "three"}


def spoken_service(lang: str, number: int, service: Nearby) -> str:
    """One service as the caller hears it, from catalogue sentences: name, distance, open now, phone twice."""
    cat = catalogue()
    if service.miles < 1:
        distance = cat.text(lang, "referrals.distance.near")
    elif service.miles < 1.5:
        distance = cat.text(lang, "referrals.distance.one")
    else:
        distance = cat.text(lang, "referrals.distance.many", {"miles": math.floor(service.miles + 0.5)})
    params = {
        "n": number,
        "name": service.name,
        "distance": distance,
        "open": cat.text(lang, "referrals.open_now") if service.open_now else "",
    }
    if service.phone:
        return cat.text(lang, "referrals.service", {**params, "phone": spoken_phone(service.phone)})
    return cat.text(lang, "referrals.service_no_phone", params)


@effect("referrals.find")
def find(state: CallState, context: CallContext) -> Outcome:
    """The three nearest services of the chosen category, those that speak the caller's language first."""
    zip5 = state.get("zip") or ""
    place = place_for_zip(zip5)
    if place is None:
        return Outcome.of("unknown_zip", zip_spoken=spoken_digits(zip5))
    lang = catalogue().resolve(state.lang)
    category = state.get("category")
    limit = context.settings.referrals.max_miles
    query = SearchQuery(
        place.latitude,
        place.longitude,
        None if category in (None, "any") else category,
        lang,
        max_miles=limit,
        now=context.now,
    )
    with hotline().database.session() as session:
        found = nearest(session, query)
    values: dict[str, str] = {"zip_spoken": spoken_digits(zip5), "max_miles": f"{limit:g}"}
    if not found:
        return Outcome.of("none", **values)
    for number, service in enumerate(found, start=1):
        values[f"s{number}"] = spoken_service(lang, number, service)
    # What "text me this list" sends: the service ids with their distances (no caller data).
    values["listed"] = ";".join(f"{s.service_id}:{s.miles:.1f}" for s in found)
    return Outcome.of(_COUNTS[len(found)], **values)


@effect("referrals.national_line")
def national_line(state: CallState, context: CallContext) -> Outcome:
    """The number of the national line the caller chose, from settings."""
    number = context.settings.referrals.national_line(state.get("line") or "")
    if number is None:
        return Outcome.of("error")
    log.info("national line transfer", extra={"call_sid": context.call_sid, "line": state.get("line")})
    return Outcome.of("dial", dial_to=number)


@effect("referrals.text_list")
def text_list(state: CallState, context: CallContext) -> Outcome:
    """Text the list to the caller ID only (see docs/decisions/who-may-be-called-or-texted.md), once per call and list.

    A Twilio retry of this step finds the outbox row it wrote and adds none.
    """
    if context.caller is None:
        return Outcome.of("withheld")
    listed = (state.get("listed") or "")[:400]
    lang = catalogue().resolve(state.lang)
    current = hotline()
    with current.database.session() as session:
        done = session.scalar(
            select(ServiceListText.id).where(
                ServiceListText.call_sid == context.call_sid, ServiceListText.listed == listed
            )
        )
        message_id = None
        if done is None:
            # The number stays in this row; the job gets its id only (no number in a job or the outbox).
            row = ServiceListText(
                call_sid=context.call_sid,
                phone=context.caller,
                language=lang,
                zip_code=(state.get("zip") or "")[:5],
                listed=listed,
                created_at=context.now,
            )
            session.add(row)
            session.flush()
            message_id = OutboxMessage.add(session, TEXT_JOB, row.id, queue="high")
    if message_id is not None:
        current.handover.after_commit([message_id])
    log.info(
        "service list text queued",
        extra={"call_sid": context.call_sid, "to": mask_phone(context.caller), "repeat": message_id is None},
    )
    return Outcome.of("sent")
