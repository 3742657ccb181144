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


def as_of(review: dict[str, Any], day: date) -> dict[str, Any] | None:
    """The review as it stood at the end of `day` (UTC): None if written later, its reply blanked if made later."""
    end = pd.Timestamp(day + timedelta(days=1), tz="UTC")
    created = _timestamp(review.get("create_time"))
    if created is not None and created >= end:
        return None
    replied = _timestamp(review.get("reply_update_time"))
    if replied is not None and replied >= end:
        return {**review, "reply_comment": None, "reply_update_time": None}
    return review


def as_of_snapshot(reviews: list[dict[str, Any]], day: date) -> list[dict[str, Any]]:
    """Every review as it stood at the end of `day` (UTC)."""
    return [version for review in reviews if (version := as_of(review, day)) is not None]


def change_days(review: Mapping[str, Any]) -> set[date] | None:
    """The UTC days the review was written, edited or replied to; None when a time is unreadable (for the rules)."""
    found = set()
    for column in CHANGE_COLUMNS:
        value = review.get(column)
        if value in (None, ""):
            continue
        stamp = _timestamp(value)
        if stamp is None:
            return None
        found.add(stamp.date())
    return found


def versions(reviews: list[dict[str, Any]], days: list[date], first_partition: date | None) -> Iterator[tuple]:
    """(day, the reviews new or changed that day, as they stood at its end); the first partition: every review.

    Each review's change days are read once, so a run of many days costs the reviews plus the days.
    """
    by_day: dict[date, list[dict[str, Any]]] = {}
    for review in reviews:
        changed = change_days(review)
        for day in [days[0]] if changed is None else changed:  # unreadable: once, so the rules quarantine it
            by_day.setdefault(day, []).append(review)
    for day in days:
        if day == first_partition:
            yield day, as_of_snapshot(reviews, day)
        else:
            yield day, [version for review in by_day.get(day, []) if (version := as_of(review, day)) is not None]


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
    for dealer_id, location_id, rooftop in run.rooftops_with("gbp_location_id"):
        account_id = str(rooftop.get("gbp_account_id") or run.vendor.account_id)
        # The API serves the reviews as they are now: read them once, and derive each day of the run from them.
        current = [{**review, "dealer_id": dealer_id} for review in client.iter_reviews(account_id, str(location_id))]
        run.log.info(
            f"{dealer_id}: {len(current)} reviews (location reports {client.last_summary.get('total_review_count')}, "
            f"average {client.last_summary.get('average_rating')})"
        )
        for day, changed in versions(current, list(run.days()), run.calendar_start):
            rows = [{**review, "snapshot_date": day, "loaded_at": loaded_at} for review in changed]
            yield Batch(REVIEWS.name, day, rows, dealer_id=dealer_id)


SOURCE = Source(name="gbp", tables=(REVIEWS,), fetch=fetch, resource="gbp")
