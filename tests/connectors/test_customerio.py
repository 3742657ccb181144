"""The Customer.io Track and App clients against the sandbox's Customer.io over real HTTP."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
import requests

from journey_assets.connectors.customerio import (
    UNAUTHORIZED_HINT,
    CustomerIOAppClient,
    CustomerIOTrackClient,
    _customerio_reason,
    person_event,
    person_identify,
    stable_event_id,
)
from journey_assets.connectors.http import PermanentVendorError, RetryPolicy, TransientVendorError

ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


@pytest.fixture
def fake(sandbox):
    return sandbox.fakes["customerio"]


@pytest.fixture
def track(sandbox, fake, fast_retry) -> CustomerIOTrackClient:
    return CustomerIOTrackClient(
        fake.site_id, fake.api_key, base_url=sandbox.vendor_url("customerio"), timeout=5, retry=fast_retry
    )


@pytest.fixture
def app(sandbox, fake, fast_retry) -> CustomerIOAppClient:
    return CustomerIOAppClient(fake.app_api_key, base_url=sandbox.vendor_url("customerio"), timeout=5, retry=fast_retry)


def test_identify_puts_the_attributes_with_basic_auth(sandbox, track, fake):
    track.identify("C00001", {"first_name": "Ana", "journey_stage": "intent", "dealer_id": "D01"})
    assert fake.people["C00001"] == {"first_name": "Ana", "journey_stage": "intent", "dealer_id": "D01"}
    [row] = sandbox.rows("customerio")
    assert (row["method"], row["path"], row["status"]) == ("PUT", "/api/v1/customers/C00001", 200)
    assert json.loads(row["headers"])["Authorization"] == "<redacted>"


def test_wrong_track_credentials_are_a_permanent_401(sandbox, fake, fast_retry):
    client = CustomerIOTrackClient(fake.site_id, "wrong", base_url=sandbox.vendor_url("customerio"), retry=fast_retry)
    with pytest.raises(PermanentVendorError) as info:
        client.identify("C1", {"a": 1})
    assert info.value.status == 401 and "Unauthorized" in info.value.reason


def test_a_401_says_what_to_check_site_id_api_key_and_region(sandbox, fake, fast_retry):
    """issue 8.6: a 401 surfaced as "answered 401: " with nothing to go on."""
    url = sandbox.vendor_url("customerio")
    track = CustomerIOTrackClient(fake.site_id, "wrong-track-key", base_url=url, retry=fast_retry)
    app = CustomerIOAppClient("wrong-app-key", base_url=url, retry=fast_retry)
    for call in (lambda: track.identify("C1", {"a": 1}), lambda: app.send_email(3, "a@example.com", {"id": "C1"})):
        with pytest.raises(PermanentVendorError) as info:
            call()
        reason = info.value.reason
        assert info.value.status == 401
        assert "site id" in reason and "API key" in reason and "track-eu.customer.io" in reason
        assert "Unauthorized request" in reason  # Customer.io's own words are kept
        assert "wrong-track-key" not in str(info.value) and "wrong-app-key" not in str(info.value)


def test_a_401_with_an_empty_body_still_says_what_to_check():
    empty = requests.Response()
    empty.status_code, empty._content = 401, b""
    assert _customerio_reason(empty) == UNAUTHORIZED_HINT


def test_app_api_errors_in_their_documented_shape_carry_the_detail():
    """App API errors are `{"errors": [{"detail", "status"}]}` (docs.customer.io/integrations/api/app)."""
    answer = requests.Response()
    answer.status_code, answer._content = 400, b'{"errors": [{"detail": "message_data is too large", "status": "400"}]}'
    assert _customerio_reason(answer) == "message_data is too large"


def test_identify_over_the_attribute_limit_carries_customerios_reason(track):
    with pytest.raises(PermanentVendorError) as info:
        track.identify("C1", {f"attr_{n}": n for n in range(301)})
    assert info.value.status == 400
    assert info.value.reason == "cannot identify more than 300 attributes in one request"


def test_events_carry_a_ulid_and_a_repeat_is_deduplicated(track, fake):
    event_id = stable_event_id("lead:L00001:hot_lead", datetime(2026, 11, 23, 15, 4, tzinfo=UTC))
    assert ULID.fullmatch(event_id)
    assert track.track_event("C00001", "hot_lead", {"score": 0.91}, event_id=event_id) == event_id
    track.track_event("C00001", "hot_lead", {"score": 0.91}, event_id=event_id)  # the next run re-sends it
    assert [e["name"] for e in fake.events] == ["hot_lead"]
    with pytest.raises(PermanentVendorError) as info:
        track.track_event("C00001", "  ")
    assert info.value.reason == "name cannot be blank"


def test_segment_membership_goes_1000_ids_a_call(sandbox, track, fake):
    ids = [f"C{n:05d}" for n in range(2500)]
    assert track.add_to_segment(7, ids) == 3
    assert len(fake.segments[7]) == 2500
    calls = [r for r in sandbox.rows("customerio") if r["path"] == "/api/v1/segments/7/add_customers"]
    assert [len(json.loads(r["body"])["ids"]) for r in calls] == [1000, 1000, 500]
    track.remove_from_segment(7, ids[:10])
    assert len(fake.segments[7]) == 2490


def test_batch_all_accepted(track, fake):
    ops = [
        person_identify("C1", {"first_name": "Ana"}),
        person_event("C1", "test_drive_booked", {"vin": "1HGCV1F42JA141468"}),
    ]
    result = track.batch(ops)
    assert result.ok and result.accepted == [0, 1] and result.requests == 1
    assert fake.people["C1"] == {"first_name": "Ana"} and fake.events[0]["name"] == "test_drive_booked"


def test_batch_207_reports_the_invalid_operations_and_applies_the_rest(sandbox, track, fake):
    ops = [
        person_identify("C1", {"first_name": "Ana"}),
        {
            "type": "person",
            "identifiers": {"id": "C2", "email": "b@example.com"},
            "action": "identify",
            "attributes": {},
        },
        person_identify("C3", {"first_name": "Cy"}),
        {"type": "person", "identifiers": {"id": "C4"}, "action": "event", "attributes": {}},
    ]
    result = track.batch(ops)
    assert result.accepted == [0, 2]
    assert [(e.index, e.reason, e.field) for e in result.errors] == [
        (1, "invalid", "identifiers"),
        (3, "required", "name"),
    ]
    assert set(fake.people) == {"C1", "C3"}
    assert sandbox.rows("customerio")[-1]["status"] == 207


def test_partial_fault_mixes_with_real_validation_errors(sandbox, track, fake):
    sandbox.inject("customerio", "partial", times=1, path="/api/v2/batch")
    ops = [person_identify(f"C{n}", {"n": n}) for n in range(5)]
    ops[2] = {"type": "widget", "identifiers": {"id": "C2"}, "action": "identify"}
    result = track.batch(ops)
    assert result.accepted == [0, 4]
    assert [(e.index, e.reason) for e in result.errors] == [(1, "unavailable"), (2, "invalid"), (3, "unavailable")]
    assert set(fake.people) == {"C0", "C4"}
    assert sandbox.rows("customerio")[-1]["fault"] == "partial"


def test_batches_are_packed_under_500kb_and_oversized_operations_are_not_sent(sandbox, track, fake):
    ops = [person_identify(f"C{n}", {f"note_{k}": "x" * 900 for k in range(20)}) for n in range(40)]  # ~18 KB each
    ops.append(person_identify("huge", {f"blob_{k}": "y" * 900 for k in range(40)}))  # ~37 KB
    result = track.batch(ops)
    assert result.requests == 2 and result.accepted == list(range(40))
    assert [(e.index, e.reason) for e in result.errors] == [(40, "too_large")]
    sizes = [len(r["body"].encode()) for r in sandbox.rows("customerio")]
    assert len(sizes) == 2 and all(size < 500 * 1000 for size in sizes)
    assert "huge" not in fake.people and len(fake.people) == 40


def test_a_rate_limited_batch_is_retried(sandbox, track):
    sandbox.inject("customerio", "rate_limit", times=1, retry_after=0)
    assert track.batch([person_identify("C1", {"a": 1})]).accepted == [0]
    assert [r["status"] for r in sandbox.rows("customerio")] == [429, 200]


def test_a_5xx_batch_is_not_repeated_but_an_identify_is(sandbox, track):
    sandbox.inject("customerio", "server_error", times=1)
    with pytest.raises(TransientVendorError):
        track.batch([person_identify("C1", {"a": 1})])
    assert len(sandbox.rows("customerio")) == 1
    sandbox.inject("customerio", "server_error", times=1)
    track.identify("C1", {"a": 1})  # PUT is idempotent: retried within the call
    assert [r["status"] for r in sandbox.rows("customerio")][1:] == [503, 200]


def test_transactional_email_and_sms_answer_a_delivery_id(sandbox, app, fake):
    email = app.send_email(12, "ana@example.com", {"id": "C00001"}, {"first_name": "Ana", "vehicle": "2024 RAV4"})
    sms = app.send_sms("lead_followup", "+14155552671", {"id": "C00001"}, {"first_name": "Ana"})
    assert email.delivery_id and sms.delivery_id and email.delivery_id != sms.delivery_id
    assert [d["channel"] for d in fake.deliveries] == ["email", "sms"]
    sent = json.loads(sandbox.rows("customerio")[0]["body"])
    assert sent == {
        "transactional_message_id": 12,
        "to": "ana@example.com",
        "identifiers": {"id": "C00001"},
        "message_data": {"first_name": "Ana", "vehicle": "2024 RAV4"},
    }


def test_transactional_errors(sandbox, app, fake, fast_retry):
    with pytest.raises(PermanentVendorError) as info:
        app.send_sms(3, "+15551234567", {"id": "C1"})
    assert info.value.status == 400 and "E.164" in info.value.reason
    with pytest.raises(ValueError):
        app.send_email(3, "a@example.com", {"id": "C1", "email": "a@example.com"})
    bad = CustomerIOAppClient("wrong", base_url=sandbox.vendor_url("customerio"), retry=fast_retry)
    with pytest.raises(PermanentVendorError) as info:
        bad.send_email(3, "a@example.com", {"id": "C1"})
    assert info.value.status == 401


def test_a_timed_out_send_is_not_repeated(sandbox, fake, wait_for):
    app = CustomerIOAppClient(
        fake.app_api_key,
        base_url=sandbox.vendor_url("customerio"),
        timeout=0.2,
        retry=RetryPolicy(total=3, backoff_factor=0),
    )
    sandbox.inject("customerio", "timeout", times=1, delay=0.7)
    with pytest.raises(TransientVendorError):
        app.send_email(3, "a@example.com", {"id": "C1"})
    wait_for(lambda: [r for r in sandbox.rows("customerio") if r["status"] is not None])  # the slow answer lands
    assert [(r["status"], r["fault"]) for r in sandbox.rows("customerio")] == [(200, "timeout")]
    assert len(fake.deliveries) == 1  # it did go through: exactly why it must not be repeated blindly
