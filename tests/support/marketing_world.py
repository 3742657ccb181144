"""A hand-built marketing world whose every row is known, and fixtures serving it over the real sandbox.

Two rooftops (D01 in Chicago, D02 in Denver), each with a Meta ad account and
page, three Meta ads and one Google ad over five days, Meta lead-ad leads (one
with a broken email, one with a broken phone), social posts on three networks,
and DMS sales and service visits (one with a bad VIN).

tests/conftest.py registers the fixtures; test modules import only the constants and helpers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pandas as pd
import pytest

from journey_assets.connectors.http import RetryPolicy
from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import World

AS_OF = date(2026, 11, 23)
DAYS = [date(2026, 11, 18) + timedelta(days=n) for n in range(5)]  # 11-18 .. 11-22
FAST = RetryPolicy(total=3, backoff_factor=0)
ACCOUNTS = {"D01": "1000000000001", "D02": "1000000000002"}
PAGES = {"D01": "100000000000011", "D02": "100000000000022"}
GOOD_VINS = ["1M8GDM9AXKP042788", "JH2RC3605MM101581", "1HGCV1F42JA141468", "2HGFC2F59JH542129"]
BAD_VIN = "1M8GDM9A1KP042788"  # check digit 1 where X belongs


def rooftops() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "dealer_id": "D01",
                "name": "Lakeshore Honda",
                "timezone": "America/Chicago",
                "meta_ad_account_id": ACCOUNTS["D01"],
                "meta_page_id": PAGES["D01"],
            },
            {
                "dealer_id": "D02",
                "name": "Front Range Toyota",
                "timezone": "America/Denver",
                "meta_ad_account_id": ACCOUNTS["D02"],
                "meta_page_id": PAGES["D02"],
            },
        ]
    )


def ad_tables() -> dict[str, pd.DataFrame]:
    campaigns = pd.DataFrame(
        [
            {"campaign_id": "2001", "dealer_id": "D01", "platform": "meta", "name": "D01 Conquest"},
            {"campaign_id": "2002", "dealer_id": "D02", "platform": "meta", "name": "D02 Service"},
            {"campaign_id": "9001", "dealer_id": "D01", "platform": "google_ads", "name": "D01 Search"},
        ]
    )
    groups = pd.DataFrame(
        [
            {"ad_group_id": "3001", "campaign_id": "2001", "name": "Civic intenders"},
            {"ad_group_id": "3002", "campaign_id": "2002", "name": "Oil change"},
            {"ad_group_id": "9101", "campaign_id": "9001", "name": "Brand"},
        ]
    )
    ads = pd.DataFrame(
        [
            {"ad_id": "4001", "ad_group_id": "3001", "name": "Civic video"},
            {"ad_id": "4002", "ad_group_id": "3001", "name": "Civic carousel"},
            {"ad_id": "4003", "ad_group_id": "3002", "name": "Oil coupon"},
            {"ad_id": "9201", "ad_group_id": "9101", "name": "Brand text"},
        ]
    )
    stats = []
    for d_index, day in enumerate(DAYS):
        for a_index, ad in enumerate(["4001", "4002", "4003", "9201"]):
            stats.append(
                {
                    "date": pd.Timestamp(day),
                    "ad_id": ad,
                    "impressions": 1000 + 100 * a_index + d_index,
                    "clicks": 10 + a_index,
                    "spend": 12.5 + a_index,
                    "conversions": a_index % 2,
                    "conversions_value": 0.0,
                }
            )
    return {"ad_campaigns": campaigns, "ad_groups": groups, "ads": ads, "ad_stats_daily": pd.DataFrame(stats)}


def people() -> dict[str, pd.DataFrame]:
    customers = pd.DataFrame(
        [
            {
                "customer_id": "C001",
                "first_name": "Ana",
                "last_name": "Ruiz",
                "email": "Ana.Ruiz@Example.com",
                "phone": "(312) 555-0142",
                "zip": "60601",
                "city": "Chicago",
            },
            {
                "customer_id": "C002",
                "first_name": "Ben",
                "last_name": "Cho",
                "email": "ben.cho@example",
                "phone": "312-867-5309",
                "zip": "60602",
                "city": "Chicago",
            },
            {
                "customer_id": "C003",
                "first_name": "Cy",
                "last_name": "Dunn",
                "email": "cy@example.com",
                "phone": "12",
                "zip": "80202",
                "city": "Denver",
            },
            {
                "customer_id": "C004",
                "first_name": "Di",
                "last_name": "Eve",
                "email": "di@example.com",
                "phone": None,
                "zip": "80203",
                "city": "Denver",
            },
        ]
    )
    leads = pd.DataFrame(
        [
            # D01 form 5001: two on 11-20 (one broken email), one on 11-21
            {
                "lead_id": "L001",
                "dealer_id": "D01",
                "customer_id": "C001",
                "source": "meta_lead_ad",
                "created_at": pd.Timestamp("2026-11-20T15:00:00Z"),
                "meta_form_id": "5001",
                "meta_leadgen_id": "7001",
                "meta_ad_id": "4001",
            },
            {
                "lead_id": "L002",
                "dealer_id": "D01",
                "customer_id": "C002",
                "source": "meta_lead_ad",
                "created_at": pd.Timestamp("2026-11-20T23:59:59Z"),
                "meta_form_id": "5001",
                "meta_leadgen_id": "7002",
                "meta_ad_id": "4002",
            },
            {
                "lead_id": "L003",
                "dealer_id": "D01",
                "customer_id": "C001",
                "source": "meta_lead_ad",
                "created_at": pd.Timestamp("2026-11-21T00:00:00Z"),
                "meta_form_id": "5001",
                "meta_leadgen_id": "7003",
                "meta_ad_id": "4001",
            },
            # D02 form 5002: one broken phone, one without a phone, both on 11-20
            {
                "lead_id": "L004",
                "dealer_id": "D02",
                "customer_id": "C003",
                "source": "meta_lead_ad",
                "created_at": pd.Timestamp("2026-11-20T10:00:00Z"),
                "meta_form_id": "5002",
                "meta_leadgen_id": "7004",
                "meta_ad_id": "4003",
            },
            {
                "lead_id": "L005",
                "dealer_id": "D02",
                "customer_id": "C004",
                "source": "meta_lead_ad",
                "created_at": pd.Timestamp("2026-11-20T11:00:00Z"),
                "meta_form_id": "5002",
                "meta_leadgen_id": "7005",
                "meta_ad_id": None,
            },
            # not a Meta lead
            {
                "lead_id": "L006",
                "dealer_id": "D01",
                "customer_id": "C004",
                "source": "website",
                "created_at": pd.Timestamp("2026-11-20T12:00:00Z"),
                "meta_form_id": None,
                "meta_leadgen_id": None,
                "meta_ad_id": None,
            },
        ]
    )
    # The CRM's view of the same leads: status, owner and last change.
    leads["lead_type"] = "sales"
    leads["vehicle_uuid"] = None
    leads["status"] = ["contacted", "new", "new", None, "appointment_set", "sold"]  # L004 lost its status: quarantined
    leads["salesperson_id"] = ["SP01", None, None, "SP02", "SP02", "SP01"]
    leads["updated_at"] = [
        pd.Timestamp("2026-11-20T16:00:00Z"),
        pd.Timestamp("2026-11-20T23:59:59Z"),
        pd.Timestamp("2026-11-21T00:00:00Z"),
        pd.Timestamp("2026-11-20T10:30:00Z"),
        pd.Timestamp("2026-11-22T09:00:00Z"),
        pd.Timestamp("2026-11-20T12:05:00Z"),
    ]
    activities = pd.DataFrame(
        [
            {
                "activity_id": "A001",
                "lead_id": "L001",
                "customer_id": "C001",
                "dealer_id": "D01",
                "salesperson_id": "SP01",
                "activity_type": "call",
                "occurred_at": pd.Timestamp("2026-11-20T15:03:00Z"),
                "outcome": "connected",
            },
            {
                "activity_id": "A002",
                "lead_id": "L006",
                "customer_id": "C004",
                "dealer_id": "D01",
                "salesperson_id": "SP01",
                "activity_type": "email",
                "occurred_at": pd.Timestamp("2026-11-20T12:04:00Z"),
                "outcome": "sent",
            },
            {
                "activity_id": "A003",
                "lead_id": "L005",
                "customer_id": "C004",
                "dealer_id": "D02",
                "salesperson_id": "SP02",
                "activity_type": "text",
                "occurred_at": pd.Timestamp("2026-11-21T08:00:00Z"),
                "outcome": "replied",
            },
        ]
    )
    return {"customers": customers, "leads": leads, "crm_activities": activities}


def social_posts() -> pd.DataFrame:
    rows = []
    networks = ["facebook", "instagram", "linkedin"]
    for n in range(9):
        dealer = "D01" if n < 6 else "D02"
        rows.append(
            {
                "post_id": f"P{n:03d}",
                "dealer_id": dealer,
                "network": networks[n % 3],
                "published_at": pd.Timestamp("2026-11-20T16:00:00Z") + pd.Timedelta(hours=n),
                "text": f"Post {n}",
                "likes": 10 + n,
                "comments": n,
                "shares": n // 2,
                "mentions": n % 2,
                "reach": 500 + n,
                "impressions": 900 + n,
                "clicks": 5 + n,
            }
        )
    return pd.DataFrame(rows)


def dms_tables() -> dict[str, pd.DataFrame]:
    sales = pd.DataFrame(
        [
            {
                "deal_id": "DL001",
                "dealer_id": "D01",
                "customer_id": "C001",
                "vehicle_uuid": "veh-1",
                "vin": GOOD_VINS[0],
                "sold_at": pd.Timestamp("2026-11-20T18:00:00Z"),
                "sale_type": "new",
                "price": 31000.0,
                "gross_profit": 2100.0,
                "lead_id": "L001",
            },
            {
                "deal_id": "DL002",
                "dealer_id": "D01",
                "customer_id": "C002",
                "vehicle_uuid": "veh-2",
                "vin": BAD_VIN,
                "sold_at": pd.Timestamp("2026-11-20T19:00:00Z"),
                "sale_type": "used",
                "price": 18000.0,
                "gross_profit": 1500.0,
                "lead_id": None,
            },
            {
                "deal_id": "DL003",
                "dealer_id": "D02",
                "customer_id": "C003",
                "vehicle_uuid": "veh-3",
                "vin": GOOD_VINS[1],
                "sold_at": pd.Timestamp("2026-11-20T20:00:00Z"),
                "sale_type": "cpo",
                "price": 24000.0,
                "gross_profit": 1800.0,
                "lead_id": "L004",
            },
            {
                "deal_id": "DL004",
                "dealer_id": "D01",
                "customer_id": "C004",
                "vehicle_uuid": "veh-4",
                "vin": GOOD_VINS[2],
                "sold_at": pd.Timestamp("2026-11-21T17:00:00Z"),
                "sale_type": "lease",
                "price": 35000.0,
                "gross_profit": 900.0,
                "lead_id": None,
            },
        ]
    )
    service = pd.DataFrame(
        [
            {
                "repair_order_id": "RO001",
                "customer_id": "C001",
                "dealer_id": "D01",
                "vin": GOOD_VINS[0],
                "visit_date": pd.Timestamp("2026-11-20"),
                "mileage": 12000,
                "service_type": "oil_change",
                "amount": 79.95,
            },
            {
                "repair_order_id": "RO002",
                "customer_id": "C003",
                "dealer_id": "D02",
                "vin": GOOD_VINS[3],
                "visit_date": pd.Timestamp("2026-11-20"),
                "mileage": 45000,
                "service_type": "brakes",
                "amount": 420.0,
            },
        ]
    )
    return {"sales": sales, "service_visits": service}


def build_world() -> World:
    tables = {"rooftops": rooftops(), "social_posts": social_posts(), **ad_tables(), **people(), **dms_tables()}
    return World("small", 1, AS_OF, tables=tables)


@pytest.fixture(scope="module")
def marketing_world() -> World:
    return build_world()


@pytest.fixture(scope="module")
def marketing_sandbox(marketing_world: World, tmp_path_factory) -> Iterator[SandboxServer]:
    """One sandbox per module (stopping one costs a 0.5 s poll); `fresh_sandbox` resets it per test."""
    record = tmp_path_factory.mktemp("sandbox") / "requests.sqlite3"
    with SandboxServer(marketing_world, record_path=record) as server:
        yield server


@pytest.fixture
def fresh_sandbox(marketing_sandbox: SandboxServer) -> Iterator[SandboxServer]:
    """The module's sandbox with no faults, default knobs, and the request log's current end marked."""
    marketing_sandbox.clear_faults()
    meta = marketing_sandbox.fakes["meta"]
    saved = {
        "per_call_pct": meta.per_call_pct,
        "window": meta.window,
        "async_step": meta.async_step,
        "sync_max_rows": meta.sync_max_rows,
    }
    marketing_sandbox.mark = len(marketing_sandbox.log.rows())  # type: ignore[attr-defined]
    yield marketing_sandbox
    marketing_sandbox.clear_faults()
    for key, value in saved.items():
        setattr(meta, key, value)
    with meta._lock:
        meta._calls.clear()


def new_requests(server: SandboxServer, vendor: str) -> list[dict]:
    """Requests the vendor received since `fresh_sandbox` marked the log."""
    return [r for r in server.log.rows()[getattr(server, "mark", 0) :] if r["vendor"] == vendor]


def settle(server: SandboxServer, vendor: str, timeout: float = 3.0) -> None:
    """Wait until the fake has answered every request (a timed-out one is still sleeping server-side)."""
    import time

    deadline = time.monotonic() + timeout
    while any(r["status"] is None for r in new_requests(server, vendor)) and time.monotonic() < deadline:
        time.sleep(0.05)
