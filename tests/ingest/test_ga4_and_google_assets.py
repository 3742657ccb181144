"""GA4, Google Ads, Business Profile and PageSpeed raw assets materialized for one partition into a temp DuckDB.

Real assets, real resources pointed at the real sandbox over HTTP, the project's local IO manager
(DuckDBPandasIOManager, plus typed empty tables on a first empty write).
"""

from __future__ import annotations

import dagster as dg
import duckdb
from google_world import DAY, _gserver, gsandbox, gworld, write_rooftops  # noqa: F401 (fixtures)

from journey_assets.defs.ingest.dealer_inventory import dealer_inventory
from journey_assets.defs.ingest.ga4 import ga4
from journey_assets.defs.ingest.gbp import gbp_reviews
from journey_assets.defs.ingest.google_ads import google_ads
from journey_assets.defs.ingest.pagespeed import pagespeed
from journey_assets.defs.io_managers import WarehouseDuckDBIOManager
from journey_assets.defs.resources import (
    DealerInventoryResource,
    GA4Resource,
    GBPResource,
    GoogleAdsResource,
    PageSpeedResource,
    RooftopsResource,
)

ASSETS = [dealer_inventory, ga4, google_ads, gbp_reviews, pagespeed]


def _resources(sandbox, rooftops_path, database):
    return {
        "io_manager": WarehouseDuckDBIOManager(database=str(database)),
        "rooftops": RooftopsResource(path=str(rooftops_path)),
        "dealer_inventory": DealerInventoryResource(base_url=sandbox.vendor_url("dealer_inventory"), api_key="k"),
        "ga4": GA4Resource(base_url=sandbox.vendor_url("ga4"), access_token="t", page_size=3),
        "google_ads": GoogleAdsResource(base_url=sandbox.vendor_url("google_ads"), access_token="t"),
        "gbp": GBPResource(base_url=sandbox.vendor_url("gbp"), account_id="106543210987654321098", access_token="t"),
        "pagespeed": PageSpeedResource(base_url=sandbox.vendor_url("pagespeed"), api_key="k"),
    }


def _count(con, table: str, where: str = "") -> int:
    return con.execute(f"select count(*) from {table} {where}").fetchone()[0]


def test_raw_google_assets_load_one_partition_and_rerun_replaces_it(gsandbox, gworld, tmp_path):
    database = tmp_path / "warehouse.duckdb"
    resources = _resources(gsandbox, write_rooftops(gworld, tmp_path / "rooftops.json"), database)
    for _ in range(2):  # the second run of the same partition must replace, not append
        result = dg.materialize(ASSETS, partition_key=DAY.isoformat(), resources=resources)
        assert result.success
    checks = {(e.asset_key.to_user_string(), e.passed) for e in result.get_asset_check_evaluations()}

    with duckdb.connect(str(database), read_only=True) as con:
        assert _count(con, "raw.ga4_sessions") == 6 + 1  # D01's six groups, D02's one
        assert con.execute("select sum(sessions) from raw.ga4_sessions where dealer_id = 'D01'").fetchone()[0] == 14
        assert _count(con, "raw.ga4_events") == 4 + 1
        assert con.execute(
            "select sum(cost_micros), sum(conversions) from raw.google_ads_campaign_stats"
        ).fetchone() == (25_750_000, 1.5)
        assert _count(con, "raw.google_ads_ad_group_stats") == 3
        assert _count(con, "raw.google_ads_keyword_stats") == 3
        assert _count(con, "raw.google_ads_search_terms") == 4
        # R006 was written after the day, R007 has no star rating (quarantined), R010 is in the future.
        assert sorted(r[0] for r in con.execute("select review_id from raw.gbp_reviews").fetchall()) == [
            "R001",
            "R002",
            "R003",
            "R004",
            "R005",
            "R008",
            "R009",
        ]
        # R003's reply came the day after: the snapshot of the 22nd has no reply yet.
        assert con.execute("select reply_comment from raw.gbp_reviews where review_id = 'R003'").fetchone() == (None,)
        quarantined = con.execute("select source, record_key, reason from ops.quarantine_gbp").fetchall()
        assert quarantined == [("gbp", "R007", "starRating 'STAR_RATING_UNSPECIFIED' is not ONE..FIVE")]
        # D01: home, search results and a VDP from the inventory feed, mobile and desktop. D02 has no
        # inventory (no VDP to measure) and PSI cannot load its search results page: quarantined, with PSI's reason.
        pages = con.execute(
            "select dealer_id, template, strategy, performance_score from raw.pagespeed_results order by 1, 2, 3"
        ).fetchall()
        assert ("D01", "vehicle_detail", "mobile", 0.47) in pages
        assert len([p for p in pages if p[0] == "D01"]) == 6
        assert {p[1] for p in pages if p[0] == "D02"} == {"home"}
        refused = con.execute(
            "select dealer_id, record_key, reason from ops.quarantine_pagespeed order by 2"
        ).fetchall()
        assert [r[:2] for r in refused] == [("D02", "search_results|desktop"), ("D02", "search_results|mobile")]
        assert "FAILED_DOCUMENT_REQUEST" in refused[0][2]
        assert _count(con, "ops.quarantine_ga4") == 0 and _count(con, "ops.quarantine_google_ads") == 0
        assert con.execute("select distinct date_day from raw.google_ads_keyword_stats").fetchall()[0][0].date() == DAY
    assert ("raw/gbp_reviews", False) in checks and ("raw/pagespeed_results", False) in checks
    assert {("raw/ga4_sessions", True), ("raw/ga4_events", True), ("raw/google_ads_search_terms", True)} <= checks
