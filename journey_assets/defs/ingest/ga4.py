"""GA4 sessions and events per rooftop, one daily partition = one report day.

Each rooftop is its own GA4 property (`ga4_property_id` in the rooftop config).
Re-running a partition replaces that day (partition_expr date_day), which is
how late-processed GA4 data is picked up: GA4 keeps revising the last day or two.
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg

from journey_assets.connectors.ga4 import EVENTS_REPORT, SESSIONS_REPORT
from journey_assets.defs.ingest.common import (
    partition_day,
    quarantine_check,
    quarantine_frame,
    quarantine_out,
    raw_out,
    typed_frame,
)
from journey_assets.defs.partitions import daily_partitions
from journey_assets.defs.resources import GA4Resource, RooftopsResource
from journey_assets.journey.quality import missing_fields, split_records, split_repeats

SOURCE = "ga4"
SESSIONS_KEY = ["raw", "ga4_sessions"]
EVENTS_KEY = ["raw", "ga4_events"]
SESSIONS_SCHEMA = {
    "date_day": "date",
    "dealer_id": "string",
    "property_id": "string",
    "channel_group": "string",
    "source": "string",
    "medium": "string",
    "campaign_id": "string",
    "device_category": "string",
    "sessions": "int",
    "engaged_sessions": "int",
    "screen_page_views": "int",
    "key_events": "int",
    "loaded_at": "timestamp",
}
EVENTS_SCHEMA = {
    "date_day": "date",
    "dealer_id": "string",
    "property_id": "string",
    "event_name": "string",
    "page_path": "string",
    "event_count": "int",
    "loaded_at": "timestamp",
}
SESSION_KEY_COLUMNS = ("channel_group", "source", "medium", "campaign_id", "device_category")
EVENT_KEY_COLUMNS = ("event_name", "page_path")


def _counts_problems(row: Mapping[str, Any], columns: tuple[str, ...]) -> list[str]:
    problems = []
    for column in columns:
        value = row.get(column)
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{column} {value!r} is not a whole number")
        elif value < 0:
            problems.append(f"{column} {value} is negative")
    return problems


def _day_problem(row: Mapping[str, Any], day: date) -> list[str]:
    value = row.get("date_day")
    if not isinstance(value, date):
        return [f"date {value!r} is not a GA4 YYYYMMDD date"]
    if value != day:
        return [f"date {value} is outside the requested day {day}"]
    return []


def session_row_problems(row: Mapping[str, Any], day: date) -> list[str]:
    problems = missing_fields(row, ("dealer_id", "channel_group", "device_category"))
    problems += _day_problem(row, day)
    problems += _counts_problems(row, ("sessions", "engaged_sessions", "screen_page_views", "key_events"))
    if not problems and row["engaged_sessions"] > row["sessions"]:
        problems.append(f"engaged_sessions {row['engaged_sessions']} exceed sessions {row['sessions']}")
    return problems


def event_row_problems(row: Mapping[str, Any], day: date) -> list[str]:
    problems = missing_fields(row, ("dealer_id", "event_name"))
    problems += _day_problem(row, day)
    problems += _counts_problems(row, ("event_count",))
    return problems


def _with_key(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> list[dict[str, Any]]:
    for row in rows:
        row["record_key"] = "|".join(str(row.get(c)) for c in ("date_day", *columns))
    return rows


@dg.multi_asset(
    outs={
        "sessions": raw_out(
            SESSIONS_KEY,
            "GA4 sessions per rooftop and day by default channel group, source, medium, campaign "
            "and device, with engaged sessions, page views and key events.",
            partition_expr="date_day",
        ),
        "events": raw_out(
            EVENTS_KEY,
            "GA4 event counts per rooftop and day by event name and page path "
            "(page_view, view_item on VDPs, generate_lead, ...).",
            partition_expr="date_day",
        ),
        "rejected": quarantine_out(SOURCE),
    },
    partitions_def=daily_partitions,
    check_specs=[
        dg.AssetCheckSpec("no_quarantined_rows", asset=SESSIONS_KEY),
        dg.AssetCheckSpec("no_quarantined_rows", asset=EVENTS_KEY),
    ],
    can_subset=False,
)
def ga4(context: dg.AssetExecutionContext, ga4: GA4Resource, rooftops: RooftopsResource):
    day = partition_day(context)
    client = ga4.client()
    loaded_at = datetime.now(UTC)
    tables: dict[str, dict[str, list]] = {"sessions": {"good": [], "bad": []}, "events": {"good": [], "bad": []}}
    for rooftop in rooftops.all():
        dealer_id, property_id = rooftop["dealer_id"], rooftop.get("ga4_property_id")
        if not property_id:
            context.log.warning(f"{dealer_id}: no ga4_property_id in the rooftop config; skipped")
            continue
        property_id = str(property_id).removeprefix("properties/")
        extra = {"dealer_id": dealer_id, "property_id": property_id, "loaded_at": loaded_at}
        for name, report, problems, key_columns in (
            ("sessions", SESSIONS_REPORT, session_row_problems, SESSION_KEY_COLUMNS),
            ("events", EVENTS_REPORT, event_row_problems, EVENT_KEY_COLUMNS),
        ):
            rows = _with_key([{**row, **extra} for row in client.report(report, property_id, day, day)], key_columns)
            good, bad = split_records(rows, lambda r, p=problems: p(r, day), key="record_key")
            good, repeats = split_repeats(good, key="record_key", what=f"GA4 {name} row")
            tables[name]["good"] += good
            tables[name]["bad"] += [
                {**r, "dealer_id": dealer_id, "record_key": f"{name}:{r['record_key']}"} for r in bad + repeats
            ]
            context.log.info(f"{dealer_id} {name}: {len(good)} rows loaded, {len(bad) + len(repeats)} quarantined")
            metadata = client.last_metadata
            if metadata.get("subjectToThresholding") or metadata.get("dataLossFromOtherRow"):
                # Loaded as GA4 reports it, but the day's figures are not exact: say so.
                context.log.warning(f"{dealer_id} {name}: GA4 thresholded rows or folded them into (other) for {day}")

    sessions, events = tables["sessions"], tables["events"]
    yield dg.Output(
        typed_frame(sessions["good"], SESSIONS_SCHEMA), output_name="sessions", metadata={"rows": len(sessions["good"])}
    )
    yield dg.Output(
        typed_frame(events["good"], EVENTS_SCHEMA), output_name="events", metadata={"rows": len(events["good"])}
    )
    rejected = sessions["bad"] + events["bad"]
    yield dg.Output(quarantine_frame(SOURCE, day, rejected), output_name="rejected", metadata={"rows": len(rejected)})
    yield quarantine_check(SESSIONS_KEY, SOURCE, len(sessions["bad"]), len(sessions["good"]))
    yield quarantine_check(EVENTS_KEY, SOURCE, len(events["bad"]), len(events["good"]))
