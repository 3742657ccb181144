"""The people sources on the small world: the CRM's contacts over real HTTP and the DMS's customer and vehicle
exports as the loader reads them hold every customer; the vehicle master carries leases older than the deals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pandas as pd
import pytest

from journey_assets.connectors.crm import MAX_PER_PAGE, CRMClient
from journey_assets.connectors.dms import DmsLoader, LocalLanding, parse_file
from journey_assets.sandbox.dms_drops import write_dms_drops
from journey_assets.sandbox.server import SandboxServer
from journey_assets.sources.crm import contact_row
from journey_assets.sources.reference import ROOFTOPS, ZIP_CENTROIDS, rooftop_rows, zip_centroid_rows


@pytest.fixture(scope="module")
def crm_contacts(small_world, tmp_path_factory) -> list[dict]:
    record = tmp_path_factory.mktemp("people-sandbox") / "requests.sqlite3"
    with SandboxServer(small_world, record_path=record) as server:
        client = CRMClient(server.vendor_url("crm"), server.fakes["crm"].token, timeout=30)
        return list(client.iter_contacts(per_page=MAX_PER_PAGE))


@pytest.fixture(scope="module")
def dms_rows(small_world, tmp_path_factory) -> dict[str, list[dict]]:
    """Every customer and vehicle row the DMS exports of the world's history load, as the sandbox drops them."""
    root = tmp_path_factory.mktemp("people-landing")
    before_web = small_world.web_first_day - timedelta(days=1)
    write_dms_drops(small_world, root, small_world.first_day, before_web, as_one_export=True)
    write_dms_drops(small_world, root, small_world.web_first_day, small_world.as_of)
    loader = DmsLoader(LocalLanding(root))
    out: dict[str, list[dict]] = {"customers": [], "vehicles": [], "sales": [], "rejected": []}
    for day in loader.export_days(small_world.as_of):
        load = loader.load_day(day)
        for kind in ("customers", "vehicles", "sales"):
            out[kind] += load.rows[kind]
            out["rejected"] += load.rejections[kind]
    return out


def _ids(rows: Iterator[dict] | list[dict], column: str) -> set[str]:
    return {r[column] for r in rows}


def test_every_world_customer_is_held_by_the_crm_or_the_dms(small_world, crm_contacts, dms_rows):
    customers = small_world.table("customers")
    crm, dms = _ids(crm_contacts, "id"), _ids(dms_rows["customers"], "customer_id")
    assert crm | dms == set(customers["customer_id"])
    # Who holds whom (contracts.md): CRM and web records, and whoever a lead names, are CRM contacts ...
    assert set(customers.loc[customers["source"].isin(["crm", "web"]), "customer_id"]) <= crm
    assert set(small_world.table("leads")["customer_id"].dropna()) <= crm
    # ... DMS records and whoever a deal or repair order names are DMS customers.
    assert set(customers.loc[customers["source"] == "dms", "customer_id"]) <= dms
    assert set(small_world.table("sales")["customer_id"]) <= dms
    assert set(small_world.table("service_visits")["customer_id"]) <= dms
    assert dms_rows["rejected"] == []


def test_contacts_normalize_what_parses_and_keep_every_raw_value(small_world, crm_contacts):
    rows = [contact_row(c, pd.Timestamp.now(tz="UTC")) for c in crm_contacts]
    frame = pd.DataFrame(rows).set_index("contact_id")
    world = small_world.table("customers").set_index("customer_id").loc[frame.index]
    assert frame["email"].fillna("").tolist() == world["email"].fillna("").tolist()
    assert frame["phone"].fillna("").tolist() == world["phone"].fillna("").tolist()
    has_phone = frame["phone"].notna()
    # The world garbles ~3% of first records' phones (a digit short, no area code): those load without E.164.
    unparsed = (has_phone & frame["phone_e164"].isna()).sum() / has_phone.sum()
    assert 0.005 < unparsed < 0.06
    assert frame.loc[frame["phone_e164"].notna(), "phone_e164"].str.fullmatch(r"\+1\d{10}").all()
    assert (frame["email_normalized"].dropna() == frame["email_normalized"].dropna().str.lower()).all()


def test_the_vehicle_master_carries_leases_older_than_the_deal_history(small_world, dms_rows):
    owned = small_world.table("owned_vehicles")
    as_of = pd.Timestamp(small_world.as_of)
    old_leases = owned[
        (owned["acquisition"] == "lease")
        & (owned["acquired_date"] < pd.Timestamp(small_world.first_day))
        & (owned["lease_maturity_date"] > as_of)
        & (owned["lease_maturity_date"] <= as_of + pd.Timedelta(days=183))
    ]
    assert len(old_leases) > 0  # the world has them (the lease-end segment needs them)
    vehicles = {(r["vin"], r["customer_id"]): r for r in dms_rows["vehicles"]}
    deal_vins = _ids(dms_rows["sales"], "vin")
    for lease in old_leases.itertuples():
        assert lease.vin not in deal_vins  # no deal file carries them ...
        row = vehicles[(lease.vin, lease.customer_id)]  # ... only the vehicle master
        assert row["acquisition"] == "lease" and row["lease_maturity_date"] == lease.lease_maturity_date.date()
    # Every lease deal carries its term and maturity as the deal file does.
    lease_deals = [r for r in dms_rows["sales"] if r["sale_type"] == "lease"]
    assert lease_deals and all(r["lease_term_months"] in (24, 36, 39, 48) for r in lease_deals)
    assert all(r["lease_maturity_date"] > r["sold_at"].date() for r in lease_deals)


def test_a_dms_customer_row_that_cannot_load_names_the_column_not_the_value():
    data = (
        b"customer_id,dealer_id,first_name,last_name,email,phone,address,city,state,zip,birth_year,created_at\n"
        b"C1,D01,Ana,Ruiz,ana@example.com,(312) 555-0142,1 Main St,Chicago,IL,60601,19x4,2026-11-20T10:00:00Z\n"
        b"C2,D01,Ben,Cho,ben@example,12,2 Main St,Chicago,IL,60602,1970,2026-11-20T11:00:00Z\n"
        b"C3,D01,Cy,Dunn,cy@example.com,,,Chicago,IL,60603,,2026-11-20T12:00:00Z\n"
    )
    parsed = parse_file("customers_D01_20261120.csv", data)
    assert not isinstance(parsed, str)
    assert [r["customer_id"] for r in parsed.rows] == ["C2", "C3"]  # a bad phone or email is not a reason
    [bad] = parsed.rejections
    assert bad["record_key"] == "C1" and bad["reason"] == "customers_D01_20261120.csv line 2: birth_year is not a int"
    assert "19x4" not in bad["reason"] and "19x4" in bad["payload"]
    vehicles = parse_file(
        "vehicles_D01_20261120.csv",
        b"vin,customer_id,dealer_id,year\n1HGCV1F42JA141468,C1,D01,2018\n1HGCV1F42JA141468,,D01,2018\n",
    )
    assert not isinstance(vehicles, str) and vehicles.rejections[0]["reason"].endswith("'customer_id' is missing")
    assert vehicles.rejections[0]["record_key"] == "1HGCV1F42JA141468|"


def test_reference_rows_fit_their_tables(small_world):
    zips = ZIP_CENTROIDS.frame(zip_centroid_rows())
    assert len(zips) > 40_000 and zips["zip_code"].is_unique
    assert zips["zip_code"].str.fullmatch(r"\d{5}").all() and zips["latitude"].between(-20, 75).all()
    world_zips = set(small_world.table("customers")["zip"].str[:5])
    assert world_zips <= set(zips["zip_code"])  # every customer's ZIP has a centroid
    config = small_world.table("rooftops").to_dict("records")
    config[0] = {**config[0], "ga4_property_id": 312345678, "latitude": "30.4"}  # a hand-written config's types
    rooftops = ROOFTOPS.frame(rooftop_rows(config))
    assert rooftops["dealer_id"].tolist() == small_world.table("rooftops")["dealer_id"].tolist()
    assert rooftops.loc[0, "ga4_property_id"] == "312345678" and rooftops.loc[0, "latitude"] == 30.4
