"""The sandbox's GA4 BigQuery export: Google's documented schema and nesting, one row per event, a file per property-day.

The expected schema is written here from developers.google.com/analytics/bigquery/event-schema (and the
Parquet form BigQuery's own export of such a table takes), not read from the module under test.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journey_assets.sandbox.ga4_export import export_table, property_ids, write_ga4_export

# The export's top-level columns, in the order Google documents them.
DOCUMENTED_COLUMNS = [
    "event_date",
    "event_timestamp",
    "event_name",
    "event_params",
    "event_previous_timestamp",
    "event_value_in_usd",
    "event_bundle_sequence_id",
    "event_server_timestamp_offset",
    "user_id",
    "user_pseudo_id",
    "privacy_info",
    "user_properties",
    "user_first_touch_timestamp",
    "user_ltv",
    "device",
    "geo",
    "app_info",
    "traffic_source",
    "stream_id",
    "platform",
    "event_dimensions",
    "ecommerce",
    "items",
    "collected_traffic_source",
    "is_active_user",
    "batch_event_index",
    "batch_page_id",
    "batch_ordering_id",
]
SCALARS = {
    "event_date": pa.string(),
    "event_timestamp": pa.int64(),
    "event_name": pa.string(),
    "user_id": pa.string(),
    "user_pseudo_id": pa.string(),
    "user_first_touch_timestamp": pa.int64(),
    "stream_id": pa.string(),
    "platform": pa.string(),
}
PARAM_VALUE_FIELDS = {"string_value": pa.string(), "int_value": pa.int64(), "float_value": pa.float64()}
RECORD_FIELDS = {
    "device": {"category", "operating_system", "browser", "language", "is_limited_ad_tracking", "web_info"},
    "geo": {"city", "country", "continent", "region", "sub_continent", "metro"},
    "traffic_source": {"name", "medium", "source"},
    "collected_traffic_source": {"manual_campaign_id", "manual_source", "manual_medium", "gclid", "dclid"},
    "privacy_info": {"analytics_storage", "ads_storage", "uses_transient_token"},
}


@pytest.fixture(scope="module")
def export(small_world) -> pa.Table:
    return pa.concat_tables([export_table(small_world, p) for p in property_ids(small_world)])


@pytest.fixture(scope="module")
def written(small_world, tmp_path_factory):
    root = tmp_path_factory.mktemp("ga4-export")
    return root, write_ga4_export(small_world, root)


def test_a_day_table_has_the_documented_columns_and_nesting(written):
    root, files = written
    schema = pq.read_schema(files[0])
    assert schema.names == DOCUMENTED_COLUMNS
    for name, kind in SCALARS.items():
        assert schema.field(name).type == kind, name
    # event_params: REPEATED RECORD of key and value{string_value, int_value, float_value, double_value}
    params = schema.field("event_params").type
    assert pa.types.is_list(params)
    entry = params.value_type
    assert [f.name for f in entry] == ["key", "value"]
    assert entry.field("key").type == pa.string()
    value = entry.field("value").type
    for name, kind in PARAM_VALUE_FIELDS.items():
        assert value.field(name).type == kind
    assert "double_value" in [f.name for f in value]
    assert pa.types.is_list(schema.field("items").type) and pa.types.is_list(schema.field("user_properties").type)
    for record, fields in RECORD_FIELDS.items():
        kind = schema.field(record).type
        assert pa.types.is_struct(kind), record
        assert fields <= {f.name for f in kind}, record
    assert pa.types.is_struct(schema.field("device").type.field("web_info").type)


def test_one_file_per_property_and_local_day_named_as_bigquerys_day_tables(small_world, written):
    root, files = written
    rooftops = small_world.table("rooftops")
    web_days = pd.date_range(small_world.web_first_day, small_world.as_of).strftime("%Y%m%d")
    expected = {f"analytics_{p}/events_{d}.parquet" for p in rooftops["ga4_property_id"] for d in web_days}
    assert {str(f.relative_to(root)) for f in files} == expected
    zone = dict(zip(rooftops["ga4_property_id"], rooftops["timezone"], strict=True))
    for path in files[:5]:
        day = pq.read_table(path, columns=["event_date", "event_timestamp"]).to_pandas()
        property_id = path.parent.name.removeprefix("analytics_")
        assert set(day["event_date"]) == {path.stem.removeprefix("events_")}
        local = pd.to_datetime(day["event_timestamp"], unit="us", utc=True).dt.tz_convert(zone[property_id])
        assert set(local.dt.strftime("%Y%m%d")) == set(day["event_date"])  # the property's day, not UTC's


def test_every_world_event_is_a_row_plus_session_start_and_first_visit(small_world, export):
    events, sessions = small_world.table("web_events"), small_world.table("web_sessions")
    names = pd.Series(export["event_name"].to_pylist()).value_counts()
    assert names["session_start"] == len(sessions)
    devices = len(sessions[["dealer_id", "client_id"]].drop_duplicates())  # a cookie belongs to one site
    assert names["first_visit"] == devices
    world_names = events["event_name"].value_counts()
    assert names.drop(["session_start", "first_visit"]).to_dict() == world_names.to_dict()
    assert export.num_rows == len(events) + len(sessions) + devices


def test_event_params_carry_the_session_the_page_and_the_vehicle(small_world, export):
    sample = export.slice(0, 3000).to_pylist()
    sessions = small_world.table("web_sessions").set_index("ga_session_id")
    for row in sample:
        params = {p["key"]: p["value"] for p in row["event_params"]}
        assert len(params) == len(row["event_params"])  # one entry per key
        session_id = params["ga_session_id"]["int_value"]
        assert session_id in sessions.index
        assert params["ga_session_number"]["int_value"] >= 1
        assert params["page_location"]["string_value"].startswith("https://")
        assert params["session_engaged"]["string_value"] in {"0", "1"}
        assert row["user_pseudo_id"] in set(sessions.loc[[session_id], "client_id"])
        if row["event_name"] == "view_item" and "vehicle_id" in params:
            assert row["items"][0]["item_id"] == params["vehicle_id"]["string_value"]
    vdp_views = [r for r in sample if r["event_name"] == "view_item"]
    assert vdp_views and all("vehicle_id" in {p["key"] for p in r["event_params"]} for r in vdp_views[:50])


def test_tagged_landings_carry_collected_traffic_source_and_a_gclid_for_google_ads(export):
    rows = export.filter(pa.compute.equal(export["event_name"], "session_start")).to_pylist()
    medium = [{p["key"]: p["value"] for p in r["event_params"]}.get("medium", {}).get("string_value") for r in rows]
    paid_search = [r for r, m in zip(rows, medium, strict=True) if m == "cpc"]
    direct = [r for r in rows if "medium" not in {p["key"] for p in r["event_params"]}]
    assert paid_search and direct
    assert all(r["collected_traffic_source"]["manual_medium"] == "cpc" for r in paid_search)
    assert all(r["collected_traffic_source"]["gclid"] for r in paid_search)
    assert all(r["collected_traffic_source"] is None for r in direct)
