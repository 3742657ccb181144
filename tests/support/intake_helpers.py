"""Helpers for the intake tests: signed requests to the real app, valid events, settings."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from journey_assets.intake.server import RunningIntake
from journey_assets.intake.settings import IntakeSettings
from journey_assets.intake.store import SQLiteEventStore
from journey_assets.journey.signatures import meta_signature, sign_customerio, sign_journey, twilio_signature

SECRET = "test-intake-secret-5f1c"
TWILIO_TOKEN = "test-twilio-token-93ab"
META_SECRET = "test-meta-app-secret-77de"
META_VERIFY = "test-meta-verify-token-1a2b"
CIO_KEY = "test-customerio-signing-key-4c1d"
PUBLIC_URL = "https://intake.dealer.example"
MAX_BODY = 8 * 1024
VALID_VIN = "1HGCV1F42JA141468"


@dataclass
class Intake:
    running: RunningIntake
    settings: IntakeSettings
    client: httpx.Client

    @property
    def store(self) -> SQLiteEventStore:
        return self.running.store  # type: ignore[return-value]

    # -- our scheme --------------------------------------------------------------------------

    def post_event(
        self,
        kind: str,
        event: dict[str, Any] | bytes,
        *,
        secret: str = SECRET,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body = event if isinstance(event, bytes) else json.dumps(event).encode()
        signed = sign_journey(secret, body, timestamp)
        return self.client.post(
            f"/events/{kind}",
            content=body,
            headers={"Content-Type": "application/json", **signed, **(headers or {})},
        )

    # -- Twilio --------------------------------------------------------------------------------

    def post_twilio(
        self,
        which: str,
        params: dict[str, str],
        *,
        query: str = "",
        token: str = TWILIO_TOKEN,
        signed_url: str | None = None,
    ) -> httpx.Response:
        path = f"/twilio/{which}" + (f"?{query}" if query else "")
        url = signed_url or f"{PUBLIC_URL}{path}"
        signature = twilio_signature(token, url, params)
        return self.client.post(
            path,
            content=urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
        )

    # -- Meta ----------------------------------------------------------------------------------

    def post_meta(self, payload: dict[str, Any] | bytes, *, secret: str = META_SECRET) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return self.client.post(
            "/meta/leadgen",
            content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(secret, body)},
        )

    # -- Customer.io ---------------------------------------------------------------------------

    def post_customerio(
        self,
        payload: dict[str, Any] | bytes,
        *,
        key: str = CIO_KEY,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        signed = sign_customerio(key, body, timestamp)
        return self.client.post(
            "/customerio/reporting",
            content=body,
            headers={"Content-Type": "application/json", **signed, **(headers or {})},
        )

    def stored(self, event_id: str) -> list[Any]:
        events, cursor = [], None
        while True:
            page, cursor = self.store.read_since(cursor, 1000)
            if not page:
                return [e for e in events if e.event_id == event_id]
            events.extend(page)


def make_settings(store_path: str, **overrides: Any) -> IntakeSettings:
    values: dict[str, Any] = {
        "intake_secret": SECRET,
        "twilio_auth_token": TWILIO_TOKEN,
        "meta_app_secret": META_SECRET,
        "meta_verify_token": META_VERIFY,
        "customerio_signing_key": CIO_KEY,
        "public_url": PUBLIC_URL,
        "store": store_path,
        "max_body": MAX_BODY,
    }
    values.update(overrides)
    return IntakeSettings(**values)


def new_id(prefix: str = "evt") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def intent_event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": new_id(),
        "occurred_at": "2026-08-01T14:03:00-05:00",
        "dealer_id": "D01",
        "event_type": "test_drive_request",
        "source": "website",
        "customer": {"email": "Jane.Doe@Example.com", "phone": "(415) 555-2671", "first_name": "Jane"},
        "vehicle": {"vin": VALID_VIN, "stock_number": "S123", "condition": "used"},
        "consent": {"sms": True, "email": True},
        "attributes": {"utm_source": "google"},
    }
    event.update(overrides)
    return event


def event_for(kind: str, **overrides: Any) -> dict[str, Any]:
    """A valid event of each kind."""
    extra: dict[str, dict[str, Any]] = {
        "intent": {},
        "conversion": {"event_type": "vehicle_sold", "deal_id": "DL-9", "value": 31250.0},
        "social": {"event_type": "comment", "platform": "facebook", "post_id": "p1", "text": "Is it available?"},
        "service": {
            "event_type": "appointment_booked",
            "appointment_at": "2026-08-03T09:00:00-05:00",
            "services": ["oil_change"],
        },
    }
    return intent_event(**{**extra[kind], **overrides})


def twilio_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def twilio_inbound_params(**overrides: str) -> dict[str, str]:
    params = {
        "MessageSid": twilio_sid("SM"),
        "AccountSid": "AC" + "0" * 32,
        "From": "+14155552671",
        "To": "+14155550100",
        "Body": "Is the Accord still available?",
        "NumMedia": "0",
    }
    params.update(overrides)
    return params


def twilio_status_params(**overrides: str) -> dict[str, str]:
    params = {
        "MessageSid": twilio_sid("SM"),
        "AccountSid": "AC" + "0" * 32,
        "From": "+14155550100",
        "To": "+14155552671",
        "MessageStatus": "delivered",
    }
    params.update(overrides)
    return params


def meta_payload(*leadgen_ids: str, extra_changes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    changes = [
        {
            "field": "leadgen",
            "value": {
                "leadgen_id": leadgen_id,
                "page_id": "1122334455",
                "form_id": "5566778899",
                "adgroup_id": "600000001",
                "ad_id": "700000001",
                "created_time": 1785600000,
            },
        }
        for leadgen_id in leadgen_ids
    ]
    changes.extend(extra_changes or [])
    return {"object": "page", "entry": [{"id": "1122334455", "time": 1785600001, "changes": changes}]}


def customerio_event(metric: str = "opened", **overrides: Any) -> dict[str, Any]:
    """A reporting webhook as docs.customer.io/api/webhooks shows one (an email event)."""
    event: dict[str, Any] = {
        "event_id": "01E4C4CT6YDC7Y5M7FE1" + uuid.uuid4().hex[:6].upper(),
        "object_type": "email",
        "metric": metric,
        "timestamp": 1785600000,
        "data": {
            "customer_id": "c-0001",
            "email_address": "Jane.Doe@Example.com",
            "delivery_id": "RAECAAFwnUSneIa0ZXkmb8EK2Q==",
            "newsletter_id": 12,
            "identifiers": {"id": "c-0001"},
        },
    }
    event.update(overrides)
    return event
