"""A hand-built world for the Google connectors (GA4, Google Ads, Business Profile, PageSpeed).

Every row is written out, so each expected figure in the tests can be checked by
hand. D01 runs everything; D02 has no Google Ads account. The partition day under
test is 2026-11-22; a few rows sit on other days to prove the day filter works.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from journey_assets.connectors.http import RetryPolicy
from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import World

AS_OF = date(2026, 11, 23)
DAY = date(2026, 11, 22)
FAST = RetryPolicy(total=3, backoff_factor=0)
D01_PROPERTY, D02_PROPERTY = "312345678", "398765432"
D01_CUSTOMER = "1234567890"
LOGIN_CUSTOMER = "5550001111"
D01_LOCATION, D02_LOCATION = "1111111111111111111", "2222222222222222222"
VINS = ["1M8GDM9AXKP042788", "JH2RC3605MM101581"]


def _rooftops() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "dealer_id": "D01",
                "name": "Hill Country Toyota",
                "timezone": "America/Chicago",
                "website": "https://www.d01.example",
                "ga4_property_id": D01_PROPERTY,
                "google_ads_customer_id": D01_CUSTOMER,
                "gbp_location_id": D01_LOCATION,
                "google_ads_login_customer_id": LOGIN_CUSTOMER,
            },
            {
                "dealer_id": "D02",
                "name": "Front Range Subaru",
                "timezone": "America/Denver",
                "website": "https://www.d02.example",
                "ga4_property_id": D02_PROPERTY,
                "google_ads_customer_id": None,
                "gbp_location_id": D02_LOCATION,
                "google_ads_login_customer_id": None,
            },
        ]
    )


def _sessions() -> pd.DataFrame:
    # (dealer, date, channel, source, medium, campaign, device, pageviews, engaged, converted) x count
    spec = [
        ("D01", DAY, "organic_search", "google", "organic", None, "mobile", 3, True, False, 4),
        ("D01", DAY, "organic_search", "google", "organic", None, "desktop", 5, True, True, 2),
        ("D01", DAY, "paid_search", "google", "cpc", "2001", "mobile", 2, False, False, 3),
        ("D01", DAY, "paid_search", "google", "cpc", "2001", "mobile", 6, True, True, 1),
        ("D01", DAY, "direct", None, None, None, "desktop", 1, False, False, 2),
        ("D01", DAY, "paid_social", "facebook", "paid_social", "9001", "mobile", 2, True, False, 1),
        ("D01", DAY, "email", "newsletter", "email", None, "tablet", 4, True, True, 1),
        ("D01", date(2026, 11, 21), "organic_search", "google", "organic", None, "mobile", 3, True, False, 5),
        ("D02", DAY, "direct", None, None, None, "mobile", 2, True, False, 3),
    ]
    rows, n = [], 0
    for dealer, day, channel, source, medium, campaign, device, pageviews, engaged, converted, count in spec:
        for _ in range(count):
            n += 1
            rows.append(
                {
                    "session_id": f"S{n:04d}",
                    "dealer_id": dealer,
                    "client_id": f"cid.{n % 9}",
                    "user_id": None,
                    "started_at": pd.Timestamp(day) + pd.Timedelta(hours=10),
                    "date": pd.Timestamp(day),
                    "channel": channel,
                    "source": source,
                    "medium": medium,
                    "campaign_id": campaign,
                    "landing_page": "/",
                    "device_category": device,
                    "pageviews": pageviews,
                    "vdp_views": 1 if pageviews > 2 else 0,
                    "engaged": engaged,
                    "converted": converted,
                }
            )
    return pd.DataFrame(rows)


def _events() -> pd.DataFrame:
    # (dealer, UTC timestamp, event, page) x count; 03:00Z on the 23rd is still the 22nd in Chicago.
    spec = [
        ("D01", "2026-11-22T15:00:00Z", "page_view", "/", 5),
        ("D01", "2026-11-22T15:05:00Z", "page_view", "/new-inventory/index.htm", 3),
        ("D01", "2026-11-22T15:06:00Z", "view_item", "/inventory/2024-toyota-camry-1M8GDM9AXKP042788", 2),
        ("D01", "2026-11-23T03:00:00Z", "generate_lead", "/inventory/2024-toyota-camry-1M8GDM9AXKP042788", 1),
        ("D01", "2026-11-22T04:00:00Z", "page_view", "/", 2),  # 22:00 on the 21st in Chicago
        ("D02", "2026-11-22T18:00:00Z", "page_view", "/", 4),
    ]
    rows, n = [], 0
    for dealer, ts, name, page, count in spec:
        for _ in range(count):
            n += 1
            rows.append(
                {
                    "event_id": f"E{n:04d}",
                    "session_id": f"S{n:04d}",
                    "dealer_id": dealer,
                    "client_id": f"cid.{n % 5}",
                    "user_id": None,
                    "event_ts": pd.Timestamp(ts),
                    "event_name": name,
                    "page_path": page,
                    "vehicle_uuid": "veh-000" if "inventory/" in page else None,
                }
            )
    return pd.DataFrame(rows)


def _ads() -> dict[str, pd.DataFrame]:
    campaigns = pd.DataFrame(
        [
            {
                "campaign_id": "2001",
                "dealer_id": "D01",
                "platform": "google_ads",
                "account_id": D01_CUSTOMER,
                "campaign_name": "D01 | Search | Used",
                "objective": "search",
                "status": "active",
            },
            {
                "campaign_id": "2002",
                "dealer_id": "D01",
                "platform": "google_ads",
                "account_id": D01_CUSTOMER,
                "campaign_name": "D01 | Search | Service",
                "objective": "search",
                "status": "paused",
            },
            {
                "campaign_id": "9001",
                "dealer_id": "D01",
                "platform": "meta",
                "account_id": "act_1",
                "campaign_name": "D01 | Meta | Retargeting",
                "objective": "leads",
                "status": "active",
            },
        ]
    )
    groups = pd.DataFrame(
        [
            {"ad_group_id": "3001", "campaign_id": "2001", "platform": "google_ads", "name": "Used Civic"},
            {"ad_group_id": "3002", "campaign_id": "2001", "platform": "google_ads", "name": "Used Camry"},
            {"ad_group_id": "3003", "campaign_id": "2002", "platform": "google_ads", "name": "Oil change"},
            {"ad_group_id": "9101", "campaign_id": "9001", "platform": "meta", "name": "VDP viewers"},
        ]
    )
    keywords = pd.DataFrame(
        [
            {"keyword_id": "4001", "ad_group_id": "3001", "text": "used honda civic", "match_type": "exact"},
            {"keyword_id": "4002", "ad_group_id": "3001", "text": "civic near me", "match_type": "phrase"},
            {"keyword_id": "4003", "ad_group_id": "3002", "text": "used camry", "match_type": "broad"},
        ]
    )
    stats = pd.DataFrame(
        [
            # two ads in ad group 3001: GAQL sums them
            {
                "date": pd.Timestamp(DAY),
                "platform": "google_ads",
                "dealer_id": "D01",
                "account_id": D01_CUSTOMER,
                "campaign_id": "2001",
                "ad_group_id": "3001",
                "ad_id": "5001",
                "impressions": 100,
                "clicks": 10,
                "spend": 12.5,
                "conversions": 1.0,
            },
            {
                "date": pd.Timestamp(DAY),
                "platform": "google_ads",
                "dealer_id": "D01",
                "account_id": D01_CUSTOMER,
                "campaign_id": "2001",
                "ad_group_id": "3001",
                "ad_id": "5002",
                "impressions": 50,
                "clicks": 5,
                "spend": 7.25,
                "conversions": 0.5,
            },
            {
                "date": pd.Timestamp(DAY),
                "platform": "google_ads",
                "dealer_id": "D01",
                "account_id": D01_CUSTOMER,
                "campaign_id": "2001",
                "ad_group_id": "3002",
                "ad_id": "5003",
                "impressions": 80,
                "clicks": 4,
                "spend": 6.0,
                "conversions": 0.0,
            },
            # impressions but no clicks, cost or conversions: the API leaves those metrics out
            {
                "date": pd.Timestamp(DAY),
                "platform": "google_ads",
                "dealer_id": "D01",
                "account_id": D01_CUSTOMER,
                "campaign_id": "2002",
                "ad_group_id": "3003",
                "ad_id": "5004",
                "impressions": 20,
                "clicks": 0,
                "spend": 0.0,
                "conversions": 0.0,
            },
            {
                "date": pd.Timestamp("2026-11-21"),
                "platform": "google_ads",
                "dealer_id": "D01",
                "account_id": D01_CUSTOMER,
                "campaign_id": "2001",
                "ad_group_id": "3001",
                "ad_id": "5001",
                "impressions": 999,
                "clicks": 99,
                "spend": 99.0,
                "conversions": 9.0,
            },
            {
                "date": pd.Timestamp(DAY),
                "platform": "meta",
                "dealer_id": "D01",
                "account_id": "act_1",
                "campaign_id": "9001",
                "ad_group_id": "9101",
                "ad_id": "9201",
                "impressions": 5000,
                "clicks": 50,
                "spend": 40.0,
                "conversions": 2.0,
            },
        ]
    )
    terms = pd.DataFrame(
        [
            {
                "date": pd.Timestamp(DAY),
                "dealer_id": "D01",
                "campaign_id": "2001",
                "ad_group_id": "3001",
                "keyword_id": "4001",
                "search_term": "used honda civic austin",
                "impressions": 40,
                "clicks": 6,
                "cost": 7.5,
            },
            {
                "date": pd.Timestamp(DAY),
                "dealer_id": "D01",
                "campaign_id": "2001",
                "ad_group_id": "3001",
                "keyword_id": "4001",
                "search_term": "used civic",
                "impressions": 30,
                "clicks": 2,
                "cost": 2.5,
            },
            {
                "date": pd.Timestamp(DAY),
                "dealer_id": "D01",
                "campaign_id": "2001",
                "ad_group_id": "3001",
                "keyword_id": "4002",
                "search_term": "honda civic near me",
                "impressions": 20,
                "clicks": 1,
                "cost": 1.25,
            },
            {
                "date": pd.Timestamp(DAY),
                "dealer_id": "D01",
                "campaign_id": "2001",
                "ad_group_id": "3002",
                "keyword_id": "4003",
                "search_term": "used camry for sale",
                "impressions": 80,
                "clicks": 4,
                "cost": 6.0,
            },
        ]
    )
    return {
        "ad_campaigns": campaigns,
        "ad_groups": groups,
        "keywords": keywords,
        "ad_stats_daily": stats,
        "search_terms_daily": terms,
    }


def _reviews() -> pd.DataFrame:
    def review(n, dealer, rating, created, name="Pat Q.", comment="Great service", reply=None, reply_at=None):
        return {
            "review_id": f"R{n:03d}",
            "dealer_id": dealer,
            "reviewer_name": name,
            "rating": rating,
            "comment": comment,
            "created_at": pd.Timestamp(created),
            "reply_comment": reply,
            "reply_at": pd.Timestamp(reply_at) if reply_at else pd.NaT,
        }

    return pd.DataFrame(
        [
            review(1, "D01", 5, "2026-11-01T10:00:00Z", reply="Thank you!", reply_at="2026-11-02T09:00:00Z"),
            review(2, "D01", 4, "2026-11-05T10:00:00Z", name=None),  # anonymous
            review(
                3,
                "D01",
                1,
                "2026-11-10T10:00:00Z",
                comment="Waited two hours for an oil change",
                reply="Sorry, please call me",
                reply_at="2026-11-23T08:00:00Z",
            ),  # reply after the partition day
            review(4, "D01", 3, "2026-11-12T10:00:00Z", comment=None),  # rating only
            review(5, "D01", 5, "2026-11-20T10:00:00Z"),
            review(6, "D01", 2, "2026-11-23T01:00:00Z"),  # written after the partition day
            review(7, "D01", None, "2026-11-21T10:00:00Z"),  # STAR_RATING_UNSPECIFIED: quarantined
            review(8, "D02", 5, "2026-10-01T10:00:00Z"),
            review(9, "D02", 4, "2026-10-02T10:00:00Z"),
            review(10, "D02", 5, "2026-12-01T10:00:00Z"),  # after the world's as_of: not served
        ]
    )


def _site_performance() -> pd.DataFrame:
    rows = []
    for dealer, template, url, base in [
        ("D01", "home", "https://www.d01.example/", 0.82),
        ("D01", "srp", "https://www.d01.example/new-inventory/index.htm", 0.61),
        ("D01", "vdp", f"https://www.d01.example/inventory/2024-toyota-camry-{VINS[0]}", 0.47),
        ("D02", "home", "https://www.d02.example/", 0.9),
    ]:
        for strategy, factor in (("mobile", 1.0), ("desktop", 1.15)):
            score = min(round(base * factor, 2), 1.0)
            rows.append(
                {
                    "dealer_id": dealer,
                    "template": template,
                    "url": url,
                    "strategy": strategy,
                    "performance_score": score,
                    "lcp_ms": 4200 / factor,
                    "inp_ms": 240.0,
                    "cls": 0.12,
                    "fcp_ms": 1900 / factor,
                    "ttfb_ms": 700.0,
                }
            )
    return pd.DataFrame(rows)


def _inventory() -> dict[str, pd.DataFrame]:
    vehicles = pd.DataFrame(
        [
            {
                "vehicle_uuid": f"veh-{i:03d}",
                "dealer_id": "D01",
                "vin": vin,
                "stock_number": f"S{i:04d}",
                "condition": "used",
                "year": 2024,
                "make": "Toyota",
                "model": "Camry",
                "trim": "LE",
                "body_style": "Sedan",
                "exterior_color": "Gray",
                "odometer": 12000,
                "msrp": 29000.0,
                "date_in_stock": pd.Timestamp("2026-10-01"),
                "date_sold": pd.NaT,
                "vdp_url": f"https://www.d01.example/inventory/2024-toyota-camry-{vin}",
                "image_url": f"https://www.d01.example/photos/veh-{i:03d}/1.jpg",
            }
            for i, vin in enumerate(VINS)
        ]
    )
    prices = pd.DataFrame(
        [
            {"vehicle_uuid": v, "effective_date": pd.Timestamp("2026-10-01"), "price": 27500.0}
            for v in vehicles["vehicle_uuid"]
        ]
    )
    return {"inventory": vehicles, "inventory_prices": prices}


def google_world() -> World:
    tables = {
        "rooftops": _rooftops(),
        "web_sessions": _sessions(),
        "web_events": _events(),
        "reviews": _reviews(),
        "site_performance": _site_performance(),
        **_ads(),
        **_inventory(),
    }
    return World("small", 1, AS_OF, tables=tables)


def write_rooftops(world: World, path: Path) -> Path:
    """The dealer group config the pipeline reads, as `journey sandbox` writes it."""
    rooftops = world.table("rooftops")
    path.write_text(json.dumps(json.loads(rooftops.to_json(orient="records"))))
    return path


class _RequestsSince:
    def __init__(self, server: SandboxServer, mark: int):
        self.server, self.mark = server, mark

    def rows(self, vendor: str | None = None) -> list[dict]:
        return [r for r in self.server.log.rows(vendor) if r["id"] > self.mark]


class SandboxView:
    """The shared sandbox as one test sees it: only the requests made since the test began.

    The server is started once per module (stopping one costs its 0.5 s poll interval);
    each test gets a fresh view, and the faults it injected are cleared when it ends.
    """

    def __init__(self, server: SandboxServer):
        self.server = server
        self.log = _RequestsSince(server, max((r["id"] for r in server.log.rows()), default=0))

    def __getattr__(self, name: str):
        return getattr(self.server, name)


@pytest.fixture(scope="module")
def gworld() -> World:
    return google_world()


@pytest.fixture(scope="module")
def _gserver(gworld: World, tmp_path_factory):
    record = tmp_path_factory.mktemp("google-sandbox") / "requests.sqlite3"
    with SandboxServer(gworld, record_path=record) as server:
        yield server


@pytest.fixture
def gsandbox(_gserver: SandboxServer):
    view = SandboxView(_gserver)
    yield view
    _gserver.clear_faults()
