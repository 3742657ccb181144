"""The intake app under uvicorn on loopback: auth, size limit, validation, dedupe, security events."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from support.intake_helpers import (
    MAX_BODY,
    META_SECRET,
    META_VERIFY,
    PUBLIC_URL,
    SECRET,
    TWILIO_TOKEN,
    Intake,
    event_for,
    intent_event,
    make_settings,
    meta_payload,
    new_id,
    twilio_inbound_params,
    twilio_status_params,
)

from journey_assets.intake.server import run_in_thread
from journey_assets.journey.signatures import meta_signature, sign_journey, twilio_signature

EVENT_KINDS = ["intent", "conversion", "social", "service"]
JSON = {"Content-Type": "application/json"}


def test_healthz(intake: Intake) -> None:
    response = intake.client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


# --- our four event endpoints -------------------------------------------------------------------


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_event_is_stored_once_and_duplicate_answers_200(intake: Intake, kind: str) -> None:
    event = event_for(kind)
    first = intake.post_event(kind, event)
    assert first.status_code == 201, first.text
    assert first.json() == {"event_id": event["event_id"], "duplicate": False}
    second = intake.post_event(kind, event)
    assert second.status_code == 200
    assert second.json() == {"event_id": event["event_id"], "duplicate": True}
    (stored,) = intake.stored(event["event_id"])
    assert (stored.kind, stored.event_type, stored.dealer_id) == (kind, event["event_type"], "D01")
    assert stored.occurred_at == "2026-08-01T19:03:00+00:00"  # normalized to UTC
    data = stored.data()
    assert data["customer"]["email"] == "jane.doe@example.com"
    assert data["customer"]["phone"] == "+14155552671"
    assert data["vehicle"]["vin"] == "1HGCV1F42JA141468"
    assert data["attributes"] == {"utm_source": "google"}


def test_replay_inside_the_window_is_a_harmless_duplicate(intake: Intake) -> None:
    event = intent_event()
    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/json", **sign_journey(SECRET, body)}
    assert intake.client.post("/events/intent", content=body, headers=headers).status_code == 201
    replay = intake.client.post("/events/intent", content=body, headers=headers)  # byte-for-byte the same
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    assert len(intake.stored(event["event_id"])) == 1


@pytest.mark.parametrize(
    ("field_path", "change", "error_field"),
    [
        ("customer.email", "not-an-email", "customer.email"),
        ("customer.phone", "555-01", "customer.phone"),
        ("vehicle.vin", "1HGCV1F43JA141468", "vehicle.vin"),
        ("event_type", "oil_change", "event_type"),
        ("occurred_at", "2026-08-01T14:03:00", "occurred_at"),  # no timezone
        ("dealer_id", "D 01", "dealer_id"),
        ("vehicle.year", 1700, "vehicle.year"),
        ("customer.emial", "typo@example.com", "customer.emial"),  # unknown field
    ],
)
def test_validation_error_names_the_field(intake: Intake, field_path: str, change: object, error_field: str) -> None:
    event = intent_event()
    target = event
    *parents, leaf = field_path.split(".")
    for part in parents:
        target = target[part]
    target[leaf] = change
    response = intake.post_event("intent", event)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "validation_failed"
    assert error_field in [e["field"] for e in body["errors"]]
    assert not intake.stored(event["event_id"])


def test_validation_reports_every_bad_contact_field_with_a_reason(intake: Intake) -> None:
    event = intent_event(customer={"email": "jane@", "phone": "123"}, vehicle={"vin": "1HGCV1F42JA14146O"})
    body = intake.post_event("intent", event).json()
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert set(messages) == {"customer.email", "customer.phone", "vehicle.vin"}
    assert "contains O" in messages["vehicle.vin"]
    assert "too short" in messages["customer.phone"]
    assert "jane@" not in json.dumps(body)  # the offending value is not echoed back


@pytest.mark.parametrize("missing", ["event_id", "occurred_at", "dealer_id", "event_type", "customer"])
def test_missing_required_field(intake: Intake, missing: str) -> None:
    event = intent_event()
    del event[missing]
    response = intake.post_event("intent", event)
    assert response.status_code == 422
    assert any(e["field"] == missing and e["type"] == "missing" for e in response.json()["errors"])


def test_vendor_dedupe_keys_are_reserved(intake: Intake) -> None:
    response = intake.post_event("intent", intent_event(event_id="twilio:SM" + "0" * 32))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "event_id"


def test_customer_needs_an_identifier(intake: Intake) -> None:
    response = intake.post_event("intent", intent_event(customer={"first_name": "Anon"}))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer"


def test_kind_specific_fields(intake: Intake) -> None:
    social = event_for("social")
    del social["platform"]
    response = intake.post_event("social", social)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "platform"
    # an intent event type on the conversion endpoint is refused
    response = intake.post_event("conversion", intent_event())
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "event_type"


def test_invalid_json_is_400(intake: Intake) -> None:
    response = intake.post_event("intent", b'{"event_id": "x",')
    assert response.status_code == 400 and response.json()["error"] == "invalid_json"


def test_phone_without_plus_uses_the_default_region(tmp_path) -> None:
    running = run_in_thread(make_settings(str(tmp_path / "gb.sqlite3"), default_region="GB"))
    try:
        event = intent_event(customer={"phone": "020 7946 0958"})
        body = json.dumps(event).encode()
        response = httpx.post(
            f"{running.url}/events/intent", content=body, headers={**JSON, **sign_journey(SECRET, body)}
        )
        assert response.status_code == 201
        (stored,) = running.store.read_since(None)[0]
        assert stored.data()["customer"]["phone"] == "+442079460958"
    finally:
        running.stop()


# --- authentication on every endpoint ---------------------------------------------------------

# Each builder returns (path, body, good headers, headers for the tampered body) for one endpoint.
MARKER = "payload-marker-7f3e"


def _journey(kind: str) -> Callable[[], tuple]:
    def build() -> tuple:
        event = event_for(kind, attributes={"note": MARKER})
        body = json.dumps(event).encode()
        headers = {"Content-Type": "application/json", **sign_journey(SECRET, body)}
        return f"/events/{kind}", body, headers

    return build


def _twilio(which: str) -> Callable[[], tuple]:
    def build() -> tuple:
        params = (twilio_inbound_params if which == "inbound" else twilio_status_params)()
        params["Body" if which == "inbound" else "ErrorCode"] = MARKER[:16]
        from urllib.parse import urlencode

        path = f"/twilio/{which}"
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, PUBLIC_URL + path, params),
        }
        return path, urlencode(params).encode(), headers

    return build


def _meta() -> tuple:
    payload = meta_payload(new_id("lead"))
    payload["entry"][0]["note"] = MARKER
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(META_SECRET, body)}
    return "/meta/leadgen", body, headers


ENDPOINTS = {
    **{f"/events/{k}": _journey(k) for k in EVENT_KINDS},
    "/twilio/inbound": _twilio("inbound"),
    "/twilio/status": _twilio("status"),
    "/meta/leadgen": _meta,
}
SIGNATURE_HEADERS = ("X-Journey-Signature", "X-Twilio-Signature", "X-Hub-Signature-256")


def _tamper(body: bytes) -> bytes:
    return body.replace(MARKER[:16].encode(), b"payload-marker-X")


@pytest.fixture
def security_events(intake: Intake) -> Iterator[Callable[[], list]]:
    before = len(intake.store.security_events(10_000))

    def new() -> list:
        return intake.store.security_events(10_000)[: len(intake.store.security_events(10_000)) - before]

    yield new


def _count_events(intake: Intake) -> int:
    return intake.store.count()


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_valid_signature_accepted(intake: Intake, endpoint: str) -> None:
    path, body, headers = ENDPOINTS[endpoint]()
    response = intake.client.post(path, content=body, headers=headers)
    assert 200 <= response.status_code < 300, response.text


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("attack", ["missing", "tampered", "wrong_secret"])
def test_bad_signature_is_401_and_recorded_without_payload(
    intake: Intake, security_events, caplog: pytest.LogCaptureFixture, endpoint: str, attack: str
) -> None:
    path, body, headers = ENDPOINTS[endpoint]()
    if attack == "missing":
        headers = {k: v for k, v in headers.items() if k not in SIGNATURE_HEADERS}
        expected_reason = "missing_signature"
    elif attack == "tampered":
        body = _tamper(body)
        expected_reason = "bad_signature"
    else:
        if endpoint.startswith("/events/"):
            headers = {**headers, **sign_journey("not-the-secret", body)}
        elif endpoint.startswith("/twilio/"):
            headers = {**headers, "X-Twilio-Signature": twilio_signature("not-the-token", PUBLIC_URL + path, {})}
        else:
            headers = {**headers, "X-Hub-Signature-256": meta_signature("not-the-secret", body)}
        expected_reason = "bad_signature"
    stored_before = _count_events(intake)
    with caplog.at_level(logging.DEBUG):
        response = intake.client.post(path, content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert _count_events(intake) == stored_before  # nothing stored
    (event,) = security_events()
    assert (event.endpoint, event.reason, event.remote_addr) == (path, expected_reason, "127.0.0.1")
    assert event.at.endswith("+00:00")
    # what is recorded and logged carries neither the payload nor a secret
    recorded = repr(event)
    for secret_or_payload in (MARKER[:16], "payload-marker-X", SECRET, TWILIO_TOKEN, META_SECRET):
        assert secret_or_payload not in recorded
        assert secret_or_payload not in caplog.text
    assert "reason=" + expected_reason in caplog.text


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_replayed_old_request_is_401_stale(intake: Intake, security_events, kind: str) -> None:
    old = int(time.time()) - 301
    response = intake.post_event(kind, event_for(kind), timestamp=old)
    assert response.status_code == 401
    assert [e.reason for e in security_events()] == ["stale_timestamp"]


def test_timestamp_from_the_future_is_refused(intake: Intake) -> None:
    response = intake.post_event("intent", intent_event(), timestamp=int(time.time()) + 400)
    assert response.status_code == 401


@pytest.mark.parametrize("endpoint", ["/twilio/inbound", "/twilio/status", "/meta/leadgen"])
def test_vendor_replay_is_deduplicated(intake: Intake, endpoint: str) -> None:
    """Twilio and Meta sign no timestamp: a replayed request is answered but stored once."""
    path, body, headers = ENDPOINTS[endpoint]()
    first = intake.client.post(path, content=body, headers=headers)
    count = _count_events(intake)
    second = intake.client.post(path, content=body, headers=headers)
    assert first.status_code == second.status_code and 200 <= first.status_code < 300
    assert _count_events(intake) == count
    if endpoint == "/meta/leadgen":
        assert first.json()["stored"] == 1 and second.json() == {"stored": 0, "duplicates": 1, "ignored": 0}
    else:
        assert (first.headers["X-Journey-Duplicate"], second.headers["X-Journey-Duplicate"]) == ("false", "true")


# --- size limit -----------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_oversized_body_is_413_before_auth(intake: Intake, security_events, endpoint: str) -> None:
    path = endpoint
    body = b"x" * (MAX_BODY + 1)
    response = intake.client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert [(e.endpoint, e.reason) for e in security_events()] == [(path, "body_too_large")]


def test_oversized_chunked_body_is_413(intake: Intake) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY // 1024 + 2):
            yield b"y" * 1024

    response = intake.client.post("/events/intent", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_body_at_the_limit_is_read(intake: Intake) -> None:
    event = intent_event(attributes={"pad": ""})
    size = len(json.dumps(event).encode())
    event["attributes"]["pad"] = "p" * (MAX_BODY - size)
    assert len(json.dumps(event).encode()) == MAX_BODY
    assert intake.post_event("intent", event).status_code == 201


# --- Twilio ---------------------------------------------------------------------------------


def test_twilio_inbound_stores_the_message_and_answers_empty_twiml(intake: Intake) -> None:
    params = twilio_inbound_params(From="+1 (415) 555-2671")
    response = intake.post_twilio("inbound", params, query="dealer_id=D07")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert "<Response></Response>" in response.text
    (stored,) = intake.stored(f"twilio:{params['MessageSid']}")
    assert (stored.kind, stored.event_type, stored.dealer_id) == ("twilio_inbound", "sms_inbound", "D07")
    data = stored.data()
    assert data["params"]["Body"] == params["Body"]
    assert data["from_phone"] == "+14155552671"


def test_twilio_signature_is_over_the_public_url(intake: Intake) -> None:
    params = twilio_inbound_params()
    # signed for the URL this process sees on loopback instead of the public one Twilio calls
    local = f"{intake.running.url}/twilio/inbound"
    assert intake.post_twilio("inbound", params, signed_url=local).status_code == 401
    # the query string is part of what Twilio signs
    response = intake.post_twilio(
        "inbound", params, query="dealer_id=D07", signed_url=f"{PUBLIC_URL}/twilio/inbound?dealer_id=D08"
    )
    assert response.status_code == 401


def test_twilio_status_keeps_one_row_per_transition(intake: Intake) -> None:
    sid = twilio_status_params()["MessageSid"]
    for status in ("sent", "delivered", "delivered"):
        response = intake.post_twilio("status", twilio_status_params(MessageSid=sid, MessageStatus=status))
        assert response.status_code == 204
    assert len(intake.stored(f"twilio-status:{sid}:sent")) == 1
    assert len(intake.stored(f"twilio-status:{sid}:delivered")) == 1


def test_twilio_validation(intake: Intake) -> None:
    params = twilio_status_params(MessageStatus="exploded")
    response = intake.post_twilio("status", params)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "MessageStatus"
    params = twilio_inbound_params()
    del params["MessageSid"]
    response = intake.post_twilio("inbound", params)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "MessageSid"


# --- Meta -----------------------------------------------------------------------------------


def test_meta_handshake(intake: Intake, security_events) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": META_VERIFY, "hub.challenge": "1158201444"}
    ok = intake.client.get("/meta/leadgen", params=params)
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert ok.headers["content-type"].startswith("text/plain")
    wrong = intake.client.get(
        "/meta/leadgen", params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    )
    assert wrong.status_code == 403
    mode = intake.client.get(
        "/meta/leadgen", params={"hub.mode": "unsubscribe", "hub.verify_token": META_VERIFY, "hub.challenge": "1"}
    )
    assert mode.status_code == 403
    assert [e.reason for e in security_events()] == ["bad_hub_mode", "bad_verify_token"]


def test_meta_leadgen_stores_each_lead(intake: Intake) -> None:
    a, b = new_id("lead"), new_id("lead")
    payload = meta_payload(a, b, extra_changes=[{"field": "feed", "value": {"item": "status"}}])
    response = intake.post_meta(payload)
    assert response.status_code == 200
    assert response.json() == {"stored": 2, "duplicates": 0, "ignored": 1}
    (stored,) = intake.stored(f"meta-leadgen:{a}")
    assert (stored.kind, stored.event_type) == ("meta_leadgen", "leadgen")
    data = stored.data()
    assert (data["leadgen_id"], data["page_id"], data["form_id"]) == (a, "1122334455", "5566778899")
    assert data["ad_id"] == "700000001"
    assert stored.occurred_at == "2026-08-01T16:00:00+00:00"


def test_meta_leadgen_validation_names_the_change(intake: Intake) -> None:
    payload = meta_payload(new_id("lead"))
    del payload["entry"][0]["changes"][0]["value"]["leadgen_id"]
    response = intake.post_meta(payload)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "entry.0.changes.0.value.leadgen_id"


# --- configuration, store failures, OpenAPI -------------------------------------------------


def test_unconfigured_channels_fail_closed(tmp_path) -> None:
    running = run_in_thread(
        make_settings(
            str(tmp_path / "bare.sqlite3"),
            twilio_auth_token=None,
            meta_app_secret=None,
            meta_verify_token=None,
            intake_secret=None,
        )
    )
    try:
        with httpx.Client(base_url=running.url) as client:
            assert client.post("/events/intent", content=b"{}").status_code == 503
            assert client.post("/twilio/inbound", content=b"").status_code == 503
            assert client.post("/meta/leadgen", content=b"{}").status_code == 503
            params = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
            handshake = client.get("/meta/leadgen", params=params)
            assert handshake.status_code == 403
    finally:
        running.stop()


def test_store_that_cannot_commit_answers_503_not_2xx(tmp_path) -> None:
    running = run_in_thread(make_settings(str(tmp_path / "closing.sqlite3")))
    try:
        running.store.close()
        event = intent_event()
        body = json.dumps(event).encode()
        response = httpx.post(
            f"{running.url}/events/intent", content=body, headers={**JSON, **sign_journey(SECRET, body)}
        )
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert httpx.get(f"{running.url}/healthz").status_code == 503
    finally:
        running.stop()


def test_openapi_documents_every_endpoint(intake: Intake) -> None:
    spec = intake.client.get("/openapi.json").json()
    for path in ENDPOINTS:
        assert "post" in spec["paths"][path]
    assert "get" in spec["paths"]["/meta/leadgen"] and "get" in spec["paths"]["/healthz"]
    intent = spec["paths"]["/events/intent"]["post"]
    assert intent["requestBody"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/IntentEvent"
    assert {p["name"] for p in intent["parameters"]} == {"X-Journey-Timestamp", "X-Journey-Signature"}
    schemas = spec["components"]["schemas"]
    documented = {"IntentEvent", "ConversionEvent", "SocialEvent", "ServiceEvent", "TwilioInbound", "MetaWebhook"}
    assert documented <= set(schemas)
    assert "test_drive_request" in json.dumps(schemas["IntentEvent"])


def test_previous_secret_is_accepted_during_rotation(tmp_path) -> None:
    settings = make_settings(str(tmp_path / "rot.sqlite3"), intake_secret="new-secret", intake_secret_previous=SECRET)
    running = run_in_thread(settings)
    try:
        for secret, expected in ((SECRET, 201), ("new-secret", 201), ("other", 401)):
            body = json.dumps(intent_event()).encode()
            response = httpx.post(
                f"{running.url}/events/intent", content=body, headers={**JSON, **sign_journey(secret, body)}
            )
            assert response.status_code == expected
    finally:
        running.stop()
