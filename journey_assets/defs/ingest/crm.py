"""CRM: leads (with their status) and activities, incrementally by day, through the CRM client.

Leads: partition D asks the CRM for leads with `updated_since` = D 00:00 UTC
and keeps those whose `updated_at` falls on D (the CRM lists oldest change
first, so reading stops at the first change after D). The CRM only knows a
lead's current state, so each nightly run records the state of every lead
that changed that day: over the nights raw.crm_leads becomes the history of
lead statuses, and staging keeps the latest per lead. Re-running D replaces it
(partition_expr updated_date) with the state of the leads whose last change is
still on D.

Activities: partition D is every activity that occurred on D (`since` = D,
stopping at the first one after D); activities do not change after the fact.

A lead or activity missing its id, dealer or timestamp, or with an unreadable
timestamp, goes to ops.quarantine_crm with the reason.
"""

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dagster as dg
import pandas as pd

from journey_assets.defs.ingest.common import (
    partition_day,
    quarantine_check,
    quarantine_frame,
    quarantine_out,
    raw_out,
    typed_frame,
)
from journey_assets.defs.partitions import daily_partitions
from journey_assets.defs.resources import CRMResource
from journey_assets.journey.quality import missing_fields, split_records, split_repeats

SOURCE = "crm"
LEADS_KEY = ["raw", "crm_leads"]
ACTIVITIES_KEY = ["raw", "crm_activities"]
LEADS_SCHEMA = {
    "updated_date": "date",
    "lead_id": "string",
    "dealer_id": "string",
    "customer_id": "string",
    "external_id": "string",
    "lead_type": "string",
    "source": "string",
    "vehicle_uuid": "string",
    "status": "string",
    "salesperson_id": "string",
    "created_at": "timestamp",
    "updated_at": "timestamp",
    "loaded_at": "timestamp",
}
ACTIVITIES_SCHEMA = {
    "occurred_date": "date",
    "activity_id": "string",
    "lead_id": "string",
    "customer_id": "string",
    "dealer_id": "string",
    "salesperson_id": "string",
    "activity_type": "string",
    "outcome": "string",
    "occurred_at": "timestamp",
    "loaded_at": "timestamp",
}


def _stamp(value: Any) -> pd.Timestamp | None:
    if value in (None, ""):
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def within_day(records: Iterator[Mapping[str, Any]], column: str, day: date) -> Iterator[dict[str, Any]]:
    """Records up to the end of `day`, read from an oldest-first stream; an unreadable time is kept for quarantine."""
    end = pd.Timestamp(datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC))
    for record in records:
        stamp = _stamp(record.get(column))
        if stamp is not None and stamp >= end:
            return
        yield dict(record)


def lead_row(lead: Mapping[str, Any], loaded_at: datetime) -> dict[str, Any]:
    updated = _stamp(lead.get("updated_at"))
    return {
        "updated_date": updated.date() if updated is not None else None,
        "lead_id": None if lead.get("id") is None else str(lead["id"]),
        "dealer_id": lead.get("dealer_id"),
        "customer_id": lead.get("customer_id"),
        "external_id": lead.get("external_id"),
        "lead_type": lead.get("lead_type"),
        "source": lead.get("source"),
        "vehicle_uuid": lead.get("vehicle_uuid"),
        "status": lead.get("status"),
        "salesperson_id": lead.get("salesperson_id"),
        "created_at": lead.get("created_at"),
        "updated_at": lead.get("updated_at"),
        "loaded_at": loaded_at,
    }


def activity_row(activity: Mapping[str, Any], loaded_at: datetime) -> dict[str, Any]:
    occurred = _stamp(activity.get("occurred_at"))
    return {
        "occurred_date": occurred.date() if occurred is not None else None,
        "activity_id": None if activity.get("id") is None else str(activity["id"]),
        "lead_id": activity.get("lead_id"),
        "customer_id": activity.get("customer_id"),
        "dealer_id": activity.get("dealer_id"),
        "salesperson_id": activity.get("salesperson_id"),
        "activity_type": activity.get("activity_type"),
        "outcome": activity.get("outcome"),
        "occurred_at": activity.get("occurred_at"),
        "loaded_at": loaded_at,
    }


def _time_problems(row: Mapping[str, Any], columns: tuple[str, ...], day_column: str, day: date) -> list[str]:
    problems = []
    for column in columns:
        if row.get(column) not in (None, "") and _stamp(row[column]) is None:
            problems.append(f"{column} {row[column]!r} is not an ISO-8601 timestamp")
    if row.get(day_column) is not None and row[day_column] != day:
        problems.append(f"{day_column} {row[day_column]} is outside the requested day {day}")
    return problems


def lead_problems(row: Mapping[str, Any], day: date) -> list[str]:
    return missing_fields(row, ("lead_id", "dealer_id", "status", "updated_at")) + _time_problems(
        row, ("created_at", "updated_at"), "updated_date", day
    )


def activity_problems(row: Mapping[str, Any], day: date) -> list[str]:
    return missing_fields(row, ("activity_id", "dealer_id", "activity_type", "occurred_at")) + _time_problems(
        row, ("occurred_at",), "occurred_date", day
    )


@dg.multi_asset(
    outs={
        "leads": raw_out(
            LEADS_KEY,
            "CRM leads whose last change fell on updated_date, in the state they had then "
            "(nightly runs accumulate the status history).",
            partition_expr="updated_date",
        ),
        "activities": raw_out(
            ACTIVITIES_KEY,
            "CRM activities (calls, emails, texts, visits) per day they occurred.",
            partition_expr="occurred_date",
        ),
        "rejected": quarantine_out(SOURCE),
    },
    partitions_def=daily_partitions,
    check_specs=[
        dg.AssetCheckSpec("no_quarantined_rows", asset=LEADS_KEY),
        dg.AssetCheckSpec("no_quarantined_rows", asset=ACTIVITIES_KEY),
    ],
    can_subset=False,
)
def crm_leads_and_activities(context: dg.AssetExecutionContext, crm: CRMResource):
    day = partition_day(context)
    since = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    client = crm.client()
    loaded_at = datetime.now(UTC)
    leads = [
        lead_row(r, loaded_at) for r in within_day(client.iter_leads(since, per_page=crm.per_page), "updated_at", day)
    ]
    good_leads, bad_leads = split_records(leads, lambda r: lead_problems(r, day), key="lead_id")
    good_leads, lead_repeats = split_repeats(good_leads, key="lead_id", what="CRM lead")
    activities = [
        activity_row(r, loaded_at)
        for r in within_day(client.iter_activities(since, per_page=crm.per_page), "occurred_at", day)
    ]
    good_acts, bad_acts = split_records(activities, lambda r: activity_problems(r, day), key="activity_id")
    good_acts, act_repeats = split_repeats(good_acts, key="activity_id", what="CRM activity")
    rejected = [_with_dealer(r) for r in bad_leads + lead_repeats + bad_acts + act_repeats]
    context.log.info(
        f"crm {day}: {len(good_leads)} lead changes and {len(good_acts)} activities loaded, {len(rejected)} quarantined"
    )
    yield dg.Output(typed_frame(good_leads, LEADS_SCHEMA), output_name="leads", metadata={"rows": len(good_leads)})
    yield dg.Output(
        typed_frame(good_acts, ACTIVITIES_SCHEMA), output_name="activities", metadata={"rows": len(good_acts)}
    )
    yield dg.Output(quarantine_frame(SOURCE, day, rejected), output_name="rejected", metadata={"rows": len(rejected)})
    yield quarantine_check(LEADS_KEY, SOURCE, len(bad_leads) + len(lead_repeats), len(good_leads))
    yield quarantine_check(ACTIVITIES_KEY, SOURCE, len(bad_acts) + len(act_repeats), len(good_acts))


def _with_dealer(rejection: dict[str, Any]) -> dict[str, Any]:
    try:
        dealer = json.loads(rejection["payload"]).get("dealer_id")
    except (ValueError, AttributeError):
        dealer = None
    return {**rejection, "dealer_id": dealer}
