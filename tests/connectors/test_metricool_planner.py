"""Metricool's planner (scheduled posts) through our client against the sandbox fake over real HTTP."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.marketing_world import FAST, new_requests, settle

from journey_assets.connectors.http import PermanentVendorError, TransientVendorError
from journey_assets.connectors.metricool import MetricoolClient, scheduler_post

TZ = "America/Chicago"


def client(server, **kwargs) -> MetricoolClient:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("timeout", 2.0)
    return MetricoolClient(server.vendor_url("metricool"), "mc-token", "42", **kwargs)


def blog(server, label: str = "Lakeshore Honda") -> int:
    return next(b["id"] for b in client(server).brands() if b["label"] == label)


def tomorrow_local(hours: int = 24) -> datetime:
    return (datetime.now(ZoneInfo(TZ)) + timedelta(hours=hours)).replace(tzinfo=None, microsecond=0)


def test_create_list_and_delete_a_scheduled_post(fresh_sandbox):
    mc, brand = client(fresh_sandbox), blog(fresh_sandbox)
    when = tomorrow_local()
    body = scheduler_post(
        "Just arrived: 2024 Honda Pilot. https://d.example/v1", "facebook", when, TZ, ["https://i/1.jpg"]
    )
    created = mc.schedule_post(brand, body)
    assert created["id"] and created["text"] == body["text"]
    assert created["publicationDate"] == {"dateTime": when.strftime("%Y-%m-%dT%H:%M:%S"), "timezone": TZ}
    request = new_requests(fresh_sandbox, "metricool")[-1]
    assert request["method"] == "POST" and request["path"] == "/v2/scheduler/posts"
    assert json.loads(request["query"]) == {"blogId": [str(brand)], "userId": ["42"]}
    assert json.loads(request["body"])["providers"] == [{"network": "facebook"}]
    assert "mc-token" not in request["query"] and "mc-token" not in request["headers"]

    listed = mc.scheduled_posts(brand, when - timedelta(hours=1), when + timedelta(hours=1), TZ)
    assert [p["id"] for p in listed] == [created["id"]]
    assert mc.scheduled_posts(brand, when + timedelta(hours=1), when + timedelta(hours=3), TZ) == []
    other = blog(fresh_sandbox, "Front Range Toyota")
    assert mc.scheduled_posts(other, when - timedelta(hours=1), when + timedelta(hours=1), TZ) == []  # per brand

    mc.delete_scheduled_post(brand, created["id"])
    assert mc.scheduled_posts(brand, when - timedelta(hours=1), when + timedelta(hours=1), TZ) == []
    with pytest.raises(PermanentVendorError) as gone:
        mc.delete_scheduled_post(brand, created["id"])
    assert gone.value.status == 404


@pytest.mark.parametrize(
    ("network", "text", "media", "hours", "expected"),
    [
        ("twitter", "x" * 281, [], 24, "280-character limit allowed on twitter"),
        ("bluesky", "x" * 301, [], 24, "300-character limit allowed on bluesky"),
        ("facebook", "ok", [], -2, "can't be in the past"),
        ("myspace", "ok", [], 24, "unknown network 'myspace'"),
        ("instagram", "ok", [], 24, "needs an image or a video"),
    ],
)
def test_the_planner_refuses_invalid_posts_with_a_4xx(fresh_sandbox, network, text, media, hours, expected):
    mc, brand = client(fresh_sandbox), blog(fresh_sandbox)
    before = len(fresh_sandbox.fakes["metricool"].scheduled)
    with pytest.raises(PermanentVendorError) as refused:
        mc.schedule_post(brand, scheduler_post(text, network, tomorrow_local(hours), TZ, media))
    assert refused.value.status == 400 and expected in refused.value.reason
    assert len(fresh_sandbox.fakes["metricool"].scheduled) == before  # nothing stored


def test_a_post_at_exactly_the_limit_is_taken_and_a_foreign_brand_is_refused(fresh_sandbox):
    mc, brand = client(fresh_sandbox), blog(fresh_sandbox)
    assert mc.schedule_post(brand, scheduler_post("x" * 280, "twitter", tomorrow_local(), TZ))["id"]
    with pytest.raises(PermanentVendorError) as foreign:
        mc.schedule_post(999, scheduler_post("ok", "facebook", tomorrow_local(), TZ))
    assert foreign.value.status == 403
    response = mc.session.post(
        mc.url("/v2/scheduler/posts"), params={"blogId": str(brand), "userId": "42"}, data=b"{not json"
    )
    assert response.status_code == 400  # sender input is never a 5xx


def test_a_create_is_not_repeated_after_a_lost_answer(fresh_sandbox):
    # The fake acts after the client has given up: the post exists, the client saw a timeout, and it
    # must not send the create again by itself (a second post would go out).
    mc, brand = client(fresh_sandbox, timeout=0.3), blog(fresh_sandbox)
    fresh_sandbox.inject("metricool", "timeout", times=1, delay=1.0, method="POST")
    with pytest.raises(TransientVendorError) as lost:
        mc.schedule_post(brand, scheduler_post("once", "facebook", tomorrow_local(), TZ))
    assert lost.value.not_sent is False  # it may have reached Metricool
    settle(fresh_sandbox, "metricool")
    posts = [r for r in new_requests(fresh_sandbox, "metricool") if r["method"] == "POST"]
    assert len(posts) == 1


def test_one_post_for_several_networks_is_checked_against_each(fresh_sandbox):
    mc, brand = client(fresh_sandbox), blog(fresh_sandbox)
    both = scheduler_post("z" * 500, ["facebook", "linkedin"], tomorrow_local(), TZ)
    assert both["providers"] == [{"network": "facebook"}, {"network": "linkedin"}]
    assert both["facebookData"] == {"type": "POST"} and both["linkedinData"] == {"type": "post"}
    assert mc.schedule_post(brand, both)["providers"] == both["providers"]
    with pytest.raises(PermanentVendorError, match="280-character limit allowed on twitter"):
        mc.schedule_post(brand, scheduler_post("z" * 500, ["facebook", "twitter"], tomorrow_local(), TZ))
