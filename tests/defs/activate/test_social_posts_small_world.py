"""The demo's nightly selection drafts the small world's inventory events into the review queue."""

from __future__ import annotations

import duckdb

from journey_assets.journey.social_posts import TEXT_LIMITS, marker


def test_the_demo_leaves_drafts_in_review_each_within_its_networks_limit(small_warehouse):
    with duckdb.connect(str(small_warehouse.duckdb_path), read_only=True) as db:
        drafts = db.execute("select * from ops.social_post_drafts").df()
        decisions = db.execute("select * from ops.social_post_decisions").df()
        stock = db.execute("select vehicle_id, dealer_id from marts.dim_inventory_vehicles where is_in_stock").df()
    assert len(drafts) > 0
    assert drafts["draft_id"].is_unique
    assert set(drafts["event_type"]) <= {"new_arrival", "price_drop"}
    assert (drafts["text"].str.len() <= drafts["network"].map(TEXT_LIMITS)).all()
    assert all(marker(i) in t for i, t in zip(drafts["draft_id"], drafts["text"], strict=True))
    in_stock = set(zip(stock["vehicle_id"], stock["dealer_id"], strict=True))
    assert set(zip(drafts["vehicle_id"], drafts["dealer_id"], strict=True)) <= in_stock
    # every draft awaits review: drafted once, by the system, nothing approved without a marketer
    assert sorted(decisions["draft_id"]) == sorted(drafts["draft_id"])
    assert set(decisions["decision"]) == {"drafted"} and set(decisions["decided_by"]) == {"system"}
