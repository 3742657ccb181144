"""Google Ads daily stats per rooftop: campaigns, ad groups, keywords and search terms.

One partition day = one `segments.date`. Google Ads keeps restating the last
weeks (conversions are attributed back to the click day), so re-running a
partition replaces that day (partition column date_day) and backfills are safe.
Money stays in micros here, as the API sends it; staging converts to currency.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from journey_assets.connectors.google_ads import (
    AD_GROUP_STATS,
    CAMPAIGN_STATS,
    KEYWORD_STATS,
    SEARCH_TERMS,
    GaqlQuery,
    normalize_customer_id,
)
from journey_assets.journey.quality import missing_fields
from journey_assets.sources.spec import Batch, Fetch, Source, Table, Window

_COMMON = {"date_day": "date", "dealer_id": "string", "customer_id": "string", "campaign_id": "string"}
_METRICS = {"impressions": "int", "clicks": "int", "cost_micros": "int"}
_NOT_NULL = ("date_day", "dealer_id", "customer_id", "campaign_id", "loaded_at")


def ads_row_problems(row: Mapping[str, Any], window: Window, required: tuple[str, ...]) -> list[str]:
    problems = missing_fields(row, ("dealer_id", "customer_id", *required))
    value = row.get("date_day")
    if not isinstance(value, date):
        problems.append(f"segments.date {value!r} is not a date")
    else:
        problems += window.outside("segments.date", value)
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


def _table(query: GaqlQuery, key: tuple[str, ...], required: tuple[str, ...], columns: dict, description: str) -> Table:
    return Table(
        name=f"google_ads_{query.name}",
        description=description,
        columns={**_COMMON, **columns, "loaded_at": "timestamp"},
        partition_column="date_day",
        key=("date_day", *key),
        rules=lambda row, window: ads_row_problems(row, window, required),
        what=f"Google Ads {query.name} row",
        key_prefix=f"{query.name}:",
        not_null=(*_NOT_NULL, *(c for c in required if c != "campaign_id")),
    )


QUERIES: dict[str, GaqlQuery] = {}


def _declare(query: GaqlQuery, key: tuple[str, ...], required: tuple[str, ...], columns: dict, text: str) -> Table:
    QUERIES[f"google_ads_{query.name}"] = query
    return _table(query, key, required, columns, text)


CAMPAIGN = _declare(
    CAMPAIGN_STATS,
    ("campaign_id",),
    ("campaign_id",),
    {
        "campaign_name": "string",
        "campaign_status": "string",
        "advertising_channel_type": "string",
        **_METRICS,
        "conversions": "float",
    },
    "Google Ads campaign stats per rooftop and day (impressions, clicks, cost in micros, conversions).",
)
AD_GROUP = _declare(
    AD_GROUP_STATS,
    ("ad_group_id",),
    ("campaign_id", "ad_group_id"),
    {
        "ad_group_id": "string",
        "ad_group_name": "string",
        "ad_group_status": "string",
        **_METRICS,
        "conversions": "float",
    },
    "Google Ads ad group stats per rooftop and day.",
)
KEYWORD = _declare(
    KEYWORD_STATS,
    ("ad_group_id", "keyword_id"),
    ("campaign_id", "ad_group_id", "keyword_id"),
    {"ad_group_id": "string", "keyword_id": "string", "keyword_text": "string", "match_type": "string", **_METRICS},
    "Google Ads keyword (keyword_view) stats per rooftop and day.",
)
SEARCH_TERM = _declare(
    SEARCH_TERMS,
    ("ad_group_id", "keyword_id", "search_term"),
    ("campaign_id", "ad_group_id", "search_term"),
    {"ad_group_id": "string", "keyword_id": "string", "search_term": "string", **_METRICS},
    "Google Ads search terms (search_term_view) per rooftop, day and triggering keyword.",
)


def fetch(run: Fetch) -> Iterator[Batch]:
    loaded_at = datetime.now(UTC)
    clients: dict[str, Any] = {}
    for dealer_id, customer_id, rooftop in run.rooftops_with("google_ads_customer_id"):
        customer_id = normalize_customer_id(customer_id)
        login = str(rooftop.get("google_ads_login_customer_id") or "")
        client = clients.get(login) or clients.setdefault(login, run.vendor.client(login_customer_id=login or None))
        extra = {"dealer_id": dealer_id, "customer_id": customer_id, "loaded_at": loaded_at}
        for table in SOURCE.tables:
            # segments.date BETWEEN the run's first and last day: one query per table for the range.
            query = QUERIES[table.name]
            rows = [{**row, **extra} for row in client.report(query, customer_id, run.first_day, run.last_day)]
            yield Batch(table.name, run.last_day, rows, dealer_id=dealer_id, window=run.range)


SOURCE = Source(
    name="google_ads", tables=(CAMPAIGN, AD_GROUP, KEYWORD, SEARCH_TERM), fetch=fetch, resource="google_ads"
)
