"""The Twilio REST client, built from settings (pointed at a local fake in tests)."""

from __future__ import annotations

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from config import Settings

# Seconds before a REST call gives up; shorter than the notification reconcile's STALE_SENDING, so a text
# is never still in flight when the reconcile takes its row back (workers/notify.py).
TWILIO_TIMEOUT = 30


def twilio_client(settings: Settings) -> Client:
    """A REST client for the hotline's account; ``TWILIO_API_BASE_URL`` redirects it."""
    client = Client(
        settings.twilio_account_sid, settings.twilio_auth_token, http_client=TwilioHttpClient(timeout=TWILIO_TIMEOUT)
    )
    if settings.twilio_api_base_url:
        client.api.base_url = settings.twilio_api_base_url.rstrip("/")
    return client
