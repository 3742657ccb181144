"""The sandbox's GA4 BigQuery export: the world's web sessions and events as the rows Google writes.

A GA4 property linked to BigQuery gets a dataset `analytics_<property_id>` with one table a day,
`events_YYYYMMDD` (the property's local day), one row per event (developers.google.com/analytics/
bigquery/event-schema; shared/reference/vendors.md). The sandbox writes those tables as Parquet files
in the export's own schema and nesting (STRUCT, and LIST of STRUCT for the repeated records), one per
property and day, where a local load picks them up as Google's export would appear in BigQuery:

    <root>/analytics_<property_id>/events_<YYYYMMDD>.parquet

What the rows carry, from world.web_sessions and world.web_events (one property = one rooftop):
- every world event (page_view, view_item on a VDP, form_start, generate_lead, click_to_call,
  schedule_test_drive), plus the `session_start` GA4 logs at a session's first hit and `first_visit`
  on a device's first session;
- `user_pseudo_id` = the world's client id, `user_id` = the customer id when the visitor was logged in;
- `event_params`: ga_session_id, ga_session_number, page_location (with the utm / gclid query of a
  tagged landing), page_referrer, engagement_time_msec, session_engaged, entrances, the session's
  source / medium / campaign / campaign_id on its first hits, and `vehicle_id` (the VDP's vehicle
  uuid, a custom parameter a dealer site's tag sends) on VDP page views and view_item;
- `collected_traffic_source` (utm and gclid) on the first hits of tagged sessions (paid, email);
- `traffic_source`: the device's first-touch source, medium and campaign name.
Fields the world has nothing for (ecommerce, app_info, user_ltv, ...) are there and null, as on a
dealer website's property. `session_traffic_source_last_click` is not rendered.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from journey_assets.sandbox.world import World

_S, _I, _F = pa.string(), pa.int64(), pa.float64()
PARAM_VALUE = pa.struct([("string_value", _S), ("int_value", _I), ("float_value", _F), ("double_value", _F)])
EVENT_PARAMS = pa.list_(pa.struct([("key", _S), ("value", PARAM_VALUE)]))
USER_PROPERTIES = pa.list_(
    pa.struct(
        [
            ("key", _S),
            ("value", pa.struct([*((f.name, f.type) for f in PARAM_VALUE), ("set_timestamp_micros", _I)])),
        ]
    )
)
DEVICE = pa.struct(
    [
        ("category", _S),
        ("mobile_brand_name", _S),
        ("mobile_model_name", _S),
        ("mobile_marketing_name", _S),
        ("mobile_os_hardware_model", _S),
        ("operating_system", _S),
        ("operating_system_version", _S),
        ("vendor_id", _S),
        ("advertising_id", _S),
        ("language", _S),
        ("is_limited_ad_tracking", _S),
        ("time_zone_offset_seconds", _I),
        ("browser", _S),
        ("browser_version", _S),
        ("web_info", pa.struct([("browser", _S), ("browser_version", _S), ("hostname", _S)])),
    ]
)
GEO = pa.struct(
    [("city", _S), ("country", _S), ("continent", _S), ("region", _S), ("sub_continent", _S), ("metro", _S)]
)
COLLECTED_TRAFFIC_SOURCE = pa.struct(
    [
        ("manual_campaign_id", _S),
        ("manual_campaign_name", _S),
        ("manual_source", _S),
        ("manual_medium", _S),
        ("manual_term", _S),
        ("manual_content", _S),
        ("manual_source_platform", _S),
        ("manual_creative_format", _S),
        ("manual_marketing_tactic", _S),
        ("gclid", _S),
        ("dclid", _S),
        ("srsltid", _S),
    ]
)
ITEMS = pa.list_(
    pa.struct(
        [
            ("item_id", _S),
            ("item_name", _S),
            ("item_brand", _S),
            ("item_variant", _S),
            ("item_category", _S),
            ("price_in_usd", _F),
            ("price", _F),
            ("quantity", _I),
            ("item_revenue_in_usd", _F),
            ("item_revenue", _F),
            ("item_list_name", _S),
            ("item_list_index", _S),
        ]
    )
)
ECOMMERCE = pa.struct(
    [
        ("total_item_quantity", _I),
        ("purchase_revenue_in_usd", _F),
        ("purchase_revenue", _F),
        ("refund_value_in_usd", _F),
        ("refund_value", _F),
        ("shipping_value_in_usd", _F),
        ("shipping_value", _F),
        ("tax_value_in_usd", _F),
        ("tax_value", _F),
        ("unique_items", _I),
        ("transaction_id", _S),
    ]
)
# The export's columns in BigQuery's order (the event-schema page's tables, top to bottom).
EXPORT_SCHEMA = pa.schema(
    [
        ("event_date", _S),
        ("event_timestamp", _I),
        ("event_name", _S),
        ("event_params", EVENT_PARAMS),
        ("event_previous_timestamp", _I),
        ("event_value_in_usd", _F),
        ("event_bundle_sequence_id", _I),
        ("event_server_timestamp_offset", _I),
        ("user_id", _S),
        ("user_pseudo_id", _S),
        ("privacy_info", pa.struct([("analytics_storage", _S), ("ads_storage", _S), ("uses_transient_token", _S)])),
        ("user_properties", USER_PROPERTIES),
        ("user_first_touch_timestamp", _I),
        ("user_ltv", pa.struct([("revenue", _F), ("currency", _S)])),
        ("device", DEVICE),
        ("geo", GEO),
        (
            "app_info",
            pa.struct(
                [("id", _S), ("version", _S), ("install_store", _S), ("firebase_app_id", _S), ("install_source", _S)]
            ),
        ),
        ("traffic_source", pa.struct([("name", _S), ("medium", _S), ("source", _S)])),
        ("stream_id", _S),
        ("platform", _S),
        ("event_dimensions", pa.struct([("hostname", _S)])),
        ("ecommerce", ECOMMERCE),
        ("items", ITEMS),
        ("collected_traffic_source", COLLECTED_TRAFFIC_SOURCE),
        ("is_active_user", pa.bool_()),
        ("batch_event_index", _I),
        ("batch_page_id", _I),
        ("batch_ordering_id", _I),
    ]
)

REFERRERS = {
    "google": "https://www.google.com/",
    "bing": "https://www.bing.com/",
    "duckduckgo": "https://duckduckgo.com/",
}
SOCIAL_REFERRERS = {"facebook": "https://m.facebook.com/", "instagram": "https://l.instagram.com/"}
TAGGED_CHANNELS = ("paid_search", "paid_social", "email")  # landing URLs carry utm parameters (and a gclid)
STATE_NAMES = {"TX": "Texas", "CO": "Colorado", "CA": "California", "AZ": "Arizona", "FL": "Florida", "IL": "Illinois"}
# (operating system, version, browser, browser version, mobile brand) by device category
DEVICE_PROFILES = {
    "mobile": [("iOS", "18.1", "Safari", "18.1", "Apple"), ("Android", "15", "Chrome", "131.0", "Samsung")],
    "tablet": [("iOS", "18.1", "Safari", "18.1", "Apple"), ("Android", "14", "Chrome", "131.0", "Samsung")],
    "desktop": [("Windows", "Windows 10", "Chrome", "131.0", None), ("Macintosh", "Macintosh", "Safari", "18.1", None)],
}


def stream_id(property_id: str) -> str:
    """A web data stream id for the property (GA4's are 10-digit numbers), stable per property."""
    return str(1_000_000_000 + int(property_id) % 9_000_000_000)


def _sessions(world: World, property_id: str) -> pd.DataFrame:
    """One property's web_sessions with the rooftop's time zone and site, each session's number on its
    device, the device's first-touch session, and a campaign name. A cookie belongs to one site, so
    session numbers and first touch are counted per property."""
    rooftops = world.table("rooftops")[["dealer_id", "ga4_property_id", "timezone", "website", "city", "state"]]
    rooftops = rooftops[rooftops["ga4_property_id"].astype(str) == property_id]
    s = world.table("web_sessions").merge(rooftops, on="dealer_id", how="inner")
    s = s.sort_values(["client_id", "started_at", "session_id"], kind="stable")
    s["ga_session_number"] = s.groupby("client_id").cumcount() + 1
    s["client_random"] = s["client_id"].str.split(".").str[0]  # string work per session, not per event
    s["device_pick"] = s["client_random"].astype("int64") % 2
    s["hostname"] = s["website"].str.removeprefix("https://")
    campaigns = world.table("ad_campaigns").set_index("campaign_id")["campaign_name"]
    s["campaign_name"] = s["campaign_id"].map(campaigns)
    first = s[s["ga_session_number"] == 1].set_index("client_id")
    s["first_touch_at"] = s["client_id"].map(first["started_at"])
    s["first_touch_source"] = s["client_id"].map(first["source"])
    s["first_touch_medium"] = s["client_id"].map(first["medium"])
    s["first_touch_name"] = (
        s["client_id"]
        .map(first["campaign_name"].fillna(first["medium"].map({"(none)": "(direct)", "organic": "(organic)"})))
        .fillna("(referral)")
    )
    return s.reset_index(drop=True)


def _events(world: World, s: pd.DataFrame) -> pd.DataFrame:
    """One row per export event: the world's events with session_start and first_visit added, in order."""
    e = world.table("web_events")[["session_id", "event_ts", "event_name", "page_path", "vehicle_uuid"]]
    e = e[e["session_id"].isin(s["session_id"])]
    e = e.assign(_order=np.arange(len(e)) + 2)
    first = e.groupby("session_id", sort=False).head(1)
    starts = first.assign(event_name="session_start", vehicle_uuid=None, _order=1)
    numbers = s.set_index("session_id")["ga_session_number"]
    visits = starts[starts["session_id"].map(numbers) == 1].assign(event_name="first_visit", _order=0)
    e = pd.concat([e, starts, visits], ignore_index=True)
    e = e.merge(s, on="session_id", how="inner")
    return e.sort_values(["ga4_property_id", "session_id", "event_ts", "_order"], kind="stable").reset_index(drop=True)


def _params(e: pd.DataFrame) -> pa.Array:
    """event_params: the repeated key/value record, built for all events at once."""
    n = len(e)
    idx = np.arange(n)
    first_hit = _first_hits(e)
    pos = e.groupby("session_id").cumcount().to_numpy()
    ts = e["event_ts"].astype("int64").to_numpy()
    gap_ms = np.where(pos > 0, (ts - np.r_[ts[:1], ts[:-1]]) // 1_000_000, 0)
    world_hit = e["_order"] >= 2  # not one of the session_start / first_visit the export adds
    landing_pv = world_hit & (e["event_name"] == "page_view") & ~e.duplicated(["session_id", "event_name"])
    location = e["website"] + e["page_path"].fillna("/")
    tagged = e["channel"].isin(TAGGED_CHANNELS).to_numpy()
    query = (
        "?utm_source="
        + e["source"].astype(str)
        + "&utm_medium="
        + e["medium"].astype(str)
        + np.where(e["campaign_id"].notna(), "&utm_id=" + e["campaign_id"].astype(str), "")
        + np.where(e["source"] == "google", "&gclid=" + _gclid(e), "")
    )
    previous = location.groupby(e["session_id"]).shift(1)  # the page before, without its landing query
    location = np.where(tagged & first_hit, location + query, location)
    referrer = e["source"].map({**REFERRERS, **SOCIAL_REFERRERS})
    referrer = referrer.where(e["medium"] != "referral", "https://www." + e["source"].astype(str) + "/")
    referrer = np.where(first_hit, referrer, previous)
    non_direct = (e["medium"] != "(none)").to_numpy() & first_hit
    campaign = e["campaign_name"].fillna(e["medium"].map({"organic": "(organic)", "referral": "(referral)"}))

    keys, events, strings, ints = [], [], [], []

    def add(key: str, mask, string=None, integer=None) -> None:
        rows = idx[np.asarray(mask, dtype=bool)]
        keys.append(np.full(len(rows), key, dtype=object))
        events.append(rows)
        strings.append(np.full(len(rows), None, dtype=object) if string is None else np.asarray(string, object)[rows])
        ints.append(np.full(len(rows), None, dtype=object) if integer is None else np.asarray(integer, object)[rows])

    every = np.ones(n, dtype=bool)
    add("ga_session_id", every, integer=e["ga_session_id"].to_numpy())
    add("ga_session_number", every, integer=e["ga_session_number"].to_numpy())
    add("page_location", every, string=location)
    add("page_referrer", pd.notna(referrer), string=referrer)
    add("engagement_time_msec", world_hit, integer=gap_ms)
    add("session_engaged", every, string=np.where(e["engaged"], "1", "0"))
    add("entrances", landing_pv, integer=np.ones(n, dtype=np.int64))
    add("source", non_direct, string=e["source"].to_numpy())
    add("medium", non_direct, string=e["medium"].to_numpy())
    add("campaign", non_direct & campaign.notna().to_numpy(), string=campaign.to_numpy())
    add("campaign_id", non_direct & e["campaign_id"].notna().to_numpy(), string=e["campaign_id"].to_numpy())
    add("vehicle_id", e["vehicle_uuid"].notna(), string=e["vehicle_uuid"].to_numpy())

    event = np.concatenate(events)
    order = np.argsort(event, kind="stable")
    values = pa.StructArray.from_arrays(
        [
            pa.array(np.concatenate(strings)[order], _S),
            pa.array(np.concatenate(ints)[order], _I),
            pa.nulls(len(order), _F),
            pa.nulls(len(order), _F),
        ],
        fields=list(PARAM_VALUE),
    )
    entries = pa.StructArray.from_arrays(
        [pa.array(np.concatenate(keys)[order], _S), values], fields=list(EVENT_PARAMS.value_type)
    )
    offsets = np.r_[0, np.cumsum(np.bincount(event, minlength=n))].astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), entries, type=EVENT_PARAMS)


def _first_hits(e: pd.DataFrame) -> np.ndarray:
    """first_visit, session_start and the landing page's hit: where a session's traffic source is recorded."""
    world_hit = e["_order"] >= 2
    first_landing = world_hit & ~e["session_id"].where(world_hit).duplicated()
    return ((e["_order"] <= 1) | first_landing).to_numpy()


def _gclid(e: pd.DataFrame) -> pd.Series:
    """A Google click id per session (opaque, URL-safe), stable for the world."""
    return "Cj0KCQ" + e["ga_session_id"].astype(str) + e["client_random"]


def _struct(fields: pa.StructType, n: int, values: dict, mask=None) -> pa.StructArray:
    """A struct column of `n` rows from the given fields' values; the others null; rows under `mask` null."""
    arrays = [_column(values[f.name], f.type) if f.name in values else pa.nulls(n, f.type) for f in fields]
    return pa.StructArray.from_arrays(arrays, fields=list(fields), mask=None if mask is None else pa.array(mask))


def _column(values, kind: pa.DataType) -> pa.Array:
    return values if isinstance(values, pa.Array) else pa.array(values, kind, from_pandas=True)  # NaN is null


def _device(e: pd.DataFrame) -> pa.StructArray:
    n = len(e)
    pick = e["device_pick"].to_numpy()
    categories = list(DEVICE_PROFILES)
    category = e["device_category"].map({c: i for i, c in enumerate(categories)}).fillna(2).astype(int).to_numpy()
    table = np.array([DEVICE_PROFILES[c] for c in categories], dtype=object)  # category x pick x field
    os_, os_version, browser, browser_version, brand = (table[category, pick, k] for k in range(5))
    hostname = e["hostname"].to_numpy()
    web_info = pa.StructArray.from_arrays(
        [pa.array(browser, _S), pa.array(browser_version, _S), pa.array(hostname, _S)],
        fields=list(DEVICE.field("web_info").type),
    )
    values = {
        "category": e["device_category"].to_numpy(),
        "mobile_brand_name": brand,
        "operating_system": os_,
        "operating_system_version": os_version,
        "language": np.full(n, "en-us", dtype=object),
        "is_limited_ad_tracking": np.full(n, "No", dtype=object),
        "browser": browser,
        "browser_version": browser_version,
    }
    return _struct(DEVICE, n, {**values, "web_info": web_info})


def property_ids(world: World) -> list[str]:
    return sorted(world.table("rooftops")["ga4_property_id"].dropna().astype(str).unique())


def export_table(world: World, property_id: str) -> pa.Table:
    """Every export row of one property, ordered by day and time, and `_table_day`, the day table
    (YYYYMMDD) each row belongs to. One property at a time: the large world's events fit in memory."""
    s = _sessions(world, property_id)
    e = _events(world, s)
    n = len(e)
    zone = e["timezone"].iloc[0] if n else "UTC"  # one property, one time zone
    local_day = e["event_ts"].dt.tz_convert(zone).dt.tz_localize(None).to_numpy().astype("datetime64[D]")
    days, day_index = np.unique(local_day, return_inverse=True)
    event_date = pd.DatetimeIndex(days).strftime("%Y%m%d").to_numpy(dtype=object)[day_index]
    micros = e["event_ts"].astype("int64").to_numpy() // 1_000
    tagged = e["channel"].isin(TAGGED_CHANNELS).to_numpy() & _first_hits(e)
    vdp_item = (e["event_name"] == "view_item").to_numpy() & e["vehicle_uuid"].notna().to_numpy()
    item_rows = np.flatnonzero(vdp_item)
    items = pa.ListArray.from_arrays(
        pa.array(np.r_[0, np.cumsum(vdp_item)].astype(np.int32)),
        _struct(
            ITEMS.value_type,
            len(item_rows),
            {"item_id": e["vehicle_uuid"].to_numpy()[item_rows], "quantity": np.ones(len(item_rows), np.int64)},
        ),
    )
    none = np.full(n, None, dtype=object)
    columns = {
        "event_date": pa.array(event_date, _S),
        "event_timestamp": pa.array(micros, _I),
        "event_name": pa.array(e["event_name"].to_numpy(), _S),
        "event_params": _params(e),
        "event_bundle_sequence_id": pa.array(e.groupby("session_id").cumcount().to_numpy() + 1, _I),
        "user_id": _column(e["user_id"].to_numpy(), _S),
        "user_pseudo_id": pa.array(e["client_id"].to_numpy(), _S),
        "privacy_info": _struct(
            EXPORT_SCHEMA.field("privacy_info").type,
            n,
            {
                "analytics_storage": np.full(n, "Yes", object),
                "ads_storage": np.full(n, "Yes", object),
                "uses_transient_token": np.full(n, "No", object),
            },
        ),
        "user_properties": pa.array([[]] * n, USER_PROPERTIES),
        "user_first_touch_timestamp": pa.array(e["first_touch_at"].astype("int64").to_numpy() // 1_000, _I),
        "device": _device(e),
        "geo": _struct(
            GEO,
            n,
            {
                "city": e["city"].to_numpy(),
                "country": np.full(n, "United States", object),
                "continent": np.full(n, "Americas", object),
                "region": e["state"].map(STATE_NAMES).fillna(e["state"]).to_numpy(),
                "sub_continent": np.full(n, "Northern America", object),
                "metro": np.full(n, "(not set)", object),
            },
        ),
        "traffic_source": _struct(
            EXPORT_SCHEMA.field("traffic_source").type,
            n,
            {
                "name": e["first_touch_name"].to_numpy(),
                "medium": e["first_touch_medium"].to_numpy(),
                "source": e["first_touch_source"].to_numpy(),
            },
        ),
        "stream_id": pa.array(e["ga4_property_id"].astype(str).map(stream_id).to_numpy(), _S),
        "platform": pa.array(np.full(n, "WEB", object), _S),
        "event_dimensions": _struct(
            EXPORT_SCHEMA.field("event_dimensions").type,
            n,
            {"hostname": e["hostname"].to_numpy()},
        ),
        "items": items,
        "collected_traffic_source": _struct(
            COLLECTED_TRAFFIC_SOURCE,
            n,
            {
                "manual_campaign_id": e["campaign_id"].to_numpy(),
                "manual_campaign_name": e["campaign_name"].to_numpy(),
                "manual_source": e["source"].to_numpy(),
                "manual_medium": e["medium"].to_numpy(),
                "gclid": np.where(e["source"] == "google", _gclid(e), none),
            },
            mask=~tagged,
        ),
        "is_active_user": pa.array(np.ones(n, dtype=bool)),
        "batch_event_index": pa.array(e.groupby("session_id").cumcount().to_numpy(), _I),
    }
    arrays = [columns[f.name] if f.name in columns else pa.nulls(n, f.type) for f in EXPORT_SCHEMA]
    table = pa.Table.from_arrays(arrays, schema=EXPORT_SCHEMA)
    table = table.append_column("_table_day", pa.array(event_date, _S))
    return table.sort_by([("_table_day", "ascending"), ("event_timestamp", "ascending")])


def write_ga4_export(
    world: World, root: Path | str, first_day: date | None = None, last_day: date | None = None
) -> list[Path]:
    """Write the day tables of first_day..last_day (default: the world's web window) and return the files."""
    first = (first_day or world.web_first_day).strftime("%Y%m%d")
    last = (last_day or world.as_of).strftime("%Y%m%d")
    written = []
    for property_id in property_ids(world):
        table = export_table(world, property_id)
        days = table["_table_day"].to_numpy(zero_copy_only=False)
        boundaries = np.flatnonzero(np.r_[True, days[1:] != days[:-1], True])
        for start, end in zip(boundaries[:-1], boundaries[1:], strict=True):
            day = days[start]
            if not first <= day <= last:
                continue
            path = Path(root) / f"analytics_{property_id}" / f"events_{day}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            pq.write_table(table.slice(start, end - start).select(EXPORT_SCHEMA.names), tmp)
            os.replace(tmp, path)  # a reader never sees half a day table
            written.append(path)
    return written


def write_ga4_export_once(world: World, root: Path) -> None:
    """The world's whole export, written once per world (another world's tables are removed first)."""
    marker = root / f".sandbox-export-{world.size}-{world.seed}-{world.as_of.isoformat()}"
    if marker.exists():
        return
    if root.exists():
        for old in root.glob("analytics_*/events_*.parquet"):
            old.unlink()
        for old in root.glob(".sandbox-export-*"):
            old.unlink()
    root.mkdir(parents=True, exist_ok=True)
    write_ga4_export(world, root)
    marker.write_text("written\n")
