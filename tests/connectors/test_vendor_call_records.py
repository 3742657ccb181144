"""Issue 12: each vendor call is recorded once by the shared HTTP layer, with what a KPI needs and nothing private.

A scripted loopback server (tests/connectors/test_retry_hints.py) answers over real HTTP.
"""

from __future__ import annotations

import threading

import pytest
from test_retry_hints import Scripted

from journey_assets.connectors.http import (
    BearerTokenClient,
    PermanentVendorError,
    RetryPolicy,
    TransientVendorError,
    VendorClient,
    endpoint_template,
    recording_calls,
)

FAST = RetryPolicy(total=2, backoff_factor=0)


@pytest.fixture
def server():
    made: list[Scripted] = []

    def start(*script):
        made.append(Scripted(list(script)))
        return made[-1]

    yield start
    for one in made:
        one.close()


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/2010-04-01/Accounts/AC0123abcd/Messages.json?To=%2B15551234567", "/2010-04-01/Accounts/{id}/Messages.json"),
        ("properties/123456:runReport", "/properties/{id}:runReport"),
        ("/v21/customers/1234567890/googleAds:searchStream", "/v21/customers/{id}/googleAds:searchStream"),
        ("https://graph.facebook.com/v25.0/act_42/insights?access_token=EAAB", "/v25.0/{id}/insights"),
        ("/api/v1/customers/jane%40example.com/events", "/api/v1/customers/{id}/events"),
        ("/folders/IEAAAB/tasks", "/folders/{id}/tasks"),
        ("/dealers/D01/inventory.csv", "/dealers/{id}/inventory.csv"),
    ],
)
def test_endpoint_templates_keep_resource_names_and_drop_ids_and_queries(path, template):
    assert endpoint_template(path) == template


def test_a_segment_that_is_a_secret_is_never_kept_even_when_it_looks_like_a_word():
    assert endpoint_template("/services/hooks/webhooksecret", {"webhooksecret"}) == "/services/hooks/{id}"


def test_calls_are_recorded_with_status_outcome_attempts_and_latency(server):
    vendor = server((503, {}, {}), (200, {"ok": True}, {}), (404, {"message": "no such lead"}, {}), (500, {}, {}))
    client = BearerTokenClient(vendor.url, "tok-secret-123456", retry=FAST, retry_methods=frozenset({"GET"}))
    client.vendor = "crm"
    with recording_calls() as log:
        assert client.get_json("/leads/L00042?email=jane@example.com") == {"ok": True}
        with pytest.raises(PermanentVendorError):
            client.get_json("/leads/L00043")
        with pytest.raises(TransientVendorError):
            client.request("POST", "/leads", json={"email": "jane@example.com"})  # a write: not retried
    calls = log.calls
    assert [(c.vendor, c.method, c.endpoint, c.status, c.outcome, c.attempts) for c in calls] == [
        ("crm", "GET", "/leads/{id}", 200, "ok", 2),  # urllib3 retried the 503 once
        ("crm", "GET", "/leads/{id}", 404, "permanent_error", 1),
        ("crm", "POST", "/leads", 500, "transient_error", 1),
    ]
    assert all(c.latency_ms > 0 and c.at.tzinfo is not None for c in calls)
    assert all(c.retries == c.attempts - 1 for c in calls)
    recorded = repr(calls)
    assert "jane" not in recorded and "tok-secret" not in recorded and "L0004" not in recorded


def test_an_unreachable_vendor_is_recorded_without_a_status(server):
    vendor = server()
    url = vendor.url
    vendor.close()  # nothing listens on the port any more
    client = VendorClient(url, retry=RetryPolicy(total=1, backoff_factor=0))
    with recording_calls() as log, pytest.raises(TransientVendorError):
        client.get_json("/anything")
    [call] = log.calls
    assert (call.status, call.outcome, call.attempts) == (None, "transient_error", 2)


def test_nothing_is_recorded_outside_a_recording_block_and_worker_threads_record_into_it(server):
    vendor = server((200, {}, {}), (200, {}, {}), (200, {}, {}))
    outside = VendorClient(vendor.url, retry=FAST)
    outside.get_json("/ping")  # no block: nothing to record into, and nothing fails
    with recording_calls() as log:
        client = VendorClient(vendor.url, retry=FAST)  # built inside: its calls from other threads count
        workers = [threading.Thread(target=client.get_json, args=("/ping",)) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert [c.endpoint for c in log.calls] == ["/ping", "/ping"]
