"""Quiet days: every rooftop's header-only export has the same bytes, and each is still its own file, loaded once."""

from __future__ import annotations

from datetime import date

from journey_assets.connectors.dms import DUPLICATES, INCOMING, DmsLoader, LocalLanding, checksum

SALES_HEADER = b"deal_id,dealer_id,customer_id,vehicle_uuid,vin,sold_at,sale_type,price,gross_profit,lead_id\n"
DAY = date(2026, 11, 21)


def test_identical_header_only_files_of_different_dealers_and_days_are_each_loaded(tmp_path):
    landing = LocalLanding(tmp_path)
    names = ["sales_D01_20261120.csv", "sales_D01_20261121.csv", "sales_D02_20261121.csv"]
    for name in names:
        landing.write(INCOMING, name, SALES_HEADER)
    loader = DmsLoader(landing)
    first, second = loader.load_day(date(2026, 11, 20)), loader.load_day(DAY)
    files = first.files + second.files
    assert [(f.name, f.status, f.rows) for f in files] == [(n, "loaded", 0) for n in names]
    assert {f.checksum for f in files} == {checksum(SALES_HEADER)}  # the file log keeps the content's checksum
    assert landing.list(DUPLICATES) == [] and landing.list(f"loaded/{DAY}") == names[1:]


def test_a_header_only_file_dropped_again_under_its_name_is_a_duplicate(tmp_path):
    landing = LocalLanding(tmp_path)
    landing.write(INCOMING, "sales_D02_20261121.csv", SALES_HEADER)
    loader = DmsLoader(landing)
    loader.load_day(DAY)
    landing.write(INCOMING, "sales_D02_20261121.csv", SALES_HEADER)
    again = loader.load_day(DAY)
    assert sorted(f.status for f in again.files) == ["duplicate", "reloaded"]
    assert len(landing.list(DUPLICATES)) == 1


def test_a_file_with_rows_is_a_duplicate_under_any_name(tmp_path):
    landing = LocalLanding(tmp_path)
    rows = SALES_HEADER + b"DL1,D01,C1,veh-1,1M8GDM9AXKP042788,2026-11-21T10:00:00Z,new,30000,2000,\n"
    landing.write(INCOMING, "sales_D01_20261121.csv", rows)
    landing.write(INCOMING, "sales_D02_20261121.csv", rows)
    load = DmsLoader(landing).load_day(DAY)
    assert sorted(f.status for f in load.files) == ["duplicate", "loaded"]
