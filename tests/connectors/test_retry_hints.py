"""issue 8.5: a vendor's own "wait this long" is honoured, bounded, and logged with how long and why.

The answers are Google's and Meta's documented error shapes, served over real HTTP by a scripted
loopback server (the sandbox fakes do not throttle on request); the clients' `sleep` is injected,
so nothing waits 60 s.

* Google Ads: a 429 carries `GoogleAdsFailure.errors[].details.quotaErrorDetails.retryDelay`
  (a Duration, "60s") (developers.google.com/google-ads/api/docs/best-practices/quotas).
* Meta: throttling is HTTP 400 with code 4/17/613/80000-80014, and `X-Business-Use-Case-Usage`
  carries `estimated_time_to_regain_access` in minutes
  (developers.facebook.com/docs/graph-api/overview/rate-limiting).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from journey_assets.connectors.google_ads import GoogleAdsClient
from journey_assets.connectors.google_api import GoogleBearerAuth
from journey_assets.connectors.http import HintPolicy, RetryPolicy, TransientVendorError
from journey_assets.connectors.meta import MetaGraphClient, ThrottlePolicy

QUERY = "SELECT campaign.id FROM campaign"


def quota_error(retry_delay: str | None) -> dict:
    details = {"quotaErrorDetails": {"rateScope": "DEVELOPER", "rateName": "Requests per developer per minute"}}
    if retry_delay is not None:
        details["quotaErrorDetails"]["retryDelay"] = retry_delay
    return {
        "error": {
            "code": 429,
            "message": "Resource has been exhausted (e.g. check quota).",
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure",
                    "errors": [
                        {
                            "errorCode": {"quotaError": "RESOURCE_TEMPORARILY_EXHAUSTED"},
                            "message": "Too many requests. Retry in 60 seconds.",
                            "details": details,
                        }
                    ],
                    "requestId": "req-1",
                }
            ],
        }
    }


META_THROTTLED = {
    "error": {
        "message": "(#80005) There have been too many leadgen api calls to this Page.",
        "type": "OAuthException",
        "code": 80005,
        "fbtrace_id": "Atrace",
    }
}


def usage(minutes: int) -> dict[str, str]:
    entry = {"type": "leadgen", "call_count": 100, "total_cputime": 20, "total_time": 30}
    return {"X-Business-Use-Case-Usage": json.dumps({"1234": [{**entry, "estimated_time_to_regain_access": minutes}]})}


class Scripted:
    """A loopback server answering each request with the next (status, body, headers) of its script."""

    def __init__(self, script: list[tuple[int, object, dict[str, str]]]):
        self.script, self.paths = list(script), []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                scripted.paths.append(self.path)
                status, body, headers = scripted.script.pop(0)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator:
    servers: list[Scripted] = []

    def start(*script: tuple[int, object, dict[str, str]]) -> Scripted:
        servers.append(Scripted(list(script)))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def ads_client(url: str, waits: list[float], max_wait: float = 120.0) -> GoogleAdsClient:
    return GoogleAdsClient(
        url,
        auth=GoogleBearerAuth("google_ads", token="sandbox-ads-token"),
        retry=RetryPolicy(total=5, backoff_factor=0.5),
        hints=HintPolicy(max_wait=max_wait, sleep=waits.append),
    )


def test_google_ads_waits_the_retry_delay_it_was_given_once_instead_of_burning_retries(serve, caplog):
    server = serve((429, quota_error("60s"), {}), (200, [{"results": []}], {}))
    waits: list[float] = []
    with caplog.at_level(logging.WARNING, logger="journey_assets.connectors.http"):
        rows = list(ads_client(server.url, waits).search_stream("123-456-7890", QUERY))
    assert rows == [] and waits == [60.0]
    assert len(server.paths) == 2  # one 429, one answer: urllib3 did not spend its five retries first
    [line] = [r.getMessage() for r in caplog.records if "waiting" in r.getMessage()]
    assert "waiting 60.0s" in line and "QuotaErrorDetails.retryDelay 60s" in line


def test_a_retry_delay_beyond_the_bound_is_not_slept_but_handed_back_as_retry_after(serve):
    server = serve((429, quota_error("3600s"), {}))
    waits: list[float] = []
    with pytest.raises(TransientVendorError) as info:
        list(ads_client(server.url, waits, max_wait=120).search_stream("1234567890", QUERY))
    assert waits == [] and info.value.retry_after == 3600.0 and info.value.status == 429
    assert "retry after 3600s" in info.value.message and len(server.paths) == 1


def test_a_daily_quota_without_a_delay_is_deferred_at_once_not_looped(serve):
    server = serve((429, quota_error(None), {}))
    waits: list[float] = []
    with pytest.raises(TransientVendorError) as info:
        list(ads_client(server.url, waits).search_stream("1234567890", QUERY))
    assert waits == [] and len(server.paths) == 1 and info.value.retry_after is None


def meta_client(url: str, waits: list[float], max_regain_wait: float = 300.0) -> MetaGraphClient:
    return MetaGraphClient(
        url,
        "sandbox-meta-token",
        retry=RetryPolicy(total=0),
        throttle=ThrottlePolicy(retries=3, backoff=1.0, max_regain_wait=max_regain_wait),
        sleep=waits.append,
    )


LEAD = {"id": "900001", "created_time": "2026-11-23T10:00:00+0000", "field_data": []}


def test_meta_waits_its_estimated_time_to_regain_access_instead_of_its_backoff(serve, caplog):
    server = serve((400, META_THROTTLED, usage(2)), (200, LEAD, {}))
    waits: list[float] = []
    client = meta_client(server.url, waits)
    with caplog.at_level(logging.INFO, logger="journey_assets.connectors.meta"):
        assert client.get_lead("900001")["id"] == "900001"
    assert waits == [120.0]  # 2 minutes, not the 1 s backoff
    assert any("estimated_time_to_regain_access 2 min" in why for why, _ in client.pauses)
    assert any("waiting 120.0s" in r.getMessage() for r in caplog.records)


def test_meta_hands_a_long_estimate_back_as_retry_after(serve):
    server = serve((400, META_THROTTLED, usage(45)))
    waits: list[float] = []
    with pytest.raises(TransientVendorError) as info:
        meta_client(server.url, waits, max_regain_wait=300).get_lead("900001")
    assert waits == [] and info.value.retry_after == 45 * 60 and len(server.paths) == 1
