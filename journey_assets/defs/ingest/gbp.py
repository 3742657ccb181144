"""Daily snapshot of every rooftop's Google Business Profile reviews.

The API serves reviews as they are now; a snapshot for day D keeps the reviews
written by the end of D (UTC) and drops owner replies made after D, so a
backfill of past days rebuilds what was known then instead of today's state.
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dagster as dg
import pandas as pd

from journey_assets.defs.ingest.common import (
    partition_day,
    quarantine_check,
    quarantine_frame,
    raw_asset_with_quarantine,
    typed_frame,
)
from journey_assets.defs.resources import GBPResource, RooftopsResource
from journey_assets.journey.quality import missing_fields, split_records, split_repeats

SOURCE = "gbp"
RAW_KEY = ["raw", "gbp_reviews"]
SCHEMA = {
    "snapshot_date": "date",
    "dealer_id": "string",
    "account_id": "string",
    "location_id": "string",
    "review_id": "string",
    "reviewer_name": "string",
    "is_anonymous": "bool",
    "star_rating": "int",
    "comment": "string",
    "create_time": "timestamp",
    "update_time": "timestamp",
    "reply_comment": "string",
    "reply_update_time": "timestamp",
    "loaded_at": "timestamp",
}


def _timestamp(value: Any) -> pd.Timestamp | None:
    if value in (None, ""):
        return None
    try:
        return pd.Timestamp(value).tz_convert("UTC") if pd.Timestamp(value).tzinfo else pd.Timestamp(value, tz="UTC")
    except (TypeError, ValueError):
        return None


def review_problems(row: Mapping[str, Any]) -> list[str]:
    problems = missing_fields(row, ("dealer_id", "review_id", "create_time"))
    if row.get("star_rating") not in (1, 2, 3, 4, 5):
        problems.append(f"starRating {row.get('star_rating_enum')!r} is not ONE..FIVE")
    for column in ("create_time", "update_time", "reply_update_time"):
        if row.get(column) not in (None, "") and _timestamp(row[column]) is None:
            problems.append(f"{column} {row[column]!r} is not an RFC 3339 timestamp")
    return problems


def as_of_snapshot(reviews: list[dict[str, Any]], day: date) -> list[dict[str, Any]]:
    """The reviews as they stood at the end of `day` (UTC): later reviews out, later replies blanked."""
    end = pd.Timestamp(day + timedelta(days=1), tz="UTC")
    kept = []
    for review in reviews:
        created = _timestamp(review.get("create_time"))
        if created is not None and created >= end:
            continue
        replied = _timestamp(review.get("reply_update_time"))
        if replied is not None and replied >= end:
            review = {**review, "reply_comment": None, "reply_update_time": None}
        kept.append(review)
    return kept


@raw_asset_with_quarantine(
    "reviews",
    RAW_KEY,
    source=SOURCE,
    partition_expr="snapshot_date",
    description=(
        "Google Business Profile reviews of each rooftop, one row per review per snapshot day, "
        "with the star rating (1-5), the text and the dealer's reply."
    ),
)
def gbp_reviews(context: dg.AssetExecutionContext, gbp: GBPResource, rooftops: RooftopsResource):
    day = partition_day(context)
    if not gbp.account_id:
        raise ValueError("JOURNEY_GBP_ACCOUNT_ID is not set: the Business Profile account that holds the rooftops")
    client = gbp.client()
    loaded_at = datetime.now(UTC)
    accepted, rejected = [], []
    for rooftop in rooftops.all():
        dealer_id, location_id = rooftop["dealer_id"], rooftop.get("gbp_location_id")
        if not location_id:
            context.log.warning(f"{dealer_id}: no gbp_location_id in the rooftop config; skipped")
            continue
        account_id = str(rooftop.get("gbp_account_id") or gbp.account_id)
        reviews = [
            {**review, "dealer_id": dealer_id, "snapshot_date": day, "loaded_at": loaded_at}
            for review in client.iter_reviews(account_id, str(location_id))
        ]
        snapshot = as_of_snapshot(reviews, day)
        good, bad = split_records(snapshot, review_problems, key="review_id")
        good, repeats = split_repeats(good, key="review_id", what="review")
        accepted += good
        rejected += [{**r, "dealer_id": dealer_id} for r in bad + repeats]
        context.log.info(
            f"{dealer_id}: {len(good)} reviews loaded, {len(bad) + len(repeats)} quarantined "
            f"(location reports {client.last_summary.get('total_review_count')} reviews today, "
            f"average {client.last_summary.get('average_rating')})"
        )
    yield dg.Output(typed_frame(accepted, SCHEMA), output_name="reviews", metadata={"rows": len(accepted)})
    yield dg.Output(quarantine_frame(SOURCE, day, rejected), output_name="rejected", metadata={"rows": len(rejected)})
    yield quarantine_check(RAW_KEY, SOURCE, len(rejected), len(accepted))
