"""Metricool client: each brand's published posts per network, with their engagement.

Metricool's REST API (https://app.metricool.com/api, Advanced plan) takes the
account's API token in the `X-Mc-Auth` header and `userId` / `blogId` as query
parameters (help.metricool.com, "Common questions and errors when using the
API"; older integrations pass the token as `userToken` in the query, which we
do not, so it never lands in a URL or an access log). A blog is a brand: one
per rooftop.

    GET /admin/simpleProfiles?userId=         the brands: [{id, label, facebook, instagram, ...}]
    GET /v2/analytics/posts/{network}?from=YYYY-MM-DDTHH:MM:SS&to=...&timezone=<IANA>&blogId=&userId=
        -> {"data": [post, ...]}

What the public material does not pin down, and we therefore assumed: the
analytics endpoints are not paged (a whole window comes back in one answer, so
we ask for a window of days, not months); a post carries `postId`,
`publishedAt: {dateTime (local), timezone}`, `url`, `content` and its metrics
under network-specific names (Facebook reach is `impressionsunique`, Instagram
impressions `impressionsTotal`, TikTok counts `diggCount` / `commentCount` /
`shareCount` / `viewCount`), so each of our columns reads the first of several
candidate keys (`METRIC_KEYS`); `mentions` is read where a network reports it.

The planner (scheduling), as Metricool's MCP server (metricool/mcp-metricool, tools.py) calls it:

    POST   /v2/scheduler/posts?blogId=&userId=     body {text, publicationDate: {dateTime, timezone},
           providers: [{network}], media: [url], autoPublish, draft, <network>Data: {...}}
    GET    /v2/scheduler/posts?blogId=&userId=&start=YYYY-MM-DDTHH:MM:SS&end=...&timezone=   the scheduled posts
    PUT    /v2/scheduler/posts/{id}?blogId=&userId=   change one (not used here)

Assumed (not in the public material): the create answer is `{"data": {post with id, uuid}}` and the list
answer `{"data": [post, ...]}`; `DELETE /v2/scheduler/posts/{id}` removes a scheduled post. Metricool
takes no idempotency key, so a create is never repeated blindly: POST is left out of the retried
methods, and the caller looks for its own post (`scheduled_posts`) before creating again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from journey_assets.connectors.http import WRITE_RETRY_METHODS, MalformedResponseError, VendorClient, require

# Metricool's network ids, in the order brands list them.
NETWORKS = (
    "facebook",
    "instagram",
    "twitter",
    "linkedin",
    "tiktok",
    "youtube",
    "pinterest",
    "threads",
    "bluesky",
    "gmb",
)
METRIC_KEYS: dict[str, tuple[str, ...]] = {
    "likes": ("likes", "reactions", "diggCount", "likeCount"),
    "comments": ("comments", "commentCount"),
    "shares": ("shares", "shareCount", "retweets"),
    "mentions": ("mentions",),
    "reach": ("reach", "impressionsunique", "impressionsUnique"),
    "impressions": ("impressions", "impressionsTotal", "viewCount", "views"),
    "clicks": ("clicks", "linkClicks"),
}


class MetricoolClient(VendorClient):
    vendor = "metricool"

    def __init__(self, base_url: str, user_token: str, user_id: str, **kwargs: Any):
        # Reads are GETs; the one POST creates a post, which a blind retry could publish twice.
        kwargs.setdefault("retry_methods", WRITE_RETRY_METHODS)
        super().__init__(base_url, headers={"X-Mc-Auth": user_token}, **kwargs)
        self.user_id = str(user_id)

    def error_reason(self, response: Any) -> str:
        try:
            body = response.json()
        except ValueError:
            return response.text[:500]
        if isinstance(body, dict) and body.get("detail"):
            return str(body["detail"])[:500]
        return super().error_reason(response)

    def brands(self) -> list[dict[str, Any]]:
        path = "/admin/simpleProfiles"
        payload = self.get_json(path, params={"userId": self.user_id})
        if not isinstance(payload, list):
            raise MalformedResponseError(self.vendor, f"{path}: expected a list of brands")
        for brand in payload:
            require(brand, "id", self.vendor, path)
        return payload

    @staticmethod
    def connected_networks(brand: Mapping[str, Any]) -> list[str]:
        return [network for network in NETWORKS if brand.get(network)]

    def posts(self, blog_id: str | int, network: str, first_day: date, last_day: date, tz: str) -> list[dict[str, Any]]:
        """Posts published between the first and last local day (inclusive) in the brand's timezone."""
        path = f"/v2/analytics/posts/{network}"
        params = {
            "from": datetime.combine(first_day, time(0, 0, 0)).isoformat(),
            "to": datetime.combine(last_day, time(23, 59, 59)).isoformat(),
            "timezone": tz,
            "blogId": str(blog_id),
            "userId": self.user_id,
        }
        payload = self.get_json(path, params=params)
        data = require(payload, "data", self.vendor, path)
        if not isinstance(data, list) or not all(isinstance(p, dict) for p in data):
            raise MalformedResponseError(self.vendor, f"{path}: 'data' is not a list of posts")
        return data

    # --- the planner ------------------------------------------------------------
    def schedule_post(self, blog_id: str | int, post: Mapping[str, Any]) -> dict[str, Any]:
        """Create a scheduled post (`scheduler_post` builds the body); answers the post with its `id`."""
        path = "/v2/scheduler/posts"
        response = self.request("POST", path, params={"blogId": str(blog_id), "userId": self.user_id}, json=dict(post))
        payload = self.parse_json(response, path)
        created = require(payload, "data", self.vendor, path)
        if not isinstance(created, dict):
            raise MalformedResponseError(self.vendor, f"{path}: 'data' is not a post")
        require(created, "id", self.vendor, path)
        return created

    def scheduled_posts(self, blog_id: str | int, start: datetime, end: datetime, tz: str) -> list[dict[str, Any]]:
        """The brand's scheduled posts whose publication falls between two local date-times."""
        path = "/v2/scheduler/posts"
        params = {
            "blogId": str(blog_id),
            "userId": self.user_id,
            "start": start.strftime("%Y-%m-%dT%H:%M:%S"),
            "end": end.strftime("%Y-%m-%dT%H:%M:%S"),
            "timezone": tz,
        }
        data = require(self.get_json(path, params=params), "data", self.vendor, path)
        if not isinstance(data, list) or not all(isinstance(p, dict) for p in data):
            raise MalformedResponseError(self.vendor, f"{path}: 'data' is not a list of posts")
        return data

    def delete_scheduled_post(self, blog_id: str | int, post_id: str | int) -> None:
        self.request(
            "DELETE", f"/v2/scheduler/posts/{post_id}", params={"blogId": str(blog_id), "userId": self.user_id}
        )


def scheduler_post(
    text: str, networks: str | Sequence[str], publish_at_local: datetime, tz: str, media: Sequence[str] = ()
) -> dict[str, Any]:
    """The planner's body for one or more networks, each network's block as the MCP server sends it (empty
    but for the post type)."""
    chosen = [networks] if isinstance(networks, str) else list(networks)
    body: dict[str, Any] = {
        "text": text,
        "publicationDate": {"dateTime": publish_at_local.strftime("%Y-%m-%dT%H:%M:%S"), "timezone": tz},
        "providers": [{"network": network} for network in chosen],
        "media": list(media),
        "autoPublish": True,
        "draft": False,
        "shortener": False,
        "firstCommentText": "",
        "descendants": [],
    }
    blocks: dict[str, dict[str, Any]] = {
        "facebook": {"type": "POST"},
        "instagram": {"type": "POST"},
        "twitter": {"tags": []},
        "linkedin": {"type": "post"},
    }
    for network in chosen:
        body[f"{network}Data"] = blocks.get(network, {})
    return body


def _first(post: Mapping[str, Any], keys: Sequence[str]) -> Any:
    for key in keys:
        if post.get(key) is not None:
            return post[key]
    return None


def published_at_utc(post: Mapping[str, Any], default_tz: str) -> datetime | None:
    """`publishedAt: {dateTime, timezone}` (local wall clock) as UTC; None when absent or unreadable."""
    value = post.get("publishedAt")
    if isinstance(value, Mapping):
        text, tz = value.get("dateTime"), value.get("timezone") or default_tz
    else:
        text, tz = value, default_tz
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(tz))
    except (ValueError, KeyError):
        return None
    return moment.astimezone(UTC)


def post_row(network: str, post: Mapping[str, Any], default_tz: str) -> dict[str, Any]:
    """A post as our columns; metrics keep None where the network does not report them."""
    row: dict[str, Any] = {
        "network": network,
        "post_id": None if _first(post, ("postId", "id")) is None else str(_first(post, ("postId", "id"))),
        "published_at": published_at_utc(post, default_tz),
        "post_url": _first(post, ("url", "link", "permalink")),
        "post_text": _first(post, ("content", "text", "message")),
        "post_type": _first(post, ("type",)),
    }
    for column, keys in METRIC_KEYS.items():
        row[column] = _first(post, keys)
    return row
