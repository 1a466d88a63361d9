"""Jobs about callback requests."""

from __future__ import annotations

import logging

import runtime
from callflows.masking import mask_phone
from models.callback import CallbackRequest

log = logging.getLogger("voice.workers.callbacks")


def acknowledge_request(request_id: int) -> str:
    """Note a new callback request for the operators (safe to run twice).

    Returns the request's status, so a finished job shows what it found.
    """
    with runtime.database().session() as session:
        request = session.get(CallbackRequest, request_id)
        if request is None:
            log.warning("callback request not found", extra={"request_id": request_id})
            return "missing"
        log.info(
            "callback request queued",
            extra={"request_id": request_id, "phone": mask_phone(request.phone), "urgent": request.urgent},
        )
        return request.status
