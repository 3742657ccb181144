"""Materialize the Meta, Metricool, DMS and CRM raw assets for one partition into a temp DuckDB, twice.

The second run proves a re-run replaces its partition: the same rows, not twice
as many, and the DMS files come back as `reloaded` from loaded/<day>/.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import dagster as dg
import duckdb
import pytest
from dagster_duckdb_pandas import DuckDBPandasIOManager
from support.marketing_world import ACCOUNTS, PAGES

from journey_assets.defs.ingest.crm import crm_leads_and_activities
from journey_assets.defs.ingest.dms import dms_exports
from journey_assets.defs.ingest.meta import meta_ad_insights, meta_lead_ads
from journey_assets.defs.ingest.metricool import metricool_posts
from journey_assets.defs.resources import (
    CRMResource,
    DmsLandingResource,
    MetaResource,
    MetricoolResource,
    RooftopsResource,
)
from journey_assets.sandbox.dms_drops import write_dms_drops

PARTITION = "2026-11-20"


@pytest.fixture(scope="module")
def warehouse(marketing_sandbox, marketing_world, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("assets")
    rooftops = tmp / "rooftops.json"
    rooftops.write_text(
        json.dumps(
            [
                # D01 names its page; D02 leaves it to the ad account's promote_pages.
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
                    "meta_ad_account_id": f"act_{ACCOUNTS['D02']}",
                },
            ]
        )
    )
    landing = tmp / "landing"
    write_dms_drops(marketing_world, landing, date(2026, 11, 20), date(2026, 11, 21))
    database = tmp / "warehouse.duckdb"
    resources = {
        "io_manager": DuckDBPandasIOManager(database=str(database)),
        "rooftops": RooftopsResource(path=str(rooftops)),
        "meta": MetaResource(base_url=marketing_sandbox.vendor_url("meta"), access_token="t", poll_interval_seconds=0),
        "metricool": MetricoolResource(
            base_url=marketing_sandbox.vendor_url("metricool"), user_token="t", user_id="7", lookback_days=3
        ),
        "dms_landing": DmsLandingResource(root=str(landing)),
        "crm": CRMResource(base_url=marketing_sandbox.vendor_url("crm"), token="sandbox-crm-token", per_page=2),
    }
    assets = [meta_ad_insights, meta_lead_ads, metricool_posts, dms_exports, crm_leads_and_activities]
    first = dg.materialize(assets, partition_key=PARTITION, resources=resources)
    second = dg.materialize(assets, partition_key=PARTITION, resources=resources)
    assert first.success and second.success
    checks = {(c.asset_key.to_user_string(), c.check_name): c.passed for c in second.get_asset_check_evaluations()}
    return database, checks


def rows(database, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_meta_insights_one_row_per_ad_and_day(warehouse):
    database, _ = warehouse
    got = rows(database, "select dealer_id, ad_id, impressions, spend, leads from raw.meta_ad_insights order by ad_id")
    assert got == [("D01", "4001", 1002, 12.5, 0.0), ("D01", "4002", 1102, 13.5, 1.0), ("D02", "4003", 1202, 14.5, 0.0)]


def test_meta_leads_validated_and_quarantined(warehouse):
    database, checks = warehouse
    loaded = rows(database, "select lead_id, dealer_id, page_id, email, phone from raw.meta_leads order by lead_id")
    assert loaded == [
        ("7001", "D01", PAGES["D01"], "ana.ruiz@example.com", "+13125550142"),
        ("7005", "D02", PAGES["D02"], "di@example.com", None),
    ]
    quarantined = dict(rows(database, "select record_key, reason from ops.quarantine_meta_leads"))
    assert set(quarantined) == {"7002", "7004"}
    assert "email is not valid" in quarantined["7002"] and "phone is not a possible number" in quarantined["7004"]
    assert checks[("raw/meta_leads", "no_quarantined_rows")] is False


def test_metricool_snapshot(warehouse):
    database, _ = warehouse
    got = rows(
        database, "select dealer_id, network, count(*), sum(likes) from raw.metricool_posts group by all order by all"
    )
    assert got == [
        ("D01", "facebook", 2, 23),
        ("D01", "instagram", 2, 25),
        ("D01", "linkedin", 2, 27),
        ("D02", "facebook", 1, 16),
        ("D02", "instagram", 1, 17),
        ("D02", "linkedin", 1, 18),
    ]
    assert rows(database, "select count(*) from raw.metricool_posts where reach is null or impressions is null") == [
        (0,)
    ]


def test_dms_loaded_once_and_replaced_on_rerun(warehouse):
    database, checks = warehouse
    assert rows(database, "select deal_id from raw.dms_sales order by 1") == [("DL001",), ("DL003",)]
    assert rows(database, "select repair_order_id from raw.dms_service_visits order by 1") == [("RO001",), ("RO002",)]
    assert rows(database, "select distinct status from ops.dms_file_loads") == [("reloaded",)]
    assert rows(database, "select record_key from ops.quarantine_dms") == [("DL002",)]
    assert checks[("raw/dms_sales", "no_quarantined_rows")] is False
    assert checks[("ops/dms_file_loads", "no_quarantined_files")] is True


def test_crm_changes_of_the_day(warehouse):
    database, _ = warehouse
    leads = rows(database, "select lead_id, status from raw.crm_leads order by updated_at")
    assert leads == [("L006", "sold"), ("L001", "contacted"), ("L002", "new")]
    assert rows(database, "select activity_id from raw.crm_activities order by 1") == [("A001",), ("A002",)]
    assert rows(database, "select record_key from ops.quarantine_crm") == [("L004",)]


def test_crm_contacts_load_with_normalized_columns_null_where_a_value_does_not_parse(warehouse):
    database, checks = warehouse
    got = rows(
        database,
        "select contact_id, dealer_id, email, email_normalized, phone, phone_e164, updated_date"
        " from raw.crm_contacts order by contact_id",
    )
    day = datetime(2026, 11, 20)
    assert got == [
        ("C001", "D01", "Ana.Ruiz@Example.com", "ana.ruiz@example.com", "(312) 555-0142", "+13125550142", day),
        ("C002", "D01", "ben.cho@example", None, "312-867-5309", "+13128675309", day),
        ("C003", "D02", "cy@example.com", "cy@example.com", "12", None, day),  # a bad phone: loaded, no E.164
        ("C004", "D02", "di@example.com", "di@example.com", None, None, day),
    ]
    assert checks[("raw/crm_contacts", "no_quarantined_rows")] is True


def test_dms_customers_of_the_day_with_normalized_contact_columns(warehouse):
    database, checks = warehouse
    got = rows(
        database,
        "select customer_id, dealer_id, email_normalized, phone, phone_e164, source_file"
        " from raw.dms_customers order by customer_id",
    )
    assert got == [
        ("C001", "D01", "ana.ruiz@example.com", "(312) 555-0142", "+13125550142", "customers_D01_20261120.csv"),
        ("C002", "D01", None, "312-867-5309", "+13128675309", "customers_D01_20261120.csv"),
        ("C003", "D02", "cy@example.com", "12", None, "customers_D02_20261120.csv"),
    ]  # C004's first deal is on the 21st: its record is the next day's export
    # This world has no vehicle master: each rooftop's vehicles file is a header, loaded with no rows.
    vehicle_files = rows(
        database, "select name, status, rows from ops.dms_file_loads where kind = 'vehicles' order by 1"
    )
    assert vehicle_files == [("vehicles_D01_20261120.csv", "reloaded", 0), ("vehicles_D02_20261120.csv", "reloaded", 0)]
    assert checks[("raw/dms_customers", "no_quarantined_rows")] is True
