"""Customer.io's reporting webhooks as the warehouse sees them: every event the intake stored, landed whole.

The intake (`POST /customerio/reporting`) verifies, dedupes by event id and stores each webhook as an event of
kind `customerio_reporting`; defs/ingest/customerio_reporting.py copies them from the store through its
contract (SQLite locally, Postgres in prod), one row per event. Customer.io's ids are kept as text; the
whole event is kept too (`payload`, JSON), for the fields a metric adds (a click's `href`, a bounce's reason).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from journey_assets.sources.spec import Table

KIND = "customerio_reporting"  # the intake store's kind of these events
ID_FIELDS = ("campaign_id", "broadcast_id", "newsletter_id", "action_id", "transactional_message_id")

CUSTOMERIO_REPORTING_EVENTS = Table(
    name="customerio_reporting_events",
    schema="raw",
    description="Every Customer.io reporting webhook the intake stored (sent, delivered, opened, clicked, ...).",
    columns={
        "event_id": "string",
        "object_type": "string",
        "metric": "string",
        "occurred_at": "timestamp",
        "received_at": "timestamp",
        "customer_id": "string",
        "email_address": "string",
        "delivery_id": "string",
        "campaign_id": "string",
        "broadcast_id": "string",
        "newsletter_id": "string",
        "action_id": "string",
        "transactional_message_id": "string",
        "payload": "string",
        "loaded_at": "timestamp",
    },
    partition_column=None,
    key=("event_id",),
    not_null=("event_id", "object_type", "metric", "occurred_at", "received_at", "loaded_at"),
    quarantined=False,  # the intake validated each event before storing it
    pii=("email_address", "payload"),
)

TABLES = (CUSTOMERIO_REPORTING_EVENTS,)


def event_row(event_id: str, occurred_at: str, received_at: str, payload: Mapping[str, Any], loaded_at: datetime):
    """One stored event as a row (`event_id` without the intake's `customerio:` prefix)."""
    data = payload.get("data") or {}
    return {
        "event_id": event_id.removeprefix("customerio:"),
        "object_type": payload.get("object_type"),
        "metric": payload.get("metric"),
        "occurred_at": datetime.fromisoformat(occurred_at).astimezone(UTC),
        "received_at": datetime.fromisoformat(received_at).astimezone(UTC),
        "customer_id": data.get("customer_id"),
        "email_address": data.get("email_address"),
        "delivery_id": data.get("delivery_id"),
        **{name: data.get(name) for name in ID_FIELDS},
        "payload": json.dumps(payload, separators=(",", ":"), sort_keys=True),
        "loaded_at": loaded_at,
    }
