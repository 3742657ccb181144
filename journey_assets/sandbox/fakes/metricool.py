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

The planner (Metricool's scheduler, the calls its MCP server makes: metricool/mcp-metricool tools.py):

* `POST /v2/scheduler/posts?blogId=&userId=` with `{text, publicationDate: {dateTime, timezone},
  providers: [{network}], media: [...], autoPublish, draft, <network>Data}` creates a scheduled post.
  Refused with 400 (`{"status", "detail"}`): no providers, a network Metricool does not know, text over a
  network's limit (X 280 and Bluesky 300 as the MCP server checks them; the others each network's
  published limit), a publication date that is unreadable or in the past, Instagram/TikTok/Pinterest/
  YouTube without media; 403 for a blogId that is not the user's brand. The answer
  `{"data": {id, uuid, ...the post}}` is an assumption (the public material does not show it).
* `GET /v2/scheduler/posts?blogId=&userId=&start=&end=&timezone=` lists the brand's scheduled posts whose
  publication falls between the local date-times start and end: `{"data": [post, ...]}`.
* `DELETE /v2/scheduler/posts/{id}?blogId=&userId=` removes one (an assumption: the MCP server has no
  delete tool); 404 when it is not there.

Brands: a rooftop's blogId is the world's `metricool_blog_id` when present,
else 1_000_000 + its position; its label is the rooftop's name. Fault
`partial`: half of the posts come back with their metrics null (insights not
collected yet), as Metricool shows for freshly published posts.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
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
# The longest text each network takes (X and Bluesky as Metricool's MCP server checks them).
TEXT_LIMITS = {
    "facebook": 63206,
    "instagram": 2200,
    "twitter": 280,
    "linkedin": 3000,
    "tiktok": 2200,
    "youtube": 5000,
    "pinterest": 500,
    "threads": 500,
    "bluesky": 300,
    "gmb": 1500,
}
NEEDS_MEDIA = ("instagram", "tiktok", "pinterest", "youtube")
WORLD_NETWORK_ALIASES = {"x": "twitter", "google_business": "gmb", "gbp": "gmb", "google_business_profile": "gmb"}


def _error(status: int, detail: str) -> SandboxResponse:
    return SandboxResponse(status, {"status": status, "detail": detail})


class MetricoolFake(FakeVendor):
    name = "metricool"

    def __init__(self, world: Any):
        super().__init__(world)
        self._lock = threading.Lock()
        self._index: dict[str, Any] | None = None
        self.scheduled: dict[int, dict[str, Any]] = {}  # id -> the post, with its blogId
        self._next_id = 900_001

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

    # --- the planner ----------------------------------------------------------
    def _brand(self, request: SandboxRequest) -> tuple[str | None, SandboxResponse | None]:
        if denied := self._denied(request):
            return None, denied
        blog = request.arg("blogId") or ""
        if blog not in self._world()["dealers"]:
            return None, _error(403, f"blogId {blog!r} is not a brand of this user")
        return blog, None

    @staticmethod
    def _invalid(post: Any) -> str | None:
        if not isinstance(post, dict):
            return "the body must be a JSON object"
        text = post.get("text")
        if not isinstance(text, str) or not text.strip():
            return "text is required"
        providers = post.get("providers")
        if not isinstance(providers, list) or not providers:
            return "providers must list at least one {network}"
        media = post.get("media") or []
        for provider in providers:
            network = provider.get("network") if isinstance(provider, dict) else None
            if network not in NETWORKS:
                return f"unknown network {network!r}; expected one of {', '.join(NETWORKS)}"
            if len(text) > TEXT_LIMITS[network]:
                return f"the text exceeds the {TEXT_LIMITS[network]}-character limit allowed on {network}"
            if network in NEEDS_MEDIA and not media:
                return f"a {network} post needs an image or a video"
        when = post.get("publicationDate")
        if not isinstance(when, dict):
            return "publicationDate {dateTime, timezone} is required"
        try:
            moment = datetime.fromisoformat(str(when.get("dateTime"))).replace(
                tzinfo=ZoneInfo(str(when.get("timezone") or "UTC"))
            )
        except (ValueError, ZoneInfoNotFoundError) as exc:
            return f"publicationDate must be YYYY-MM-DDTHH:MM:SS and an IANA timezone: {exc}"
        if moment <= datetime.now(UTC):
            return "the publication date can't be in the past"
        return None

    @route("POST", r"/v2/scheduler/posts")
    def create_scheduled_post(self, request: SandboxRequest) -> SandboxResponse | dict:
        blog, denied = self._brand(request)
        if denied:
            return denied
        try:
            post = request.json()
        except ValueError:
            return _error(400, "the body is not JSON")
        if problem := self._invalid(post):
            return _error(400, problem)
        with self._lock:
            post_id, self._next_id = self._next_id, self._next_id + 1
            stored = {**post, "id": post_id, "uuid": str(uuid.uuid4()), "blogId": int(blog) if blog.isdigit() else blog}
            self.scheduled[post_id] = stored
        return SandboxResponse(200, {"data": stored})

    @route("GET", r"/v2/scheduler/posts")
    def list_scheduled_posts(self, request: SandboxRequest) -> SandboxResponse | dict:
        blog, denied = self._brand(request)
        if denied:
            return denied
        try:
            tz = ZoneInfo(request.arg("timezone") or "UTC")
            start = datetime.fromisoformat(request.arg("start") or "").replace(tzinfo=tz)
            end = datetime.fromisoformat(request.arg("end") or "").replace(tzinfo=tz)
        except (ValueError, ZoneInfoNotFoundError, TypeError) as exc:
            return _error(400, f"start/end must be YYYY-MM-DDTHH:MM:SS local times and timezone an IANA name: {exc}")
        with self._lock:
            posts = [p for p in self.scheduled.values() if str(p["blogId"]) == blog]
        chosen = []
        for post in posts:
            when = post["publicationDate"]
            moment = datetime.fromisoformat(when["dateTime"]).replace(tzinfo=ZoneInfo(when.get("timezone") or "UTC"))
            if start <= moment <= end:
                chosen.append(post)
        return {"data": chosen}

    @route("DELETE", r"/v2/scheduler/posts/(?P<post_id>[0-9]+)")
    def delete_scheduled_post(self, request: SandboxRequest) -> SandboxResponse:
        blog, denied = self._brand(request)
        if denied:
            return denied
        post_id = int(request.params["post_id"])
        with self._lock:
            post = self.scheduled.get(post_id)
            if post is None or str(post["blogId"]) != blog:
                return _error(404, f"scheduled post {post_id} not found")
            del self.scheduled[post_id]
        return SandboxResponse(204, b"")
