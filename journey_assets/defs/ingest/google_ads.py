"""Google Ads daily stats per rooftop: campaigns, ad groups, keywords and search terms.

One daily partition = one `segments.date`. Google Ads keeps restating the last
weeks (conversions are attributed back to the click day), so re-running a
partition replaces that day (partition_expr date_day) and backfills are safe.
Money stays in micros here, as the API sends it; staging converts to currency.
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg

from journey_assets.connectors.google_ads import (
    AD_GROUP_STATS,
    CAMPAIGN_STATS,
    KEYWORD_STATS,
    SEARCH_TERMS,
    GaqlQuery,
    normalize_customer_id,
)
from journey_assets.defs.ingest.common import (
    partition_day,
    quarantine_check,
    quarantine_frame,
    quarantine_out,
    raw_out,
    typed_frame,
)
from journey_assets.defs.partitions import daily_partitions
from journey_assets.defs.resources import GoogleAdsResource, RooftopsResource
from journey_assets.journey.quality import missing_fields, split_records, split_repeats

SOURCE = "google_ads"
_COMMON = {"date_day": "date", "dealer_id": "string", "customer_id": "string", "campaign_id": "string"}
_METRICS = {"impressions": "int", "clicks": "int", "cost_micros": "int"}
TABLES: dict[str, dict[str, Any]] = {
    "campaign_stats": {
        "query": CAMPAIGN_STATS,
        "key": ("campaign_id",),
        "required": ("campaign_id",),
        "schema": {
            **_COMMON,
            "campaign_name": "string",
            "campaign_status": "string",
            "advertising_channel_type": "string",
            **_METRICS,
            "conversions": "float",
            "loaded_at": "timestamp",
        },
        "description": "Google Ads campaign stats per rooftop and day (impressions, clicks, cost in micros, conversions).",
    },
    "ad_group_stats": {
        "query": AD_GROUP_STATS,
        "key": ("ad_group_id",),
        "required": ("campaign_id", "ad_group_id"),
        "schema": {
            **_COMMON,
            "ad_group_id": "string",
            "ad_group_name": "string",
            "ad_group_status": "string",
            **_METRICS,
            "conversions": "float",
            "loaded_at": "timestamp",
        },
        "description": "Google Ads ad group stats per rooftop and day.",
    },
    "keyword_stats": {
        "query": KEYWORD_STATS,
        "key": ("ad_group_id", "keyword_id"),
        "required": ("campaign_id", "ad_group_id", "keyword_id"),
        "schema": {
            **_COMMON,
            "ad_group_id": "string",
            "keyword_id": "string",
            "keyword_text": "string",
            "match_type": "string",
            **_METRICS,
            "loaded_at": "timestamp",
        },
        "description": "Google Ads keyword (keyword_view) stats per rooftop and day.",
    },
    "search_terms": {
        "query": SEARCH_TERMS,
        "key": ("ad_group_id", "keyword_id", "search_term"),
        "required": ("campaign_id", "ad_group_id", "search_term"),
        "schema": {
            **_COMMON,
            "ad_group_id": "string",
            "keyword_id": "string",
            "search_term": "string",
            **_METRICS,
            "loaded_at": "timestamp",
        },
        "description": "Google Ads search terms (search_term_view) per rooftop, day and triggering keyword.",
    },
}
KEYS = {name: ["raw", f"google_ads_{name}"] for name in TABLES}


def ads_row_problems(row: Mapping[str, Any], day: date, required: tuple[str, ...]) -> list[str]:
    problems = missing_fields(row, ("dealer_id", "customer_id", *required))
    value = row.get("date_day")
    if not isinstance(value, date):
        problems.append(f"segments.date {value!r} is not a date")
    elif value != day:
        problems.append(f"segments.date {value} is outside the requested day {day}")
    for column in ("impressions", "clicks", "cost_micros"):
        number = row.get(column)
        if not isinstance(number, int) or isinstance(number, bool):
            problems.append(f"{column} {number!r} is not a whole number")
        elif number < 0:
            problems.append(f"{column} {number} is negative")
    if "conversions" in row:
        conversions = row.get("conversions")
        if not isinstance(conversions, (int, float)) or isinstance(conversions, bool) or conversions < 0:
            problems.append(f"conversions {conversions!r} is not a non-negative number")
    return problems


def fetch_table(
    client,
    query: GaqlQuery,
    customer_id: str,
    day: date,
    extra: dict[str, Any],
    key: tuple[str, ...],
    required: tuple[str, ...],
) -> tuple[list[dict], list[dict]]:
    rows = [{**row, **extra} for row in client.report(query, customer_id, day, day)]
    for row in rows:
        row["record_key"] = f"{query.name}:" + "|".join(str(row.get(c)) for c in ("date_day", *key))
    good, bad = split_records(rows, lambda r: ads_row_problems(r, day, required), key="record_key")
    good, repeats = split_repeats(good, key="record_key", what=f"Google Ads {query.name} row")
    return good, bad + repeats


@dg.multi_asset(
    outs={
        **{
            name: raw_out(
                KEYS[name],
                spec["description"],
                partition_expr="date_day",
            )
            for name, spec in TABLES.items()
        },
        "rejected": quarantine_out(SOURCE),
    },
    partitions_def=daily_partitions,
    check_specs=[dg.AssetCheckSpec("no_quarantined_rows", asset=KEYS[name]) for name in TABLES],
    can_subset=False,
)
def google_ads(context: dg.AssetExecutionContext, google_ads: GoogleAdsResource, rooftops: RooftopsResource):
    day = partition_day(context)
    loaded_at = datetime.now(UTC)
    good: dict[str, list] = {name: [] for name in TABLES}
    bad: dict[str, list] = {name: [] for name in TABLES}
    clients: dict[str, Any] = {}
    for rooftop in rooftops.all():
        dealer_id, customer_id = rooftop["dealer_id"], rooftop.get("google_ads_customer_id")
        if not customer_id:
            context.log.warning(f"{dealer_id}: no google_ads_customer_id in the rooftop config; skipped")
            continue
        customer_id = normalize_customer_id(customer_id)
        login = str(rooftop.get("google_ads_login_customer_id") or "")
        client = clients.setdefault(login, google_ads.client(login_customer_id=login or None))
        extra = {"dealer_id": dealer_id, "customer_id": customer_id, "loaded_at": loaded_at}
        for name, spec in TABLES.items():
            rows, rejected = fetch_table(client, spec["query"], customer_id, day, extra, spec["key"], spec["required"])
            good[name] += rows
            bad[name] += [{**r, "dealer_id": dealer_id} for r in rejected]
            context.log.info(f"{dealer_id} {name}: {len(rows)} rows loaded, {len(rejected)} quarantined")

    for name, spec in TABLES.items():
        yield dg.Output(typed_frame(good[name], spec["schema"]), output_name=name, metadata={"rows": len(good[name])})
    rejected = [r for name in TABLES for r in bad[name]]
    yield dg.Output(quarantine_frame(SOURCE, day, rejected), output_name="rejected", metadata={"rows": len(rejected)})
    for name in TABLES:
        yield quarantine_check(KEYS[name], SOURCE, len(bad[name]), len(good[name]))
