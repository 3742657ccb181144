"""Metricool: a daily snapshot of every rooftop's social posts and their engagement, per network.

A post's likes, comments, shares and reach keep growing for weeks, so each
partition is a snapshot: on snapshot_date D it re-reads the posts published in
the rooftop's local days D - lookback_days + 1 .. D. Re-running D replaces that
snapshot; staging keeps each post's latest one.

A rooftop is a Metricool brand: `metricool_blog_id` in the rooftop config, or
else the brand whose label is the rooftop's name. A post missing its id, its
publication time or all of its engagement metrics (Metricool has not collected
them yet) goes to ops.quarantine_metricool with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from journey_assets.connectors.metricool import METRIC_KEYS, MetricoolClient, post_row
from journey_assets.journey.quality import missing_fields
from journey_assets.sources.spec import Batch, Fetch, Source, Table, Window

ENGAGEMENT = ("likes", "comments", "shares")


def post_problems(row: Mapping[str, Any], window: Window | None = None) -> list[str]:
    problems = missing_fields(row, ("post_id", "network"))
    if row.get("published_at") is None:
        problems.append("publishedAt is missing or unreadable")
    if all(row.get(metric) is None for metric in ENGAGEMENT):
        problems.append("engagement metrics are missing (Metricool has not collected this post's insights)")
    for metric in METRIC_KEYS:
        value = row.get(metric)
        if value is None:
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            problems.append(f"{metric} {value!r} is not a number")
            continue
        if number < 0:
            problems.append(f"{metric} {value} is negative")
    return problems


POSTS = Table(
    name="metricool_posts",
    description=(
        "Each rooftop's social posts per network with likes, comments, shares, mentions, reach, "
        "impressions and clicks, as Metricool reported them on snapshot_date."
    ),
    columns={
        "snapshot_date": "date",
        "dealer_id": "string",
        "blog_id": "string",
        "network": "string",
        "post_id": "string",
        "published_at": "timestamp",
        "post_url": "string",
        "post_text": "string",
        "post_type": "string",
        **dict.fromkeys(METRIC_KEYS, "int"),
        "loaded_at": "timestamp",
    },
    partition_column="snapshot_date",
    key=("network", "post_id"),
    rules=post_problems,
    what="Metricool post",
    not_null=("snapshot_date", "dealer_id", "blog_id", "network", "post_id", "published_at", "loaded_at"),
)


def brand_for(rooftop: Mapping[str, Any], brands: list[dict[str, Any]]) -> dict[str, Any] | None:
    wanted = rooftop.get("metricool_blog_id")
    if wanted not in (None, ""):
        return next((b for b in brands if str(b["id"]) == str(wanted)), None)
    name = str(rooftop.get("name") or "").strip().lower()
    return next((b for b in brands if str(b.get("label") or "").strip().lower() == name), None) if name else None


def fetch(run: Fetch) -> Iterator[Batch]:
    client = run.vendor.client()
    loaded_at = datetime.now(UTC)
    brands = client.brands()
    for day in run.days():  # a snapshot per day: engagement as Metricool reported it that day
        first_day = day - timedelta(days=max(run.vendor.lookback_days, 1) - 1)
        for rooftop in run.rooftops:
            dealer_id = rooftop["dealer_id"]
            brand = brand_for(rooftop, brands)
            if brand is None:
                run.log.warning(
                    f"{dealer_id}: no Metricool brand (set metricool_blog_id in the rooftop config); skipped"
                )
                continue
            tz = rooftop.get("timezone") or brand.get("timezone") or "UTC"
            rows = []
            for network in MetricoolClient.connected_networks(brand):
                for post in client.posts(brand["id"], network, first_day, day, tz):
                    row = post_row(network, post, tz)
                    row.update(snapshot_date=day, dealer_id=dealer_id, blog_id=str(brand["id"]), loaded_at=loaded_at)
                    rows.append(row)
            yield Batch(POSTS.name, day, rows, dealer_id=dealer_id)


SOURCE = Source(name="metricool", tables=(POSTS,), fetch=fetch, resource="metricool")
