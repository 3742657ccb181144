"""Google Business Profile reviews per rooftop: a row when a review is new or changed, not every review every day.

The API serves reviews as they are now. Partition day D keeps, as they stood
at the end of D (UTC), the reviews written, edited (`updateTime`) or replied
to (`reviewReply.updateTime`) on D; the first partition keeps every review
written by then. So the table grows with the reviews, not with the days, and a
backfill of past days rebuilds what was known then. Staging takes each
review's latest row. A review deleted on Google, or a reply removed, leaves no
timestamp to see, so it stays as last seen.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from journey_assets.journey.quality import missing_fields
from journey_assets.sources.spec import Batch, Fetch, Source, Table, Window

CHANGE_COLUMNS = ("create_time", "update_time", "reply_update_time")


def _timestamp(value: Any) -> pd.Timestamp | None:
    if value in (None, ""):
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return stamp.tz_convert("UTC") if stamp.tzinfo else stamp.tz_localize("UTC")


def review_problems(row: Mapping[str, Any], window: Window) -> list[str]:
    problems = missing_fields(row, ("dealer_id", "review_id", "create_time"))
    if row.get("star_rating") not in (1, 2, 3, 4, 5):
        problems.append(f"starRating {row.get('star_rating_enum')!r} is not ONE..FIVE")
    for column in CHANGE_COLUMNS:
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


def changed_on(review: Mapping[str, Any], day: date) -> bool:
    """Whether the review was written, edited or replied to on `day`; an unreadable time counts (for the rules)."""
    for column in CHANGE_COLUMNS:
        value = review.get(column)
        if value in (None, ""):
            continue
        stamp = _timestamp(value)
        if stamp is None or stamp.date() == day:
            return True
    return False


REVIEWS = Table(
    name="gbp_reviews",
    description=(
        "Google Business Profile reviews of each rooftop, one row per review and day it was written, edited or "
        "replied to (the first day: every review), with the star rating (1-5), the text and the dealer's reply."
    ),
    columns={
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
    },
    partition_column="snapshot_date",
    key=("review_id",),
    rules=review_problems,
    what="review",
    not_null=(
        "snapshot_date",
        "dealer_id",
        "account_id",
        "location_id",
        "review_id",
        "star_rating",
        "create_time",
        "loaded_at",
    ),
)


def fetch(run: Fetch) -> Iterator[Batch]:
    if not run.vendor.account_id:
        raise ValueError("JOURNEY_GBP_ACCOUNT_ID is not set: the Business Profile account that holds the rooftops")
    client = run.vendor.client()
    loaded_at = datetime.now(UTC)
    for rooftop in run.rooftops:
        dealer_id, location_id = rooftop["dealer_id"], rooftop.get("gbp_location_id")
        if not location_id:
            run.log.warning(f"{dealer_id}: no gbp_location_id in the rooftop config; skipped")
            continue
        account_id = str(rooftop.get("gbp_account_id") or run.vendor.account_id)
        reviews = [
            {**review, "dealer_id": dealer_id, "snapshot_date": run.day, "loaded_at": loaded_at}
            for review in client.iter_reviews(account_id, str(location_id))
        ]
        snapshot = as_of_snapshot(reviews, run.day)
        if not run.from_beginning:
            snapshot = [review for review in snapshot if changed_on(review, run.day)]
        run.log.info(
            f"{dealer_id}: {len(snapshot)} reviews new or changed "
            f"(location reports {client.last_summary.get('total_review_count')} reviews today, "
            f"average {client.last_summary.get('average_rating')})"
        )
        yield Batch(REVIEWS.name, run.day, snapshot, dealer_id=dealer_id)


SOURCE = Source(name="gbp", tables=(REVIEWS,), fetch=fetch, resource="gbp")
