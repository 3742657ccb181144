"""GA4, Google Ads, Business Profile and PageSpeed raw assets materialized for one partition into a temp DuckDB.

Real assets, real resources pointed at the real sandbox over HTTP, the project's local IO manager
(DuckDBPandasIOManager, plus typed empty tables on a first empty write).
"""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg
import duckdb
from support.google_world import DAY, write_rooftops

from journey_assets.defs.ingest.dealer_inventory import dealer_inventory
from journey_assets.defs.ingest.ga4 import ga4
from journey_assets.defs.ingest.gbp import gbp_reviews
from journey_assets.defs.ingest.google_ads import google_ads
from journey_assets.defs.ingest.pagespeed import pagespeed
from journey_assets.defs.io_managers import WarehouseDuckDBIOManager
from journey_assets.defs.partitions import daily_partitions
from journey_assets.defs.resources import (
    DealerInventoryResource,
    GA4Resource,
    GBPResource,
    GoogleAdsResource,
    PageSpeedResource,
    RooftopsResource,
)

ASSETS = [dealer_inventory, ga4, google_ads, pagespeed]


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
    assert ("raw/pagespeed_results", False) in checks
    assert {("raw/ga4_sessions", True), ("raw/ga4_events", True), ("raw/google_ads_search_terms", True)} <= checks


def test_ingest_runs_land_their_vendor_calls_without_ids_or_query_strings(gsandbox, gworld, tmp_path):
    """Issue 12: every call a run makes lands in ops.vendor_calls_<source>: endpoint template, status, attempts."""
    database = tmp_path / "warehouse.duckdb"
    resources = _resources(gsandbox, write_rooftops(gworld, tmp_path / "rooftops.json"), database)
    for _ in range(2):  # a re-run of the partition replaces its calls
        result = dg.materialize(ASSETS, partition_key=DAY.isoformat(), resources=resources)
        assert result.success
    with duckdb.connect(str(database), read_only=True) as con:
        calls = con.execute(
            "select source, vendor, method, endpoint, status, outcome, attempts, retries, latency_ms, run_id,"
            " partition_date::date from ops.vendor_calls_ga4 union all select source, vendor, method, endpoint,"
            " status, outcome, attempts, retries, latency_ms, run_id, partition_date::date"
            " from ops.vendor_calls_pagespeed"
        ).fetchall()
        runs = con.execute("select count(distinct run_id) from ops.vendor_calls_google_ads").fetchone()[0]
    assert runs == 1
    assert {c[9] for c in calls} == {result.run_id} and {c[10] for c in calls} == {DAY}
    ga4_endpoints = {c[3] for c in calls if c[0] == "ga4"}
    assert ga4_endpoints and all(e.endswith("{id}:runReport") for e in ga4_endpoints), ga4_endpoints
    assert all("?" not in c[3] and c[3].rsplit("/", 1)[-1] != "k" for c in calls)
    assert all(c[6] == c[7] + 1 and c[8] > 0 for c in calls)
    # PSI refuses D02's search results page (FAILED_DOCUMENT_REQUEST, a 500): a failed call, not an ok one.
    pagespeed = [c for c in calls if c[0] == "pagespeed"]
    assert {c[5] for c in pagespeed if c[4] == 200} == {"ok"} and any(c[5] != "ok" for c in pagespeed)


def range_tags(first: date, last: date) -> dict[str, str]:
    """A single-run backfill of [first, last]: the tags Dagster's backfill daemon puts on the run."""
    return {
        "dagster/asset_partition_range_start": first.isoformat(),
        "dagster/asset_partition_range_end": last.isoformat(),
    }


def test_reviews_are_stored_when_they_change_not_every_day(gsandbox, gworld, tmp_path):
    """Issue 8 item 17: one row per review and day it was written, edited or replied to; the first partition
    holds every review written by then. Staging's latest row per review is the review as it stands."""
    database = tmp_path / "warehouse.duckdb"
    resources = _resources(gsandbox, write_rooftops(gworld, tmp_path / "rooftops.json"), database)
    first = date.fromisoformat(daily_partitions.get_first_partition_key())
    result = dg.materialize([gbp_reviews], resources=resources, tags=range_tags(first, DAY))
    assert result.success
    with duckdb.connect(str(database), read_only=True) as con:
        stored = con.execute(
            "select review_id, snapshot_date::date, reply_comment from raw.gbp_reviews order by 2, 1"
        ).fetchall()
        quarantined = con.execute("select source, record_key, reason from ops.quarantine_gbp").fetchall()
    days_run = (DAY - first).days + 1
    # Seven reviews by the 22nd (R006 is written after it, R007 has no rating, R010 is in the future),
    # and R001 again on the day of its reply: eight rows over all the days, not seven a day.
    assert [(review, str(day)) for review, day, _ in stored] == [
        ("R008", "2026-10-01"),
        ("R009", "2026-10-02"),
        ("R001", "2026-11-01"),
        ("R001", "2026-11-02"),
        ("R002", "2026-11-05"),
        ("R003", "2026-11-10"),
        ("R004", "2026-11-12"),
        ("R005", "2026-11-20"),
    ]
    assert days_run > 100 and len(stored) < days_run
    assert [reply for review, _, reply in stored if review == "R001"] == [None, "Thank you!"]
    assert [reply for review, _, reply in stored if review == "R003"] == [None]  # replied on the 23rd
    assert quarantined == [("gbp", "R007", "starRating 'STAR_RATING_UNSPECIFIED' is not ONE..FIVE")]

    # The next day brings R003's reply and R006, and nothing else again.
    assert dg.materialize(
        [gbp_reviews], partition_key=(DAY + timedelta(days=1)).isoformat(), resources=resources
    ).success
    with duckdb.connect(str(database), read_only=True) as con:
        next_day = con.execute(
            "select review_id, reply_comment from raw.gbp_reviews where snapshot_date = ? order by 1",
            [DAY + timedelta(days=1)],
        ).fetchall()
    assert next_day == [("R003", "Sorry, please call me"), ("R006", None)]
