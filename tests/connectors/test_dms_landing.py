"""DMS drops: the sandbox writes them, the loader loads each file once, bad files go to quarantine with a reason."""

from __future__ import annotations

import json
from datetime import date

import pytest
from support.marketing_world import BAD_VIN, GOOD_VINS, build_world

from journey_assets.connectors.dms import (
    DUPLICATES,
    INCOMING,
    MANIFEST,
    QUARANTINE,
    DmsLoader,
    LocalLanding,
    checksum,
    parse_file,
)
from journey_assets.sandbox.dms_drops import write_dms_drops

DAY = date(2026, 11, 20)
SALES_HEADER = "deal_id,dealer_id,customer_id,vehicle_uuid,vin,sold_at,sale_type,price,gross_profit,lead_id\n"
# What the sandbox's DMS writes: the vehicle sold and a lease's term and maturity too (SALES_HEADER files still load).
SANDBOX_SALES_HEADER = SALES_HEADER.strip() + ",condition,year,make,model,lease_term_months,lease_maturity_date\n"


@pytest.fixture
def landing(tmp_path) -> LocalLanding:
    write_dms_drops(build_world(), tmp_path, date(2026, 11, 20), date(2026, 11, 21))
    return LocalLanding(tmp_path)


def test_the_sandbox_drops_one_file_per_dealer_kind_and_local_day(landing):
    names = landing.list(INCOMING)
    assert len(names) == 2 * 4 * 2  # dealers x kinds (sales, service, customers, vehicles) x days
    assert "sales_D01_20261120.csv" in names and "service_D02_20261121.csv" in names
    text = landing.read(INCOMING, "sales_D01_20261121.csv").decode()
    assert text.splitlines()[1].startswith("DL004,D01,") and "2026-11-21T17:00:00Z" in text
    assert landing.read(INCOMING, "sales_D02_20261121.csv").decode() == SANDBOX_SALES_HEADER  # a quiet day: header only


def test_a_day_loads_its_files_and_quarantines_bad_rows(landing):
    load = DmsLoader(landing).load_day(DAY)
    assert sorted(r["deal_id"] for r in load.rows["sales"]) == ["DL001", "DL003"]
    assert sorted(r["repair_order_id"] for r in load.rows["service"]) == ["RO001", "RO002"]
    [bad] = load.rejections["sales"]
    assert bad["record_key"] == "DL002" and "check digit" in bad["reason"] and "line 3" in bad["reason"]
    assert {f.status for f in load.files} == {"loaded"} and len(load.files) == 8
    assert landing.list(f"loaded/{DAY}") == sorted(f.name for f in load.files)
    assert not [n for n in landing.list(INCOMING) if "20261120" in n]  # moved out of incoming
    assert len([n for n in landing.list(INCOMING) if "20261121" in n]) == 8  # tomorrow's files wait for their day
    row = next(r for r in load.rows["sales"] if r["deal_id"] == "DL001")
    assert row["vin"] == GOOD_VINS[0] and row["price"] == 31000.0 and str(row["sold_at"]) == "2026-11-20 18:00:00+00:00"
    assert row["source_file"] == "sales_D01_20261120.csv" and len(row["file_checksum"]) == 64


def test_rerunning_a_day_reloads_the_same_files(landing):
    loader = DmsLoader(landing)
    first = loader.load_day(DAY)
    again = loader.load_day(DAY)
    assert {f.status for f in again.files} == {"reloaded"}
    assert sorted(r["deal_id"] for r in again.rows["sales"]) == sorted(r["deal_id"] for r in first.rows["sales"])


def test_a_redropped_identical_file_is_skipped(landing):
    loader = DmsLoader(landing)
    loader.load_day(DAY)
    copy = landing.read(f"loaded/{DAY}", "sales_D01_20261120.csv")
    landing.write(INCOMING, "sales_D01_20261120.csv", copy)
    load = loader.load_day(DAY)
    [duplicate] = [f for f in load.files if f.status == "duplicate"]
    assert duplicate.reason == "identical to sales_D01_20261120.csv (loaded for 2026-11-20)"
    assert len(landing.list(DUPLICATES)) == 1 and "sales_D01_20261120.csv" not in landing.list(INCOMING)
    assert sorted(r["deal_id"] for r in load.rows["sales"]) == ["DL001", "DL003"]  # nothing loaded twice


def test_a_file_missing_a_column_is_quarantined_with_a_reason(landing):
    data = b"deal_id,dealer_id,vin,sold_at,price\nDL9,D01,1M8GDM9AXKP042788,2026-11-20T10:00:00Z,100\n"
    landing.write(INCOMING, "sales_D01_20261120.csv", data)  # replaces the sandbox's drop
    load = DmsLoader(landing).load_day(DAY)
    [bad] = [f for f in load.files if f.status == "quarantined"]
    assert bad.reason == "missing required columns: sale_type"
    assert landing.read(QUARANTINE, "sales_D01_20261120.csv.reason.txt").decode().strip() == bad.reason
    assert json.loads(landing.read(MANIFEST, f"{checksum(data)}.json"))["status"] == "quarantined"
    assert [r["deal_id"] for r in load.rows["sales"]] == ["DL003"]
    # The same broken file dropped again is recognised, not re-examined.
    landing.write(INCOMING, "sales_D01_20261120.csv", data)
    again = DmsLoader(landing).load_day(DAY)
    assert [f.status for f in again.files if f.name == "sales_D01_20261120.csv"] == ["duplicate"]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("sales-D01-2026-11-20.csv", b"x\n", "file name does not follow"),
        ("sales_D01_20261120.csv", b"", "file is empty"),
        ("sales_D01_20261120.csv", b"\xff\xfe\x00bad", "not UTF-8"),
        (
            "sales_D01_20261120.csv",
            (
                SALES_HEADER
                + f"A,D01,C,V,{BAD_VIN},2026-11-20T10:00:00Z,new,1,1,\n"
                + "B,D01,C,V,1M8GDM9AXKP042788,yesterday,new,1,1,\n"
            ).encode(),
            "2 of 2 rows failed validation",
        ),
    ],
)
def test_bad_files(name, data, reason):
    outcome = parse_file(name, data)
    assert isinstance(outcome, str) and reason in outcome


def test_a_wrong_row_is_named_precisely():
    data = (
        SALES_HEADER
        + "A,D02,C,V,1M8GDM9AXKP042788,2026-11-20T10:00:00Z,new,-5,1,\n"
        + "B,D01,C,V,JH2RC3605MM101581,2026-11-20T10:00:00Z,new,10,x,\n"
        + "C,D01,C,V,1HGCV1F42JA141468,2026-11-20T10:00:00Z,new,10,1,L1\n"
    ).encode()
    parsed = parse_file("sales_D01_20261120.csv", data, max_bad_fraction=1.0)
    assert [r["deal_id"] for r in parsed.rows] == ["C"]
    reasons = [r["reason"] for r in parsed.rejections]
    assert (
        "dealer_id 'D02' does not match the file's dealer 'D01'" in reasons[0]
        and "price -5.0 is negative" in reasons[0]
    )
    assert "gross_profit 'x' is not a float" in reasons[1]


def test_a_later_export_of_the_same_day_replaces_the_earlier(landing):
    loader = DmsLoader(landing)
    loader.load_day(DAY)
    corrected = SALES_HEADER + f"DL001,D01,C001,veh-1,{GOOD_VINS[0]},2026-11-20T18:00:00Z,new,30500,2000,L001\n"
    landing.write(INCOMING, "sales_D01_20261120.csv", corrected.encode())
    load = loader.load_day(DAY)
    d01 = [r for r in load.rows["sales"] if r["dealer_id"] == "D01"]
    assert [(r["deal_id"], r["price"]) for r in d01] == [("DL001", 30500.0)]
    assert [f.status for f in load.files if f.name == "sales_D01_20261120.csv"] == ["loaded"]


def test_a_claim_left_by_a_crashed_run_is_resumed(landing):
    data = landing.read(INCOMING, "service_D01_20261120.csv")
    landing.write(
        MANIFEST,
        f"{checksum(data)}.json",
        json.dumps({"name": "service_D01_20261120.csv", "status": "claimed", "export_date": "2026-11-20"}).encode(),
    )
    load = DmsLoader(landing).load_day(DAY)
    assert [f.status for f in load.files if f.name == "service_D01_20261120.csv"] == ["loaded"]


def test_pending_days_lists_waiting_export_dates(landing):
    assert sorted(DmsLoader(landing).pending_days()) == [date(2026, 11, 20), date(2026, 11, 21)]


def test_the_sensor_asks_for_each_waiting_export_date(landing):
    import dagster as dg

    from journey_assets.defs.ingest.dms import dms_landing_sensor
    from journey_assets.defs.resources import DmsLandingResource

    context = dg.build_sensor_context(resources={"dms_landing": DmsLandingResource(root=str(landing.root))})
    requests = list(dms_landing_sensor(context))
    assert sorted(r.partition_key for r in requests) == ["2026-11-20", "2026-11-21"]
    DmsLoader(landing).load_day(DAY)
    assert [r.partition_key for r in dms_landing_sensor(context)] == ["2026-11-21"]
