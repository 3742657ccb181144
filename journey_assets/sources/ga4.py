"""GA4 sessions and events per rooftop, one partition day = one report day.

Each rooftop is its own GA4 property (`ga4_property_id` in the rooftop config).
Re-running a partition replaces that day (partition column date_day), which is
how late-processed GA4 data is picked up: GA4 keeps revising the last day or two.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from journey_assets.connectors.ga4 import EVENTS_REPORT, SESSIONS_REPORT
from journey_assets.journey.quality import missing_fields
from journey_assets.sources.spec import Batch, Fetch, Source, Table, Window

SESSION_KEY_COLUMNS = ("date_day", "channel_group", "source", "medium", "campaign_id", "device_category")
EVENT_KEY_COLUMNS = ("date_day", "event_name", "page_path")


def _counts_problems(row: Mapping[str, Any], columns: tuple[str, ...]) -> list[str]:
    problems = []
    for column in columns:
        value = row.get(column)
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{column} {value!r} is not a whole number")
        elif value < 0:
            problems.append(f"{column} {value} is negative")
    return problems


def _amount_problems(row: Mapping[str, Any], columns: tuple[str, ...]) -> list[str]:
    problems = []
    for column in columns:
        value = row.get(column)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            problems.append(f"{column} {value!r} is not a number")
        elif value < 0:
            problems.append(f"{column} {value} is negative")
    return problems


def _day_problem(row: Mapping[str, Any], window: Window) -> list[str]:
    value = row.get("date_day")
    if not isinstance(value, date):
        return [f"date {value!r} is not a GA4 YYYYMMDD date"]
    return window.outside("date", value)


def session_row_problems(row: Mapping[str, Any], window: Window) -> list[str]:
    problems = missing_fields(row, ("dealer_id", "channel_group", "device_category"))
    problems += _day_problem(row, window)
    problems += _counts_problems(row, ("sessions", "engaged_sessions", "screen_page_views"))
    problems += _amount_problems(row, ("key_events",))  # TYPE_FLOAT: fractional key events are documented
    if not problems and row["engaged_sessions"] > row["sessions"]:
        problems.append(f"engaged_sessions {row['engaged_sessions']} exceed sessions {row['sessions']}")
    return problems


def event_row_problems(row: Mapping[str, Any], window: Window) -> list[str]:
    problems = missing_fields(row, ("dealer_id", "event_name"))
    problems += _day_problem(row, window)
    problems += _counts_problems(row, ("event_count",))
    return problems


SESSIONS = Table(
    name="ga4_sessions",
    description=(
        "GA4 sessions per rooftop and day by default channel group, source, medium, campaign "
        "and device, with engaged sessions, page views and key events."
    ),
    columns={
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
        "key_events": "float",
        "loaded_at": "timestamp",
    },
    partition_column="date_day",
    key=SESSION_KEY_COLUMNS,
    rules=session_row_problems,
    what="GA4 sessions row",
    key_prefix="sessions:",
    not_null=("date_day", "dealer_id", "property_id", "loaded_at"),
)
EVENTS = Table(
    name="ga4_events",
    description=(
        "GA4 event counts per rooftop and day by event name and page path "
        "(page_view, view_item on VDPs, generate_lead, ...)."
    ),
    columns={
        "date_day": "date",
        "dealer_id": "string",
        "property_id": "string",
        "event_name": "string",
        "page_path": "string",
        "event_count": "int",
        "loaded_at": "timestamp",
    },
    partition_column="date_day",
    key=EVENT_KEY_COLUMNS,
    rules=event_row_problems,
    what="GA4 events row",
    key_prefix="events:",
    not_null=("date_day", "dealer_id", "property_id", "event_name", "loaded_at"),
)


def fetch(run: Fetch) -> Iterator[Batch]:
    client = run.vendor.client()
    loaded_at = datetime.now(UTC)
    for dealer_id, property_id, _ in run.rooftops_with("ga4_property_id"):
        property_id = str(property_id).removeprefix("properties/")
        extra = {"dealer_id": dealer_id, "property_id": property_id, "loaded_at": loaded_at}
        for table, report in ((SESSIONS, SESSIONS_REPORT), (EVENTS, EVENTS_REPORT)):
            # One report over the run's days (the `date` dimension splits them), not a request per day.
            rows = [{**row, **extra} for row in client.report(report, property_id, run.first_day, run.last_day)]
            yield Batch(table.name, run.last_day, rows, dealer_id=dealer_id, window=run.range)
            metadata = client.last_metadata
            if metadata.get("subjectToThresholding") or metadata.get("dataLossFromOtherRow"):
                # Loaded as GA4 reports it, but the day's figures are not exact: say so.
                run.log.warning(f"{dealer_id} {report.name}: GA4 thresholded rows or folded them into (other)")


SOURCE = Source(name="ga4", tables=(SESSIONS, EVENTS), fetch=fetch, resource="ga4")
