"""The response ledger's actions and SMS states, landed in the warehouse nightly (ops.response_actions, ops.response_messages).

The response plane keeps its state outside DuckDB (response/ledger.py says why); speed to lead and
message delivery are warehouse KPIs, so each night these assets copy the ledger through its contract
(SQLite locally, Postgres in prod) and join each action to its intake event's arrival (the intake
store's received_at). The tables are replaced whole: the ledger is the record, they are its copy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from journey_assets.defs.respond.resources import EventStoreResource, ResponseLedgerResource
from journey_assets.intake.store import EventStore, StoredEvent
from journey_assets.response.actions.base import Action
from journey_assets.response.ledger import TERMINAL, ActionRecord, MessageRow
from journey_assets.sources.response import RESPONSE_ACTIONS, RESPONSE_MESSAGES

READ_PAGE = 1000


def action_vendors() -> dict[str, str]:
    """Action name -> the vendor it calls, from the workflow's own action classes."""
    import journey_assets.response.workflow  # noqa: F401  - imports every action the workflow takes

    vendors: dict[str, str] = {}
    pending: list[type] = [Action]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if isinstance(getattr(cls, "name", None), str) and isinstance(getattr(cls, "vendor", None), str):
            vendors[cls.name] = cls.vendor
    return vendors


def _arrivals(store: EventStore, wanted: set[str]) -> dict[str, StoredEvent]:
    """The stored intake events among `wanted`, read page by page (the store's cursor contract)."""
    found: dict[str, StoredEvent] = {}
    cursor = None
    while True:
        events, cursor = store.read_since(cursor, limit=READ_PAGE)
        for event in events:
            if event.event_id in wanted:
                found[event.event_id] = event
        if len(events) < READ_PAGE:
            return found


def _source(event: StoredEvent) -> str | None:
    """Where the event came from (the payload's `source`, a short label); nothing else of the payload."""
    if event.kind == "meta_leadgen":
        return "meta_lead_ads"
    try:
        source = json.loads(event.payload).get("source")
    except (ValueError, AttributeError):
        return None
    return str(source)[:64] if source else None


def _utc(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text else None


def action_rows(
    actions: Iterable[ActionRecord], events: Mapping[str, StoredEvent], vendors: Mapping[str, str], loaded_at: datetime
) -> list[dict[str, Any]]:
    rows = []
    for record in actions:
        event = events.get(record.event_id)
        rows.append(
            {
                "event_id": record.event_id,
                "action": record.action,
                "vendor": vendors.get(record.action),
                "status": record.status,
                "attempts": record.attempts,
                "vendor_ref": record.vendor_ref,
                "started_at": record.started_at,
                "finished_at": record.updated_at if record.status in TERMINAL else None,
                "updated_at": record.updated_at,
                "retry_at": record.retry_at,
                "event_kind": event.kind if event else None,
                "event_type": event.event_type if event else None,
                "event_source": _source(event) if event else None,
                "dealer_id": event.dealer_id if event else None,
                "occurred_at": _utc(event.occurred_at) if event else None,
                "received_at": _utc(event.received_at) if event else None,
                "loaded_at": loaded_at,
            }
        )
    return rows


def message_rows(messages: Iterable[MessageRow], loaded_at: datetime) -> list[dict[str, Any]]:
    return [
        {
            "sid": m.sid,
            "event_id": m.event_id,
            "status": m.status,
            "error_code": m.error_code,
            "updated_at": m.updated_at,
            "loaded_at": loaded_at,
        }
        for m in messages
    ]


@dg.multi_asset(
    name="response_ledger",
    outs={
        "response_actions": dg.AssetOut(
            key=RESPONSE_ACTIONS.key_path, description=RESPONSE_ACTIONS.description, group_name="ops"
        ),
        "response_messages": dg.AssetOut(
            key=RESPONSE_MESSAGES.key_path, description=RESPONSE_MESSAGES.description, group_name="ops"
        ),
    },
    description="Copies the response ledger's actions (with their event's arrival) and SMS states to the warehouse.",
)
def response_ledger(respond_ledger: ResponseLedgerResource, respond_events: EventStoreResource):
    loaded_at = datetime.now(UTC)
    ledger = respond_ledger.open()
    try:
        actions, messages = ledger.actions(), ledger.messages()
    finally:
        ledger.close()
    store = respond_events.open()
    try:
        events = _arrivals(store, {a.event_id for a in actions})
    finally:
        store.close()
    rows = action_rows(actions, events, action_vendors(), loaded_at)
    without_event = sum(1 for r in rows if r["received_at"] is None)
    yield dg.Output(
        RESPONSE_ACTIONS.frame(rows),
        output_name="response_actions",
        metadata={"rows": len(rows), "events": len({r["event_id"] for r in rows}), "without_event": without_event},
    )
    yield dg.Output(
        RESPONSE_MESSAGES.frame(message_rows(messages, loaded_at)),
        output_name="response_messages",
        metadata={"rows": len(messages)},
    )
