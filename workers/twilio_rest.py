"""The Twilio REST client, built from settings (pointed at a local fake in tests)."""

from __future__ import annotations

from twilio.rest import Client

from config import Settings


def twilio_client(settings: Settings) -> Client:
    """A REST client for the hotline's account; ``TWILIO_API_BASE_URL`` redirects it."""
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
    if settings.twilio_api_base_url:
        client.api.base_url = settings.twilio_api_base_url.rstrip("/")
    return client
