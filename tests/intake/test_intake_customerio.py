"""POST /customerio/reporting: Customer.io's reporting webhooks, signed with X-CIO-Signature, over real HTTP."""

from __future__ import annotations

import json
import logging
import time

import pytest
from support.intake_helpers import CIO_KEY, Intake, customerio_event

from journey_assets.journey.signatures import (
    SignatureError,
    customerio_signature,
    sign_customerio,
    verify_customerio,
)

PATH = "/customerio/reporting"


def _count(intake: Intake) -> int:
    return intake.store.count()


# --- the signature, as customerio-node's verifyRequestSignature computes it ----------------------


def test_signature_is_hmac_sha256_hex_over_v0_timestamp_body() -> None:
    import hashlib
    import hmac

    body = b'{"event_id":"01E4C4CT6YDC7Y5M7FE1GWWPQJ","metric":"opened"}'
    expected = hmac.new(b"key", b"v0:1585250199:" + body, hashlib.sha256).hexdigest()
    assert customerio_signature("key", 1585250199, body) == expected
    assert verify_customerio("key", body, "1585250199", expected, now=1585250199) == 1585250199
    assert verify_customerio(["old", "key"], body, "1585250199", expected.upper(), now=1585250200) == 1585250199


@pytest.mark.parametrize(
    ("timestamp", "signature", "reason"),
    [
        (None, "ab", "missing_timestamp"),
        ("1585250199", None, "missing_signature"),
        ("15852x0199", "ab", "malformed_timestamp"),
        ("1585249000", "ab", "stale_timestamp"),
        ("1585250199", "ab", "bad_signature"),
    ],
)
def test_signature_refusals_name_their_reason(timestamp, signature, reason) -> None:
    with pytest.raises(SignatureError) as raised:
        verify_customerio("key", b"{}", timestamp, signature, now=1585250199)
    assert raised.value.reason == reason


# --- the endpoint -------------------------------------------------------------------------------


def test_signed_event_is_stored_with_its_kind_and_time(intake: Intake) -> None:
    event = customerio_event("opened")
    response = intake.post_customerio(event)
    assert response.status_code == 200, response.text
    assert response.json() == {"event_id": f"customerio:{event['event_id']}", "duplicate": False}
    (stored,) = intake.stored(f"customerio:{event['event_id']}")
    assert (stored.kind, stored.event_type, stored.dealer_id) == ("customerio_reporting", "email_opened", None)
    assert stored.occurred_at == "2026-08-01T16:00:00+00:00"
    payload = json.loads(stored.payload)
    assert payload["metric"] == "opened" and payload["data"]["newsletter_id"] == "12"
    assert payload["data"]["email_address"] == "jane.doe@example.com"  # lowercased for matching


def test_replay_is_deduplicated(intake: Intake) -> None:
    event = customerio_event("clicked", data={**customerio_event()["data"], "href": "https://dealer.example/x"})
    body = json.dumps(event).encode()
    first = intake.post_customerio(body)
    count = _count(intake)
    # Customer.io's retry: the same event, signed again later
    second = intake.post_customerio(body, timestamp=int(time.time()) + 5)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["duplicate"] is True
    assert _count(intake) == count
    assert json.loads(intake.stored(f"customerio:{event['event_id']}")[0].payload)["data"]["href"]


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("wrong_key", "bad_signature"),
        ("tampered", "bad_signature"),
        ("stale", "stale_timestamp"),
        ("unsigned", "missing_signature"),
    ],
)
def test_bad_signature_is_401_and_nothing_is_stored(intake: Intake, caplog, how: str, reason: str) -> None:
    body = json.dumps(customerio_event("unsubscribed")).encode()
    headers = {"Content-Type": "application/json", **sign_customerio(CIO_KEY, body)}
    if how == "wrong_key":
        headers.update(sign_customerio("not-the-key", body))
    elif how == "tampered":
        body = body.replace(b"unsubscribed", b"delivered")
    elif how == "stale":
        headers.update(sign_customerio(CIO_KEY, body, int(time.time()) - 301))
    else:
        del headers["X-CIO-Signature"]
    before, security_before = _count(intake), len(intake.store.security_events(10_000))
    with caplog.at_level(logging.DEBUG):
        response = intake.client.post(PATH, content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized" and reason in response.json()["message"]
    assert _count(intake) == before
    recorded = intake.store.security_events(10_000)
    assert len(recorded) == security_before + 1
    assert (recorded[0].endpoint, recorded[0].reason) == (PATH, reason)
    assert CIO_KEY not in caplog.text and "jane.doe" not in caplog.text.lower()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"{not json", 400, None),
        (json.dumps({"metric": "opened", "object_type": "email", "timestamp": 1}).encode(), 422, "event_id"),
        (json.dumps(customerio_event(metric="Opened!")).encode(), 422, "metric"),
        (json.dumps(customerio_event(timestamp=-5)).encode(), 422, "timestamp"),
        (json.dumps(customerio_event(timestamp=10**13)).encode(), 422, "timestamp"),
        (json.dumps(customerio_event(data={"delivery_id": ""})).encode(), 422, "data.delivery_id"),
        (json.dumps(customerio_event(event_id="../etc")).encode(), 422, "event_id"),
        (b"[1, 2]", 422, None),
    ],
)
def test_malformed_event_is_4xx_with_the_reason(intake: Intake, body: bytes, status: int, field: str | None) -> None:
    before = _count(intake)
    response = intake.post_customerio(body)
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["error"] in ("invalid_json", "validation_failed") and answer["message"]
    if field:
        assert field in [e["field"] for e in answer["errors"]]
    assert _count(intake) == before


def test_a_metric_we_do_not_count_is_stored_all_the_same(intake: Intake) -> None:
    """A refusal would make Customer.io retry it for a week: a metric the warehouse ignores is still kept."""
    event = customerio_event("spammed")
    assert intake.post_customerio(event).status_code == 200
    assert intake.stored(f"customerio:{event['event_id']}")[0].event_type == "email_spammed"


def test_unconfigured_signing_key_is_503_not_stored(tmp_path) -> None:
    import httpx
    from support.intake_helpers import make_settings

    from journey_assets.intake.server import run_in_thread

    running = run_in_thread(make_settings(str(tmp_path / "events.sqlite3"), customerio_signing_key=None))
    try:
        body = json.dumps(customerio_event()).encode()
        with httpx.Client(base_url=running.url, timeout=10) as client:
            response = client.post(PATH, content=body, headers=sign_customerio(CIO_KEY, body))
        assert response.status_code == 503 and response.headers["Retry-After"]
        assert running.store.count() == 0
    finally:
        running.stop()


def test_openapi_documents_the_endpoint(intake: Intake) -> None:
    schema = intake.client.get("/openapi.json").json()
    operation = schema["paths"][PATH]["post"]
    assert {p["name"] for p in operation["parameters"]} == {"X-CIO-Timestamp", "X-CIO-Signature"}
    assert "CustomerIOReportingEvent" in schema["components"]["schemas"]
