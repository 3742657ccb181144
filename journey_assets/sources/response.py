"""The response plane's ledger as the warehouse sees it: its actions and SMS states, landed whole each night.

Written by defs/ops/response_ledger.py from the ledger's contract (response/ledger.py), so they are
the same on SQLite (local) and Postgres (prod). Nothing personal is landed: no payload, no phone
number (the ledger keeps a masked one, left out too), only ids, statuses and times.
"""

from __future__ import annotations

from journey_assets.sources.spec import Table

RESPONSE_ACTIONS = Table(
    name="response_actions",
    schema="ops",
    description="Every action the response workflow took on an intake event, with the event's arrival.",
    columns={
        "event_id": "string",
        "action": "string",
        "vendor": "string",
        "status": "string",
        "attempts": "int",
        "vendor_ref": "string",
        "started_at": "timestamp",
        "finished_at": "timestamp",
        "updated_at": "timestamp",
        "retry_at": "timestamp",
        "event_kind": "string",
        "event_type": "string",
        "event_source": "string",
        "dealer_id": "string",
        "occurred_at": "timestamp",
        "received_at": "timestamp",
        "loaded_at": "timestamp",
    },
    partition_column=None,
    key=("event_id", "action"),
    not_null=("event_id", "action", "status", "attempts", "updated_at", "loaded_at"),
    quarantined=False,
)

RESPONSE_MESSAGES = Table(
    name="response_messages",
    schema="ops",
    description="Every SMS the response workflow sent, in the latest state Twilio's status callbacks gave it.",
    columns={
        "sid": "string",
        "event_id": "string",
        "status": "string",
        "error_code": "string",
        "updated_at": "timestamp",
        "loaded_at": "timestamp",
    },
    partition_column=None,
    key=("sid",),
    not_null=("sid", "status", "updated_at", "loaded_at"),
    quarantined=False,
)

TABLES = (RESPONSE_ACTIONS, RESPONSE_MESSAGES)
