"""The Business Profile reviews client against the sandbox fake over real HTTP, including each injected fault."""

from __future__ import annotations

import pytest
from support.google_world import D01_LOCATION, D02_LOCATION, FAST

from journey_assets.connectors.gbp import GBPClient
from journey_assets.connectors.google_api import google_auth
from journey_assets.connectors.http import MalformedResponseError, PermanentVendorError, TransientVendorError

ACCOUNT = "106543210987654321098"


def client(sandbox, **kwargs) -> GBPClient:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("timeout", 2.0)
    return GBPClient(sandbox.vendor_url("gbp"), auth=google_auth("gbp", [], access_token="t"), **kwargs)


def reviews(sandbox, location=D01_LOCATION, **kwargs) -> dict[str, dict]:
    return {r["review_id"]: r for r in client(sandbox, **kwargs).iter_reviews(ACCOUNT, location)}


def test_pages_through_every_review_newest_first(gsandbox):
    gbp = client(gsandbox, page_size=2)
    rows = list(gbp.iter_reviews(f"accounts/{ACCOUNT}", f"locations/{D01_LOCATION}"))
    # R001..R007 were written by the world's as_of (R006 on the 23rd itself); 4 pages of 2.
    assert [r["review_id"] for r in rows] == ["R006", "R007", "R005", "R004", "R003", "R002", "R001"]
    assert gbp.last_summary["total_review_count"] == 7
    assert len([r for r in gsandbox.log.rows("gbp") if r["status"] == 200]) == 4


def test_maps_ratings_reviewers_comments_and_replies(gsandbox):
    rows = reviews(gsandbox)
    assert rows["R001"]["star_rating"] == 5 and rows["R001"]["reply_comment"] == "Thank you!"
    assert rows["R001"]["reply_update_time"] == "2026-11-02T09:00:00.000Z"
    assert rows["R002"]["is_anonymous"] is True and rows["R002"]["reviewer_name"] is None
    assert rows["R004"]["comment"] is None and rows["R004"]["star_rating"] == 3  # rating only
    assert rows["R007"]["star_rating"] is None and rows["R007"]["star_rating_enum"] == "STAR_RATING_UNSPECIFIED"
    assert rows["R003"]["review_name"] == f"accounts/{ACCOUNT}/locations/{D01_LOCATION}/reviews/R003"
    assert set(reviews(gsandbox, D02_LOCATION)) == {"R008", "R009"}  # R010 is after the world's as_of


@pytest.mark.parametrize("kind", ["rate_limit", "server_error", "drop"])
def test_a_transient_fault_is_retried(gsandbox, kind):
    gsandbox.inject("gbp", kind, times=1, retry_after=0)
    assert len(reviews(gsandbox)) == 7
    statuses = [r["status"] for r in gsandbox.log.rows("gbp")]
    assert statuses[0] != 200 and statuses[-1] == 200


def test_a_slow_answer_times_out_and_is_retried(gsandbox):
    gsandbox.inject("gbp", "timeout", times=1, delay=0.8)
    assert len(reviews(gsandbox, timeout=0.3)) == 7
    assert len(gsandbox.log.rows("gbp")) == 2


def test_a_persistent_outage_fails_loudly(gsandbox):
    gsandbox.inject("gbp", "rate_limit", times=-1, retry_after=0)
    with pytest.raises(TransientVendorError) as error:
        reviews(gsandbox)
    assert error.value.status == 429


def test_a_malformed_page_fails_loudly(gsandbox):
    gsandbox.inject("gbp", "malformed", times=1)
    with pytest.raises(MalformedResponseError):
        reviews(gsandbox)


def test_a_page_that_lost_reviews_is_not_loaded(gsandbox):
    gsandbox.inject("gbp", "partial", times=1, path=r"/reviews$")
    with pytest.raises(MalformedResponseError, match="read 6 reviews but the location reports 7"):
        reviews(gsandbox, page_size=2)


def test_an_unknown_location_is_permanent(gsandbox):
    with pytest.raises(PermanentVendorError) as error:
        reviews(gsandbox, "3333")
    assert error.value.status == 404 and error.value.reason.startswith("NOT_FOUND")
