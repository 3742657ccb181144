"""Metricool REST API (brands and per-network post analytics), served from the world's social_posts.

Implemented from Metricool's public material, not from our client:

* Auth: the API token in the `X-Mc-Auth` header (or, in older integrations,
  `userToken` in the query), with `userId` and `blogId` query parameters on
  every call (help.metricool.com/common-questions-and-errors-when-using-the-api-8x9nq).
* `GET /admin/simpleProfiles` lists the account's brands: `id` (the blogId),
  `label`, and one key per network holding the connected profile's name
  (empty when the network is not connected).
* `GET /v2/analytics/posts/{network}?from=&to=&timezone=&blogId=&userId=`:
  `from`/`to` are local date-times (YYYY-MM-DDTHH:MM:SS) read in `timezone`;
  the answer is `{"data": [post, ...]}`, not paged. The endpoint set is the
  one Metricool's own MCP server and public clients call
  (glama.ai/mcp/servers/metricool/mcp-metricool).

Metricool's per-network post fields are not documented in one place; this fake
uses the names seen in public client code: every post has `postId`,
`publishedAt: {dateTime, timezone}`, `url`, `content`, `type`; Facebook
reports `likes, comments, shares, impressions, impressionsunique (reach),
clicks`; Instagram `likes, comments, shares, saved, reach, impressionsTotal`;
TikTok `diggCount, commentCount, shareCount, viewCount, reach`; other networks
`likes, comments, shares, impressions, reach, clicks`. `mentions` rides along
where the world has it (an assumption).

Brands: a rooftop's blogId is the world's `metricool_blog_id` when present,
else 1_000_000 + its position; its label is the rooftop's name. Fault
`partial`: half of the posts come back with their metrics null (insights not
collected yet), as Metricool shows for freshly published posts.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from journey_assets.sandbox.server import FakeVendor, SandboxRequest, SandboxResponse, route

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
WORLD_NETWORK_ALIASES = {"x": "twitter", "google_business": "gmb", "gbp": "gmb", "google_business_profile": "gmb"}


def _error(status: int, detail: str) -> SandboxResponse:
    return SandboxResponse(status, {"status": status, "detail": detail})


class MetricoolFake(FakeVendor):
    name = "metricool"

    def __init__(self, world: Any):
        super().__init__(world)
        self._lock = threading.Lock()
        self._index: dict[str, Any] | None = None

    def _world(self) -> dict[str, Any]:
        with self._lock:
            if self._index is None:
                self._index = self._build()
            return self._index

    def _build(self) -> dict[str, Any]:
        rooftops = self.world.table("rooftops").reset_index(drop=True)
        if "metricool_blog_id" in rooftops.columns:
            blog_ids = rooftops["metricool_blog_id"].astype(str)
        else:
            blog_ids = pd.Series([str(1_000_000 + n) for n in range(len(rooftops))])
        dealers = dict(zip(blog_ids, rooftops["dealer_id"], strict=True))
        posts = self.world.table("social_posts").copy()
        posts["network"] = posts["network"].astype(str).str.lower().replace(WORLD_NETWORK_ALIASES)
        posts["published_at"] = pd.to_datetime(posts["published_at"], utc=True)
        posts = posts.sort_values("published_at", kind="stable")
        by_key = {
            key: frame.reset_index(drop=True) for key, frame in posts.groupby(["dealer_id", "network"], sort=False)
        }
        networks: dict[str, set[str]] = {}
        for dealer, network in by_key:
            networks.setdefault(dealer, set()).add(network)
        brands = []
        for blog_id, row in zip(blog_ids, rooftops.to_dict("records"), strict=True):
            connected = networks.get(row["dealer_id"], set())
            brand: dict[str, Any] = {"id": int(blog_id) if blog_id.isdigit() else blog_id, "label": row.get("name")}
            brand.update({n: (f"{row.get('name')} {n}" if n in connected else "") for n in NETWORKS})
            brand["timezone"] = row.get("timezone") or "UTC"
            brands.append(brand)
        return {"dealers": dealers, "posts": by_key, "brands": brands}

    def _denied(self, request: SandboxRequest) -> SandboxResponse | None:
        token = request.headers.get("X-Mc-Auth") or request.headers.get("x-mc-auth") or request.arg("userToken")
        if not token:
            return _error(401, "missing X-Mc-Auth token")
        if not request.arg("userId"):
            return _error(400, "userId is required")
        return None

    @route("GET", r"/admin/simpleProfiles")
    def simple_profiles(self, request: SandboxRequest) -> SandboxResponse | list:
        if denied := self._denied(request):
            return denied
        return self._world()["brands"]

    @route("GET", r"/v2/analytics/posts/(?P<network>[A-Za-z]+)")
    def posts(self, request: SandboxRequest) -> SandboxResponse | dict:
        if denied := self._denied(request):
            return denied
        network = request.params["network"]
        if network not in NETWORKS:
            return _error(400, f"unknown network {network!r}; expected one of {', '.join(NETWORKS)}")
        index = self._world()
        dealer = index["dealers"].get(request.arg("blogId") or "")
        if dealer is None:
            return _error(403, f"blogId {request.arg('blogId')!r} is not a brand of this user")
        try:
            tz = ZoneInfo(request.arg("timezone") or "UTC")
            start = pd.Timestamp(datetime.fromisoformat(request.arg("from") or "")).tz_localize(tz)
            end = pd.Timestamp(datetime.fromisoformat(request.arg("to") or "")).tz_localize(tz)
        except (ValueError, ZoneInfoNotFoundError, TypeError) as exc:
            return _error(400, f"from/to must be YYYY-MM-DDTHH:MM:SS local times and timezone an IANA name: {exc}")
        frame = index["posts"].get((dealer, network))
        if frame is None:
            return {"data": []}
        chosen = frame[(frame["published_at"] >= start) & (frame["published_at"] <= end)]
        data = [self._post(network, row, tz) for row in chosen.to_dict("records")]
        if request.fault == "partial":
            for post in data[::2]:
                for key in list(post):
                    if key not in ("postId", "publishedAt", "url", "content", "type"):
                        post[key] = None
        return {"data": data}

    @staticmethod
    def _post(network: str, row: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
        local = row["published_at"].tz_convert(tz)
        post: dict[str, Any] = {
            "postId": str(row["post_id"]),
            "publishedAt": {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S"), "timezone": str(tz)},
            "url": row.get("url") or f"https://{network}.example/posts/{row['post_id']}",
            "content": row.get("text"),
            "type": row.get("post_type") or "POST",
        }

        def n(column: str) -> int | None:
            value = row.get(column)
            return None if value is None or pd.isna(value) else int(value)

        if network == "facebook":
            post.update(
                likes=n("likes"),
                comments=n("comments"),
                shares=n("shares"),
                impressions=n("impressions"),
                impressionsunique=n("reach"),
                clicks=n("clicks"),
            )
        elif network == "instagram":
            post.update(
                likes=n("likes"),
                comments=n("comments"),
                shares=n("shares"),
                saved=n("saves"),
                reach=n("reach"),
                impressionsTotal=n("impressions"),
            )
        elif network == "tiktok":
            post.update(
                diggCount=n("likes"),
                commentCount=n("comments"),
                shareCount=n("shares"),
                viewCount=n("impressions"),
                reach=n("reach"),
            )
        else:
            post.update(
                likes=n("likes"),
                comments=n("comments"),
                shares=n("shares"),
                impressions=n("impressions"),
                reach=n("reach"),
                clicks=n("clicks"),
            )
        if "mentions" in row:
            post["mentions"] = n("mentions")
        return post
