"""CRM: leads (with their status), activities and contacts, incrementally by day, through the CRM client.

Leads: partition D asks the CRM for leads with `updated_since` = D 00:00 UTC
and keeps those whose `updated_at` falls on D (the CRM lists oldest change
first, so reading stops at the first change after D). The CRM only knows a
lead's current state, so each nightly run records the state of every lead
that changed that day: over the nights raw.crm_leads becomes the history of
lead statuses, and staging keeps the latest per lead. Re-running D replaces it.

Activities: partition D is every activity that occurred on D (`since` = D,
stopping at the first one after D); activities do not change after the fact.

The first partition reads from the beginning (no `since`): everything the CRM
holds up to its end, so a first run loads the whole history; its rows keep
their own dates and the partition owns them (Source.history_before_start).

Contacts: like leads, partition D holds the contacts created or changed on D
(`updated_since` = D), in the state they had then; staging keeps the latest.
Their email and phone are normalized here (journey/contact.py) into
email_normalized and phone_e164 beside the raw values; a value that does not
parse keeps its raw value with a null normalized one, and the contact loads.

A lead, activity or contact missing its id, dealer or timestamp, or with an
unreadable timestamp, goes to ops.quarantine_crm with the reason (a contact
also for a birth year that is not a whole number or a consent that is not a
boolean, which its columns could not hold).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from journey_assets.connectors.crm import MAX_PER_PAGE, contact_fields
from journey_assets.journey.contact import email_or_none, phone_or_none
from journey_assets.journey.quality import missing_fields
from journey_assets.sources.spec import Batch, Fetch, Source, Table, Window

# The CRM's own wire format (ISO 8601 to the microsecond, `Z` or an offset): read by the standard library.
_PLAIN_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?")


def _stamp(value: Any) -> datetime | None:
    """The time in UTC, or None when unreadable; pandas reads what is not plain ISO 8601.

    `datetime.fromisoformat` reads a plain ISO string as pandas does, ~30x faster: a first run parses
    ~20 million of them on the large world (docs/decisions/0901-large-world-nightly.md).
    """
    if value in (None, ""):
        return None
    if isinstance(value, str) and _PLAIN_ISO.fullmatch(value):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass  # e.g. hour 24: pandas decides
        else:
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def within_day(records: Iterator[Mapping[str, Any]], column: str, day: date) -> Iterator[dict[str, Any]]:
    """Records up to the end of `day`, read from an oldest-first stream; an unreadable time is kept for quarantine."""
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
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


def contact_row(contact: Mapping[str, Any], loaded_at: datetime) -> dict[str, Any]:
    fields = contact_fields(contact)
    updated = _stamp(fields["updated_at"])
    return {
        "updated_date": updated.date() if updated is not None else None,
        "contact_id": fields.pop("id"),
        **fields,
        "email_normalized": email_or_none(fields["email"]),
        "phone_e164": phone_or_none(fields["phone"]),
        "loaded_at": loaded_at,
    }


def _time_problems(row: Mapping[str, Any], columns: tuple[str, ...], day_column: str, window: Window) -> list[str]:
    problems = []
    for column in columns:
        if row.get(column) not in (None, "") and _stamp(row[column]) is None:
            problems.append(f"{column} {row[column]!r} is not an ISO-8601 timestamp")
    if row.get(day_column) is not None:
        problems += window.outside(day_column, row[day_column])
    return problems


def _window(window: Window | date) -> Window:
    return window if isinstance(window, Window) else Window(window, window)


def lead_problems(row: Mapping[str, Any], window: Window | date) -> list[str]:
    return missing_fields(row, ("lead_id", "dealer_id", "status", "updated_at")) + _time_problems(
        row, ("created_at", "updated_at"), "updated_date", _window(window)
    )


def activity_problems(row: Mapping[str, Any], window: Window | date) -> list[str]:
    return missing_fields(row, ("activity_id", "dealer_id", "activity_type", "occurred_at")) + _time_problems(
        row, ("occurred_at",), "occurred_date", _window(window)
    )


def _value_problems(row: Mapping[str, Any]) -> list[str]:
    problems = []
    year = row.get("birth_year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        problems.append("birth_year is not a whole number")  # PII: the value stays in the payload only
    for column in ("sms_consent", "email_consent"):
        if row.get(column) is not None and not isinstance(row[column], bool):
            problems.append(f"{column} {row[column]!r} is not true or false")
    return problems


def contact_problems(row: Mapping[str, Any], window: Window | date) -> list[str]:
    return (
        missing_fields(row, ("contact_id", "dealer_id", "updated_at"))
        + _time_problems(row, ("created_at", "updated_at"), "updated_date", _window(window))
        + _value_problems(row)
    )


LEADS = Table(
    name="crm_leads",
    description=(
        "CRM leads whose last change fell on updated_date, in the state they had then "
        "(nightly runs accumulate the status history)."
    ),
    columns={
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
    },
    partition_column="updated_date",
    key=("lead_id",),
    rules=lead_problems,
    what="CRM lead",
    not_null=("updated_date", "lead_id", "dealer_id", "status", "updated_at", "loaded_at"),
)
ACTIVITIES = Table(
    name="crm_activities",
    description="CRM activities (calls, emails, texts, visits) per day they occurred.",
    columns={
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
    },
    partition_column="occurred_date",
    key=("activity_id",),
    rules=activity_problems,
    what="CRM activity",
    not_null=("occurred_date", "activity_id", "dealer_id", "activity_type", "occurred_at", "loaded_at"),
)


CONTACTS = Table(
    name="crm_contacts",
    description=(
        "CRM contacts (the people the CRM holds) whose last change fell on updated_date, in the state they had "
        "then, with email and phone normalized at ingestion. Holds personal data (the pii columns)."
    ),
    columns={
        "updated_date": "date",
        "contact_id": "string",
        "dealer_id": "string",
        "first_name": "string",
        "last_name": "string",
        "email": "string",
        "phone": "string",
        "address": "string",
        "city": "string",
        "state": "string",
        "zip": "string",
        "birth_year": "int",
        "gender": "string",
        "preferred_channel": "string",
        "sms_consent": "bool",
        "email_consent": "bool",
        "created_at": "timestamp",
        "updated_at": "timestamp",
        "email_normalized": "string",
        "phone_e164": "string",
        "loaded_at": "timestamp",
    },
    partition_column="updated_date",
    key=("contact_id",),
    rules=contact_problems,
    what="CRM contact",
    not_null=("updated_date", "contact_id", "dealer_id", "updated_at", "loaded_at"),
    pii=(
        "first_name",
        "last_name",
        "email",
        "phone",
        "address",
        "zip",
        "birth_year",
        "gender",
        "email_normalized",
        "phone_e164",
    ),
)


def fetch(run: Fetch) -> Iterator[Batch]:
    since = None if run.from_beginning else datetime.combine(run.first_day, datetime.min.time(), tzinfo=UTC)
    window, last = run.window, run.last_day
    client = run.vendor.client()
    # A first run reads years of history: the largest page the CRM allows, so half the requests or fewer.
    per_page = MAX_PER_PAGE if run.from_beginning else run.vendor.per_page
    loaded_at = datetime.now(UTC)
    leads = within_day(client.iter_leads(since, per_page=per_page), "updated_at", last)
    yield Batch(LEADS.name, last, [lead_row(r, loaded_at) for r in leads], window=window)
    activities = within_day(client.iter_activities(since, per_page=per_page), "occurred_at", last)
    yield Batch(ACTIVITIES.name, last, [activity_row(r, loaded_at) for r in activities], window=window)
    contacts = within_day(client.iter_contacts(since, per_page=per_page), "updated_at", last)
    yield Batch(CONTACTS.name, last, [contact_row(r, loaded_at) for r in contacts], window=window)


SOURCE = Source(
    name="crm",
    tables=(LEADS, ACTIVITIES, CONTACTS),
    fetch=fetch,
    resource="crm",
    uses_rooftops=False,
    history_before_start=True,
)
