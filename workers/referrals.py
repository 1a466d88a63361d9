"""Jobs of the referral directory: text a caller the list of services they heard."""

from __future__ import annotations

import logging

from sqlalchemy import select

import runtime
from callflows.masking import mask_phone
from callflows.referrals import ListedService, service_list_text
from models.deliveries import body_digest
from models.directory import DirectoryEntry, Location, Service
from models.texting import ServiceListText, SmsConsent
from workers.deliveries import Outgoing, deliver
from workers.twilio_rest import twilio_client

log = logging.getLogger("voice.workers.referrals")


def listed_services(listed: str) -> list[ListedService]:
    """``"svc-1:2.5;svc-2:4.0"`` → the services, as a text lists them (unknown ids are left out)."""
    out = []
    with runtime.database().session() as session:
        for item in filter(None, listed.split(";")):
            service_id, _, miles = item.rpartition(":")
            service = session.get(Service, service_id)
            if service is None:
                continue
            # The same number the caller heard: the service's own, else its location's.
            phone = service.phone or session.scalar(
                select(Location.phone)
                .join(DirectoryEntry, DirectoryEntry.location_id == Location.id)
                .where(DirectoryEntry.service_id == service_id, Location.phone.is_not(None))
                .limit(1)
            )
            try:
                distance = float(miles)
            except ValueError:
                distance = 0.0
            out.append(ListedService(service.name, phone, distance))
    return out


def text_service_list(list_id: int) -> str:
    """Send the list of services to the caller ID that asked for it (never to another number); safe to rerun."""
    with runtime.database().session() as session:
        row = session.get(ServiceListText, list_id)
        if row is None:
            return "gone"
        to, lang, zip_code, listed, call_sid = row.phone, row.language, row.zip_code, row.listed, row.call_sid
        if SmsConsent.is_opted_out(session, to):
            log.info("service list not texted: opted out", extra={"list_id": list_id, "call_sid": call_sid})
            return "opted_out"
    body = service_list_text(lang, zip_code, listed_services(listed))
    settings = runtime.settings()
    # One list per call and per list heard: a re-run of the job finds it sent.
    text = Outgoing(f"service-list:{call_sid}:{body_digest(body)[:16]}", to, settings.hotline_number, body)
    (delivery,) = deliver(runtime.database(), twilio_client(settings), [text])
    if delivery.sid is None:
        log.warning(
            "service list not texted", extra={"to": mask_phone(to), "call_sid": call_sid, "code": delivery.code}
        )
        return "failed"
    log.info("service list texted", extra={"to": mask_phone(to), "call_sid": call_sid})
    return "sent"
