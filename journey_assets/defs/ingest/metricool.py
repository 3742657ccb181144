"""Metricool: a daily snapshot of every rooftop's social posts and their engagement, per network.

A post's likes, comments, shares and reach keep growing for weeks, so each
partition is a snapshot: on snapshot_date D it re-reads the posts published in
the rooftop's local days D - lookback_days + 1 .. D. Re-running D replaces that
snapshot (partition_expr snapshot_date); staging keeps each post's latest one.

A rooftop is a Metricool brand: `metricool_blog_id` in the rooftop config, or
else the brand whose label is the rooftop's name. A post missing its id, its
publication time or all of its engagement metrics (Metricool has not collected
them yet) goes to ops.quarantine_metricool with the reason.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg

from journey_assets.connectors.metricool import MetricoolClient, post_problems, post_row
from journey_assets.defs.ingest.common import (
    partition_day,
    quarantine_check,
    quarantine_frame,
    raw_asset_with_quarantine,
    typed_frame,
)
from journey_assets.defs.resources import MetricoolResource, RooftopsResource
from journey_assets.journey.quality import split_records, split_repeats

SOURCE = "metricool"
RAW_KEY = ["raw", "metricool_posts"]
SCHEMA = {
    "snapshot_date": "date",
    "dealer_id": "string",
    "blog_id": "string",
    "network": "string",
    "post_id": "string",
    "published_at": "timestamp",
    "post_url": "string",
    "post_text": "string",
    "post_type": "string",
    "likes": "int",
    "comments": "int",
    "shares": "int",
    "mentions": "int",
    "reach": "int",
    "impressions": "int",
    "clicks": "int",
    "loaded_at": "timestamp",
}


def brand_for(rooftop: dict[str, Any], brands: list[dict[str, Any]]) -> dict[str, Any] | None:
    wanted = rooftop.get("metricool_blog_id")
    if wanted not in (None, ""):
        return next((b for b in brands if str(b["id"]) == str(wanted)), None)
    name = str(rooftop.get("name") or "").strip().lower()
    return next((b for b in brands if str(b.get("label") or "").strip().lower() == name), None) if name else None


@raw_asset_with_quarantine(
    "posts",
    RAW_KEY,
    source=SOURCE,
    partition_expr="snapshot_date",
    description=(
        "Each rooftop's social posts per network with likes, comments, shares, mentions, reach, "
        "impressions and clicks, as Metricool reported them on snapshot_date."
    ),
)
def metricool_posts(context: dg.AssetExecutionContext, metricool: MetricoolResource, rooftops: RooftopsResource):
    day = partition_day(context)
    first_day = day - timedelta(days=max(metricool.lookback_days, 1) - 1)
    client = metricool.client()
    loaded_at = datetime.now(UTC)
    brands = client.brands()
    accepted: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for rooftop in rooftops.all():
        dealer_id = rooftop["dealer_id"]
        brand = brand_for(rooftop, brands)
        if brand is None:
            context.log.warning(
                f"{dealer_id}: no Metricool brand (set metricool_blog_id in the rooftop config); skipped"
            )
            continue
        tz = rooftop.get("timezone") or brand.get("timezone") or "UTC"
        rows = []
        for network in MetricoolClient.connected_networks(brand):
            for post in client.posts(brand["id"], network, first_day, day, tz):
                row = post_row(network, post, tz)
                row.update(
                    snapshot_date=day,
                    dealer_id=dealer_id,
                    blog_id=str(brand["id"]),
                    loaded_at=loaded_at,
                    post_key=f"{network}:{row['post_id']}",
                )
                rows.append(row)
        good, bad = split_records(rows, post_problems, key="post_key")
        good, repeats = split_repeats(good, key="post_key", what="Metricool post")
        accepted += good
        rejected += [{**r, "dealer_id": dealer_id} for r in bad + repeats]
        context.log.info(f"{dealer_id}: {len(good)} posts loaded, {len(bad) + len(repeats)} quarantined")
    yield dg.Output(typed_frame(accepted, SCHEMA), output_name="posts", metadata={"rows": len(accepted)})
    yield dg.Output(quarantine_frame(SOURCE, day, rejected), output_name="rejected", metadata={"rows": len(rejected)})
    yield quarantine_check(RAW_KEY, SOURCE, len(rejected), len(accepted))
