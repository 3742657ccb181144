"""The Google Ads searchStream client against the sandbox fake (and its GAQL parser) over real HTTP."""

from __future__ import annotations

import json

import pytest
from support.google_world import D01_CUSTOMER, DAY, FAST, LOGIN_CUSTOMER

from journey_assets.connectors.google_ads import (
    AD_GROUP_STATS,
    CAMPAIGN_STATS,
    KEYWORD_STATS,
    SEARCH_TERMS,
    GoogleAdsClient,
)
from journey_assets.connectors.google_api import google_auth
from journey_assets.connectors.http import MalformedResponseError, PermanentVendorError, TransientVendorError


def client(sandbox, **kwargs) -> GoogleAdsClient:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("timeout", 2.0)
    return GoogleAdsClient(
        sandbox.vendor_url("google_ads"), auth=google_auth("google_ads", [], access_token="t"), **kwargs
    )


def campaigns(sandbox, **kwargs) -> dict[str, dict]:
    return {r["campaign_id"]: r for r in client(sandbox, **kwargs).report(CAMPAIGN_STATS, D01_CUSTOMER, DAY, DAY)}


def test_campaign_stats_sum_the_day_and_default_missing_metrics_to_zero(gsandbox):
    rows = campaigns(gsandbox)
    assert set(rows) == {"2001", "2002"}  # the Meta campaign is not Google's
    used = rows["2001"]
    assert (used["impressions"], used["clicks"], used["cost_micros"], used["conversions"]) == (230, 19, 25_750_000, 1.5)
    assert (used["campaign_status"], used["advertising_channel_type"], used["date_day"]) == ("ENABLED", "SEARCH", DAY)
    service = rows["2002"]
    assert (service["impressions"], service["clicks"], service["cost_micros"], service["conversions"]) == (20, 0, 0, 0)
    assert service["campaign_status"] == "PAUSED"
    body = json.loads(gsandbox.log.rows("google_ads")[0]["body"])
    assert "FROM campaign WHERE segments.date BETWEEN '2026-11-22' AND '2026-11-22'" in body["query"]


def test_ad_group_keyword_and_search_term_reports(gsandbox):
    ads = client(gsandbox)
    groups = {r["ad_group_id"]: r for r in ads.report(AD_GROUP_STATS, D01_CUSTOMER, DAY, DAY)}
    assert (groups["3001"]["impressions"], groups["3001"]["cost_micros"], groups["3001"]["ad_group_name"]) == (
        150,
        19_750_000,
        "Used Civic",
    )
    keywords = {r["keyword_id"]: r for r in ads.report(KEYWORD_STATS, D01_CUSTOMER, DAY, DAY)}
    assert keywords["4001"]["clicks"] == 8 and keywords["4001"]["match_type"] == "EXACT"
    assert keywords["4002"]["keyword_text"] == "civic near me"
    terms = list(ads.report(SEARCH_TERMS, D01_CUSTOMER, DAY, DAY))
    assert len(terms) == 4
    civic = next(t for t in terms if t["search_term"] == "used honda civic austin")
    assert civic["keyword_id"] == "4001" and civic["cost_micros"] == 7_500_000
    assert civic["keyword_criterion"] == f"customers/{D01_CUSTOMER}/adGroupCriteria/3001~4001"


def test_raw_rows_are_proto3_json(gsandbox):
    """Check the fake's wire shape the client depends on: camelCase, int64 as strings, zeros left out."""
    ads = client(gsandbox)
    response = ads.session.post(
        ads.url(f"/v26/customers/{D01_CUSTOMER}/googleAds:searchStream"),
        json={
            "query": "SELECT campaign.id, metrics.clicks, metrics.cost_micros FROM campaign "
            "WHERE segments.date DURING YESTERDAY ORDER BY campaign.id"
        },
    )
    batches = response.json()
    assert batches[0]["fieldMask"] == "campaign.id,metrics.clicks,metrics.costMicros"
    first, second = batches[0]["results"]
    assert first["metrics"] == {"clicks": "19", "costMicros": "25750000"}
    assert first["campaign"]["resourceName"] == f"customers/{D01_CUSTOMER}/campaigns/2001"
    assert "metrics" not in second  # campaign 2002 had no clicks and no cost that day


def test_headers_login_customer_and_no_developer_token_by_default(gsandbox):
    list(client(gsandbox, login_customer_id="555-000-1111").report(CAMPAIGN_STATS, D01_CUSTOMER, DAY, DAY))
    headers = {k.lower(): v for k, v in json.loads(gsandbox.log.rows("google_ads")[0]["headers"]).items()}
    assert headers["login-customer-id"] == LOGIN_CUSTOMER
    assert "developer-token" not in headers  # sunset 2026-09-09: sent only when configured
    assert headers["authorization"] == "<redacted>"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("SELECT campaign.id FROM campaign_budget_forecast", "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE"),
        ("SELECT campaign.id, segments.date, metrics.clicks FROM campaign", "EXPECTED_FILTERS_ON_DATE_RANGE"),
        ("SELECT campaign.bogus FROM campaign", "UNRECOGNIZED_FIELD"),
        ("SELECT segments.date FROM campaign WHERE segments.date BETWEEN 'last week' AND '2026-11-22'", "BAD_VALUE"),
    ],
)
def test_a_refused_query_is_permanent_with_the_google_ads_failure(gsandbox, query, code):
    with pytest.raises(PermanentVendorError) as error:
        list(client(gsandbox).search_stream(D01_CUSTOMER, query))
    assert error.value.status == 400 and f"queryError={code}" in error.value.reason


def test_an_unknown_customer_is_refused(gsandbox):
    with pytest.raises(PermanentVendorError) as error:
        campaigns_of = client(gsandbox).report(CAMPAIGN_STATS, "9999999999", DAY, DAY)
        list(campaigns_of)
    assert error.value.status == 403 and "USER_PERMISSION_DENIED" in error.value.reason


@pytest.mark.parametrize("kind", ["rate_limit", "server_error", "drop"])
def test_a_transient_fault_is_retried(gsandbox, kind):
    gsandbox.inject("google_ads", kind, times=1, retry_after=0)
    assert len(campaigns(gsandbox)) == 2
    statuses = [r["status"] for r in gsandbox.log.rows("google_ads")]
    assert statuses[0] != 200 and statuses[-1] == 200


def test_a_slow_answer_times_out_and_is_retried(gsandbox):
    gsandbox.inject("google_ads", "timeout", times=1, delay=0.8)
    assert len(campaigns(gsandbox, timeout=0.3)) == 2
    assert len(gsandbox.log.rows("google_ads")) == 2


def test_a_persistent_outage_fails_loudly(gsandbox):
    gsandbox.inject("google_ads", "server_error", times=-1)
    with pytest.raises(TransientVendorError):
        campaigns(gsandbox)
    assert len(gsandbox.log.rows("google_ads")) == FAST.total + 1


@pytest.mark.parametrize("kind", ["malformed", "partial"])
def test_a_malformed_or_cut_off_stream_fails_loudly(gsandbox, kind):
    gsandbox.inject("google_ads", kind, times=1)
    with pytest.raises(MalformedResponseError):
        campaigns(gsandbox)
