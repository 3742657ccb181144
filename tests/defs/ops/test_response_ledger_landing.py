"""Issue 12: the response ledger's actions land in ops.response_actions with their event's arrival, on SQLite and
Postgres ledgers alike (the Postgres half needs JOURNEY_TEST_POSTGRES_URL, see tests/support/pg_helpers.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from support.pg_helpers import postgres_schema, schema_spec

from journey_assets.defs.io_managers import WarehouseDuckDBIOManager
from journey_assets.defs.ops.response_ledger import action_vendors, response_ledger
from journey_assets.defs.respond.resources import EventStoreResource, ResponseLedgerResource
from journey_assets.intake.store import NewEvent, SQLiteEventStore
from journey_assets.response.ledger import DONE, SKIPPED
from journey_assets.response.ledger_factory import open_ledger

ARRIVED = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def ledger_spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "ledger.sqlite3")
        return
    yield from (schema_spec(url, schema) for url, schema in postgres_schema("test_landing"))


def _intake(path: Path) -> str:
    store = SQLiteEventStore(path)
    payload = {"source": "website", "customer": {"email": "jane@example.com", "phone": "+15551234567"}}
    store.append_many(
        [
            NewEvent(
                "ev-1",
                "intent",
                "test_drive_request",
                "D01",
                ARRIVED.isoformat(),
                ARRIVED.isoformat(),
                json.dumps(payload),
            ),
            NewEvent("ev-2", "intent", "vdp_view", "D02", None, (ARRIVED + timedelta(hours=1)).isoformat(), "{}"),
        ]
    )
    store.close()
    return str(path)


def test_actions_land_with_vendor_times_and_arrival_and_nothing_personal(ledger_spec, tmp_path):
    ledger = open_ledger(ledger_spec)
    ledger.claim("ev-1", "sms", ARRIVED + timedelta(seconds=40))
    ledger.finish("ev-1", "sms", DONE, ARRIVED + timedelta(seconds=42), vendor_ref="SM0001")
    ledger.record_message(
        "SM0001", "delivered", ARRIVED + timedelta(seconds=50), event_id="ev-1", to_masked="+1555***4567"
    )
    ledger.claim("ev-1", "crm_lead", ARRIVED + timedelta(seconds=41))  # still in flight
    ledger.finish("ev-2", "sms", SKIPPED, ARRIVED + timedelta(hours=1, seconds=1), detail={"reason": "no consent"})
    ledger.finish("ev-9", "slack_alert", DONE, ARRIVED)  # an event the intake store does not hold (replaced store)
    ledger.close()
    database = tmp_path / "warehouse.duckdb"
    resources = {
        "io_manager": WarehouseDuckDBIOManager(database=str(database)),
        "respond_ledger": ResponseLedgerResource(path=ledger_spec),
        "respond_events": EventStoreResource(spec=_intake(tmp_path / "events.sqlite3")),
    }
    for _ in range(2):  # replaced whole, not appended
        assert dg.materialize([response_ledger], resources=resources).success
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "select event_id, action, vendor, status, attempts, vendor_ref, started_at, finished_at, event_kind,"
            " event_type, event_source, dealer_id, received_at from ops.response_actions order by event_id, action"
        ).fetchall()
        messages = con.execute("select sid, event_id, status from ops.response_messages").fetchall()
        everything = json.dumps(con.execute("select * from ops.response_actions").fetchall(), default=str)
    assert [r[:6] for r in rows] == [
        ("ev-1", "crm_lead", "crm", "sending", 1, None),
        ("ev-1", "sms", "twilio", "done", 1, "SM0001"),
        ("ev-2", "sms", "twilio", "skipped", 0, None),
        ("ev-9", "slack_alert", "slack", "done", 0, None),
    ]
    crm, sms, skipped, orphan = rows
    assert sms[6] == ARRIVED + timedelta(seconds=40) and sms[7] == ARRIVED + timedelta(seconds=42)
    assert crm[7] is None  # not finished
    assert sms[8:12] == ("intent", "test_drive_request", "website", "D01") and sms[12] == ARRIVED
    assert skipped[10] is None and skipped[11] == "D02"
    assert orphan[8:] == (None, None, None, None, None)
    assert messages == [("SM0001", "ev-1", "delivered")]
    assert "jane" not in everything and "5551234567" not in everything


def test_every_workflow_action_names_its_vendor():
    vendors = action_vendors()
    assert {"sms": "twilio", "crm_lead": "crm", "crm_adf": "crm", "wrike_task": "wrike"}.items() <= vendors.items()
    assert "email_fallback" in vendors and "slack_alert" in vendors
