"""The Metricool client against the sandbox fake over real HTTP: brands, per-network posts, faults."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from support.marketing_world import FAST, new_requests, settle

from journey_assets.connectors.http import MalformedResponseError, PermanentVendorError, TransientVendorError
from journey_assets.connectors.metricool import MetricoolClient, post_row
from journey_assets.sources.metricool import post_problems

DAY = date(2026, 11, 20)


def client(server, **kwargs) -> MetricoolClient:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("timeout", 2.0)
    return MetricoolClient(server.vendor_url("metricool"), "mc-token", "42", **kwargs)


def d01_blog(server) -> int:
    return next(b["id"] for b in client(server).brands() if b["label"] == "Lakeshore Honda")


def test_brands_list_connected_networks(fresh_sandbox):
    brands = {b["label"]: b for b in client(fresh_sandbox).brands()}
    assert MetricoolClient.connected_networks(brands["Lakeshore Honda"]) == ["facebook", "instagram", "linkedin"]
    assert MetricoolClient.connected_networks(brands["Front Range Toyota"]) == ["facebook", "instagram", "linkedin"]
    request = new_requests(fresh_sandbox, "metricool")[-1]
    assert json.loads(request["query"]) == {"userId": ["42"]}
    assert "mc-token" not in request["query"]  # the token travels in X-Mc-Auth, never in the URL


def test_posts_of_a_local_day_with_network_specific_names(fresh_sandbox):
    blog = d01_blog(fresh_sandbox)
    mc = client(fresh_sandbox)
    facebook = mc.posts(blog, "facebook", DAY, DAY, "America/Chicago")
    instagram = mc.posts(blog, "instagram", DAY, DAY, "America/Chicago")
    assert [p["postId"] for p in facebook] == ["P000", "P003"]
    assert [p["postId"] for p in instagram] == ["P001", "P004"]
    fb, ig = post_row("facebook", facebook[0], "UTC"), post_row("instagram", instagram[0], "UTC")
    assert fb["reach"] == 500 and fb["impressions"] == 900 and fb["clicks"] == 5  # impressionsunique -> reach
    assert ig["impressions"] == 901 and ig["clicks"] is None  # impressionsTotal; Instagram reports no clicks
    assert fb["published_at"] == datetime(2026, 11, 20, 16, tzinfo=UTC)  # local Chicago time back to UTC
    assert post_problems(fb) == [] and post_problems(ig) == []
    query = json.loads(new_requests(fresh_sandbox, "metricool")[-1]["query"])
    assert query["from"] == ["2026-11-20T00:00:00"] and query["to"] == ["2026-11-20T23:59:59"]
    assert query["timezone"] == ["America/Chicago"] and query["blogId"] == [str(blog)]


def test_the_local_day_decides(fresh_sandbox):
    # P002 (18:00Z) and P005 (21:00Z) are both on the 20th in Chicago; in Kolkata P005 is 02:30 on the 21st.
    blog = d01_blog(fresh_sandbox)
    assert [p["postId"] for p in client(fresh_sandbox).posts(blog, "linkedin", DAY, DAY, "America/Chicago")] == [
        "P002",
        "P005",
    ]
    assert [p["postId"] for p in client(fresh_sandbox).posts(blog, "linkedin", DAY, DAY, "Asia/Kolkata")] == ["P002"]


def test_partial_insights_become_row_problems(fresh_sandbox):
    blog = d01_blog(fresh_sandbox)
    fresh_sandbox.inject("metricool", "partial", times=1)
    posts = client(fresh_sandbox).posts(blog, "facebook", DAY, DAY, "America/Chicago")
    problems = [post_problems(post_row("facebook", p, "UTC")) for p in posts]
    assert problems[0] and "engagement metrics are missing" in problems[0][0]
    assert problems[1] == []


@pytest.mark.parametrize("kind", ["rate_limit", "server_error", "drop"])
def test_a_transient_fault_is_retried(fresh_sandbox, kind):
    blog = d01_blog(fresh_sandbox)
    fresh_sandbox.inject("metricool", kind, times=1, retry_after=0)
    assert len(client(fresh_sandbox).posts(blog, "facebook", DAY, DAY, "America/Chicago")) == 2


def test_a_slow_answer_times_out_and_is_retried(fresh_sandbox):
    blog = d01_blog(fresh_sandbox)
    fresh_sandbox.inject("metricool", "timeout", times=1, delay=1.0)
    assert len(client(fresh_sandbox, timeout=0.3).posts(blog, "facebook", DAY, DAY, "America/Chicago")) == 2
    settle(fresh_sandbox, "metricool")


def test_a_persistent_outage_and_a_malformed_answer_fail_loudly(fresh_sandbox):
    blog = d01_blog(fresh_sandbox)
    fresh_sandbox.inject("metricool", "malformed", times=1)
    with pytest.raises(MalformedResponseError):
        client(fresh_sandbox).posts(blog, "facebook", DAY, DAY, "America/Chicago")
    fresh_sandbox.inject("metricool", "server_error", times=-1)
    with pytest.raises(TransientVendorError):
        client(fresh_sandbox).posts(blog, "facebook", DAY, DAY, "America/Chicago")


def test_refusals_are_permanent_with_metricools_reason(fresh_sandbox):
    with pytest.raises(PermanentVendorError) as error:
        client(fresh_sandbox).posts(999, "facebook", DAY, DAY, "America/Chicago")
    assert error.value.status == 403 and "not a brand" in error.value.reason
    with pytest.raises(PermanentVendorError) as error:
        MetricoolClient(fresh_sandbox.vendor_url("metricool"), "", "42", retry=FAST).brands()
    assert error.value.status == 401
