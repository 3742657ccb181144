"""Google Business Profile reviews (My Business API v4 `accounts.locations.reviews.list`), served from world.reviews.

References (stored copies via the search tool): developers.google.com/my-business/reference/rest/v4/
accounts.locations.reviews/list and developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews
(Review, Reviewer, StarRating, ReviewReply).

    GET /v4/accounts/{account_id}/locations/{location_id}/reviews?pageSize=50&pageToken=...&orderBy=updateTime desc
    -> {"reviews": [Review], "averageRating": 4.3, "totalReviewCount": 120, "nextPageToken": "..."}

What the fake reproduces: pageSize at most 50 (larger asks are served 50),
default order `updateTime desc` (also `rating`, `rating desc`), an opaque
`nextPageToken` absent on the last page, `reviews` absent for a location
without reviews, StarRating as ONE..FIVE, RFC 3339 UTC "Zulu" timestamps,
`comment` absent on a rating-only review, `reviewReply` only when the dealer
answered, `reviewer.isAnonymous` with no real name. Google's error object for
an unknown location (404 NOT_FOUND), a bad page token (400 INVALID_ARGUMENT)
or a missing bearer (401). Any account id and any bearer are accepted; the
location must be a rooftop's `gbp_location_id`.

The reviews served are those written on or before the world's as_of day.
Fault `partial` drops half of one page's reviews while its nextPageToken and
totalReviewCount stay as they were.
"""

from __future__ import annotations

import base64
import threading
from typing import Any

import pandas as pd

from journey_assets.sandbox.fakes.ga4 import bearer_missing, google_error
from journey_assets.sandbox.server import FakeVendor, SandboxRequest, SandboxResponse, route

MAX_PAGE_SIZE = 50
STAR_NAMES = {1: "ONE", 2: "TWO", 3: "THREE", 4: "FOUR", 5: "FIVE"}


def zulu(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def read_token(token: str) -> int:
    text = base64.urlsafe_b64decode(token.encode()).decode()
    if not text.startswith("offset:"):
        raise ValueError(token)
    return int(text.removeprefix("offset:"))


class GBPFake(FakeVendor):
    name = "gbp"

    def _location(self, location_id: str) -> str | None:
        rooftops = self.world.table("rooftops")
        if "gbp_location_id" not in rooftops.columns:
            return None
        ids = rooftops["gbp_location_id"].astype(str).str.split("/").str[-1]
        match = rooftops[ids == location_id]
        return None if match.empty else str(match.iloc[0]["dealer_id"])

    def __init__(self, world: Any):
        super().__init__(world)
        self._lock = threading.Lock()
        self._sorted: dict[tuple[str, str], pd.DataFrame] = {}

    def _reviews(self, dealer_id: str, order_by: str) -> pd.DataFrame:
        """The location's reviews in the asked order, computed once per location and order (pages slice it)."""
        key = (dealer_id, order_by)
        with self._lock:
            if key not in self._sorted:
                self._sorted[key] = self._sort(dealer_id, order_by)
            return self._sorted[key]

    def _sort(self, dealer_id: str, order_by: str) -> pd.DataFrame:
        reviews = self.world.table("reviews")
        reviews = reviews[reviews["dealer_id"] == dealer_id].copy()
        created = pd.to_datetime(reviews["created_at"], utc=True)
        end_of_day = pd.Timestamp(self.world.as_of, tz="UTC") + pd.Timedelta(days=1)
        reviews = reviews[created < end_of_day]
        reviews["_update"] = pd.to_datetime(reviews["created_at"], utc=True)
        if order_by == "rating":
            return reviews.sort_values(["rating", "review_id"], kind="stable")
        if order_by == "rating desc":
            return reviews.sort_values(["rating", "review_id"], ascending=[False, True], kind="stable")
        return reviews.sort_values(["_update", "review_id"], ascending=[False, True], kind="stable")

    @staticmethod
    def _review(row: dict[str, Any], account_id: str, location_id: str) -> dict[str, Any]:
        name = row.get("reviewer_name")
        anonymous = name is None or (isinstance(name, float) and pd.isna(name)) or str(name).strip() == ""
        rating = row.get("rating")
        review: dict[str, Any] = {
            "name": f"accounts/{account_id}/locations/{location_id}/reviews/{row['review_id']}",
            "reviewId": str(row["review_id"]),
            "reviewer": {"displayName": "A Google User", "isAnonymous": True}
            if anonymous
            else {"displayName": str(name), "profilePhotoUrl": "https://lh3.googleusercontent.com/a/default-user"},
            "starRating": STAR_NAMES.get(int(rating), "STAR_RATING_UNSPECIFIED")
            if pd.notna(rating)
            else "STAR_RATING_UNSPECIFIED",
            "createTime": zulu(row["created_at"]),
            "updateTime": zulu(row["created_at"]),
        }
        comment = row.get("comment")
        if comment is not None and not (isinstance(comment, float) and pd.isna(comment)) and str(comment) != "":
            review["comment"] = str(comment)
        reply = row.get("reply_comment")
        if reply is not None and not (isinstance(reply, float) and pd.isna(reply)) and str(reply) != "":
            review["reviewReply"] = {
                "comment": str(reply),
                "updateTime": zulu(row.get("reply_at")) or zulu(row["created_at"]),
            }
        return review

    @route("GET", r"/v4/accounts/(?P<account_id>[^/]+)/locations/(?P<location_id>[^/]+)/reviews")
    def list_reviews(self, request: SandboxRequest) -> SandboxResponse:
        if denied := bearer_missing(request):
            return denied
        account_id, location_id = request.params["account_id"], request.params["location_id"]
        dealer_id = self._location(location_id)
        if dealer_id is None:
            return google_error(404, "NOT_FOUND", "Requested entity was not found.")
        try:
            page_size = min(int(request.arg("pageSize", str(MAX_PAGE_SIZE))), MAX_PAGE_SIZE)
            offset = read_token(request.arg("pageToken")) if request.arg("pageToken") else 0
        except (ValueError, UnicodeDecodeError):
            return google_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")
        if page_size < 1:
            return google_error(400, "INVALID_ARGUMENT", "pageSize must be positive.")
        order_by = (request.arg("orderBy") or "updateTime desc").strip()
        if order_by not in ("updateTime desc", "rating", "rating desc"):
            return google_error(400, "INVALID_ARGUMENT", f"Invalid orderBy: {order_by}")
        reviews = self._reviews(dealer_id, order_by)
        total = len(reviews)
        window = reviews.iloc[offset : offset + page_size].to_dict("records")
        page = [self._review(row, account_id, location_id) for row in window]
        if request.fault == "partial" and page:
            page = page[: len(page) // 2]
        body: dict[str, Any] = {}
        if page:
            body["reviews"] = page
        if total:
            body["averageRating"] = round(float(reviews["rating"].mean()), 1)
            body["totalReviewCount"] = total
        if offset + page_size < total:
            body["nextPageToken"] = page_token(offset + page_size)
        return SandboxResponse(body=body)
