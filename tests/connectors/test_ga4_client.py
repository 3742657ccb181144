"""The GA4 Data API client against the sandbox fake over real HTTP, including each injected fault."""

from __future__ import annotations

import google.auth.exceptions
import pytest
from support.google_world import D01_PROPERTY, D02_PROPERTY, DAY, FAST

from journey_assets.connectors.ga4 import EVENTS_REPORT, SESSIONS_REPORT, GA4Client, parse_metric
from journey_assets.connectors.google_api import GoogleBearerAuth, google_auth
from journey_assets.connectors.http import MalformedResponseError, PermanentVendorError, TransientVendorError
from journey_assets.sources.ga4 import session_row_problems
from journey_assets.sources.spec import Window


def client(sandbox, token: str = "test-token", **kwargs) -> GA4Client:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("timeout", 2.0)
    return GA4Client(sandbox.vendor_url("ga4"), auth=google_auth("ga4", [], access_token=token), **kwargs)


def sessions(sandbox, **kwargs) -> list[dict]:
    return list(client(sandbox, **kwargs).report(SESSIONS_REPORT, D01_PROPERTY, DAY, DAY))


def test_sessions_report_pages_through_every_row(gsandbox):
    rows = sessions(gsandbox, page_size=2)
    by_key = {(r["channel_group"], r["source"], r["medium"], r["campaign_id"], r["device_category"]): r for r in rows}
    assert len(rows) == 6 and len(by_key) == 6
    assert sum(r["sessions"] for r in rows) == 14
    paid = by_key[("Paid Search", "google", "cpc", "2001", "mobile")]
    assert (paid["sessions"], paid["engaged_sessions"], paid["screen_page_views"], paid["key_events"]) == (4, 1, 12, 1)
    direct = by_key[("Direct", "(direct)", "(none)", "(not set)", "desktop")]
    assert direct["sessions"] == 2 and direct["key_events"] == 0
    assert {r["date_day"] for r in rows} == {DAY}
    pages = [r for r in gsandbox.log.rows("ga4") if r["status"] == 200]
    assert len(pages) == 3  # 6 rows, 2 a page


def test_events_report_uses_the_property_time_zone(gsandbox):
    rows = list(client(gsandbox).report(EVENTS_REPORT, D01_PROPERTY, DAY, DAY))
    counts = {(r["event_name"], r["page_path"]): r["event_count"] for r in rows}
    vdp = "/inventory/2024-toyota-camry-1M8GDM9AXKP042788"
    # 03:00Z on the 23rd is the evening of the 22nd in Chicago; 04:00Z on the 22nd is still the 21st.
    assert counts == {
        ("page_view", "/"): 5,
        ("page_view", "/new-inventory/index.htm"): 3,
        ("view_item", vdp): 2,
        ("generate_lead", vdp): 1,
    }


def test_an_empty_report_has_no_rows(gsandbox):
    assert list(client(gsandbox).report(SESSIONS_REPORT, D02_PROPERTY, DAY.replace(day=1), DAY.replace(day=1))) == []


@pytest.mark.parametrize("kind", ["rate_limit", "server_error", "drop"])
def test_a_transient_fault_is_retried(gsandbox, kind):
    gsandbox.inject("ga4", kind, times=1, retry_after=0)
    assert len(sessions(gsandbox)) == 6
    statuses = [r["status"] for r in gsandbox.log.rows("ga4")]
    assert statuses[0] != 200 and statuses[-1] == 200


def test_a_slow_answer_times_out_and_is_retried(gsandbox):
    gsandbox.inject("ga4", "timeout", times=1, delay=0.8)
    assert len(sessions(gsandbox, timeout=0.3)) == 6
    assert len(gsandbox.log.rows("ga4")) == 2


def test_a_persistent_outage_fails_loudly(gsandbox):
    gsandbox.inject("ga4", "server_error", times=-1)
    with pytest.raises(TransientVendorError) as error:
        sessions(gsandbox)
    assert error.value.status == 503
    assert len(gsandbox.log.rows("ga4")) == FAST.total + 1


def test_a_malformed_page_fails_loudly(gsandbox):
    gsandbox.inject("ga4", "malformed", times=1)
    with pytest.raises(MalformedResponseError):
        sessions(gsandbox)


def test_a_truncated_page_is_not_loaded(gsandbox):
    gsandbox.inject("ga4", "partial", times=1)
    with pytest.raises(MalformedResponseError, match="expected 4 of 6"):
        sessions(gsandbox, page_size=4)


def test_refusals_are_permanent_with_googles_reason(gsandbox):
    with pytest.raises(PermanentVendorError) as error:
        list(client(gsandbox).report(SESSIONS_REPORT, "999", DAY, DAY))
    assert error.value.status == 403 and error.value.reason.startswith("PERMISSION_DENIED")
    with pytest.raises(PermanentVendorError) as error:
        list(client(gsandbox).run_report(D01_PROPERTY, DAY, DAY, ["eventName"], ["sessions"]))
    assert error.value.status == 400 and "incompatible" in error.value.reason
    with pytest.raises(ValueError):
        GoogleBearerAuth("ga4")  # neither credentials nor a token
    anonymous = GA4Client(gsandbox.vendor_url("ga4"), auth=GoogleBearerAuth("ga4", token=" "), retry=FAST)
    with pytest.raises(PermanentVendorError) as error:
        list(anonymous.report(SESSIONS_REPORT, D01_PROPERTY, DAY, DAY))
    assert error.value.status == 401


class _Credentials:
    """google-auth credentials whose refresh fails the way a revoked grant does."""

    valid = False
    token = None

    def __init__(self, exc: Exception):
        self.exc = exc
        self.refreshed = 0

    def refresh(self, request) -> None:
        self.refreshed += 1
        raise self.exc


def test_oauth_refresh_failures_map_to_the_error_classes(gsandbox):
    revoked = GoogleBearerAuth("ga4", credentials=_Credentials(google.auth.exceptions.RefreshError("invalid_grant")))
    with pytest.raises(PermanentVendorError, match="refresh refused"):
        list(
            GA4Client(gsandbox.vendor_url("ga4"), auth=revoked, retry=FAST).report(
                SESSIONS_REPORT, D01_PROPERTY, DAY, DAY
            )
        )
    offline = GoogleBearerAuth("ga4", credentials=_Credentials(google.auth.exceptions.TransportError("no route")))
    with pytest.raises(TransientVendorError):
        offline.bearer()
    assert gsandbox.log.rows("ga4") == []  # nothing was sent without a token


def test_metrics_are_parsed_by_their_header_type(gsandbox):
    """Issue 8 item 2: keyEvents is TYPE_FLOAT (MetricType in the Data API reference); counts are TYPE_INTEGER."""
    rows = list(client(gsandbox).report(SESSIONS_REPORT, D01_PROPERTY, DAY, DAY))
    assert rows and all(isinstance(r["key_events"], float) for r in rows)
    assert all(type(r["sessions"]) is int for r in rows)


@pytest.mark.parametrize(
    ("value", "metric_type", "parsed"),
    [
        ("3", "TYPE_INTEGER", 3),
        ("1.5", "TYPE_INTEGER", "1.5"),  # not a whole number: left for the row rules to quarantine
        ("1.5", "TYPE_FLOAT", 1.5),
        ("2", "TYPE_FLOAT", 2.0),
        ("12.25", "TYPE_SECONDS", 12.25),
        ("830", "TYPE_MILLISECONDS", 830.0),
        ("19.99", "TYPE_CURRENCY", 19.99),
        ("n/a", "TYPE_FLOAT", "n/a"),
    ],
)
def test_parse_metric(value, metric_type, parsed):
    got = parse_metric(value, metric_type)
    assert got == parsed and type(got) is type(parsed)


def test_a_fractional_key_event_is_loaded_not_quarantined():
    row = {
        "dealer_id": "D01",
        "channel_group": "Organic Search",
        "device_category": "mobile",
        "date_day": DAY,
        "sessions": 4,
        "engaged_sessions": 3,
        "screen_page_views": 9,
        "key_events": 1.5,
    }
    assert session_row_problems(row, Window(DAY, DAY)) == []
    assert session_row_problems({**row, "sessions": "1.5"}, Window(DAY, DAY)) == [
        "sessions '1.5' is not a whole number"
    ]
