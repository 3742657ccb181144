"""Google Business Profile reviews client (My Business API v4, `accounts.locations.reviews.list`).

Wire format (developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/list and
.../v4/accounts.locations.reviews):

    GET /v4/accounts/{account_id}/locations/{location_id}/reviews?pageSize=50&pageToken=...
    -> {"reviews": [Review], "averageRating": 4.3, "totalReviewCount": 120, "nextPageToken": "..."}
    Review: {"name", "reviewId", "reviewer": {"displayName", "profilePhotoUrl", "isAnonymous"},
             "starRating": "ONE".."FIVE" | "STAR_RATING_UNSPECIFIED", "comment",
             "createTime", "updateTime", "reviewReply": {"comment", "updateTime"}}

pageSize is at most 50; the default order is `updateTime desc`; `nextPageToken`
is absent on the last page; timestamps are RFC 3339 UTC. OAuth scope
`business.manage`. A review without text has no `comment`; an anonymous
reviewer has no real `displayName`.

Paging stops when a page carries no `nextPageToken`. The reviews read are then
checked against `totalReviewCount`: fewer means a page lost reviews on the way,
and the run fails rather than load a snapshot with holes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from journey_assets.connectors.google_api import google_error_reason
from journey_assets.connectors.http import MalformedResponseError, VendorClient, require

BUSINESS_MANAGE_SCOPE = "https://www.googleapis.com/auth/business.manage"
MAX_PAGE_SIZE = 50
STAR_RATINGS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}


def star_rating(value: Any) -> int | None:
    """The StarRating enum as 1..5; STAR_RATING_UNSPECIFIED or anything unknown is None."""
    return STAR_RATINGS.get(value) if isinstance(value, str) else None


class GBPClient(VendorClient):
    vendor = "gbp"

    def __init__(self, base_url: str, *, auth: requests.auth.AuthBase, page_size: int = MAX_PAGE_SIZE, **kwargs: Any):
        super().__init__(base_url, auth=auth, **kwargs)
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"Business Profile pageSize must be 1..{MAX_PAGE_SIZE}")
        self.page_size = page_size
        self.last_summary: dict[str, Any] = {}

    def error_reason(self, response: requests.Response) -> str:
        return google_error_reason(response)

    def iter_reviews(self, account_id: str, location_id: str) -> Iterator[dict[str, Any]]:
        """Every review of the location, flattened to our columns; fails if the pages lost any."""
        account_id = str(account_id).removeprefix("accounts/")
        location_id = str(location_id).split("/")[-1]
        path = f"/v4/accounts/{account_id}/locations/{location_id}/reviews"
        token: str | None = None
        seen: set[str] = set()
        total = 0
        while True:
            params: dict[str, Any] = {"pageSize": self.page_size}
            if token:
                params["pageToken"] = token
            payload = self.get_json(path, params=params)
            if not isinstance(payload, dict):
                raise MalformedResponseError(self.vendor, f"{path}: expected a JSON object")
            reviews = payload.get("reviews", [])  # absent when the location has no reviews
            if not isinstance(reviews, list):
                raise MalformedResponseError(self.vendor, f"{path}: reviews is not a list")
            total = int(payload.get("totalReviewCount", 0))
            for review in reviews:
                review_id = require(review, "reviewId", self.vendor, path)
                seen.add(review_id)
                yield self.flatten(review, account_id, location_id)
            token = payload.get("nextPageToken")
            if not token:
                break
        self.last_summary = {"average_rating": payload.get("averageRating"), "total_review_count": total}
        if len(seen) < total:
            raise MalformedResponseError(
                self.vendor,
                f"{path}: read {len(seen)} reviews but the location reports {total}; a page came back short",
            )

    @staticmethod
    def flatten(review: dict[str, Any], account_id: str, location_id: str) -> dict[str, Any]:
        reviewer = review.get("reviewer") or {}
        reply = review.get("reviewReply") or {}
        return {
            "account_id": account_id,
            "location_id": location_id,
            "review_id": review.get("reviewId"),
            "review_name": review.get("name"),
            "reviewer_name": None if reviewer.get("isAnonymous") else reviewer.get("displayName"),
            "is_anonymous": bool(reviewer.get("isAnonymous", False)),
            "star_rating_enum": review.get("starRating"),
            "star_rating": star_rating(review.get("starRating")),
            "comment": review.get("comment"),
            "create_time": review.get("createTime"),
            "update_time": review.get("updateTime"),
            "reply_comment": reply.get("comment"),
            "reply_update_time": reply.get("updateTime"),
        }
