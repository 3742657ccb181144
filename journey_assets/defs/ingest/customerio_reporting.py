"""raw/customerio_reporting_events: Customer.io's reporting webhooks, copied from the intake's event store.

The intake stores each webhook before it answers (real-time plane); this asset lands them for the warehouse,
replacing the table whole from the store's contract (SQLite locally, Postgres in prod), as the response
ledger's copy does. Unpartitioned: a webhook arrives when it happens, not per vendor day, and a full re-read
of the store is what makes a late or retried webhook land.
"""

import json
from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from journey_assets.defs.respond.resources import EventStoreResource
from journey_assets.sources.customerio_reporting import CUSTOMERIO_REPORTING_EVENTS, KIND, event_row

READ_PAGE = 5000


@dg.asset(
    key=CUSTOMERIO_REPORTING_EVENTS.key_path,
    description=CUSTOMERIO_REPORTING_EVENTS.description,
    group_name="ingest",
)
def customerio_reporting_events(respond_events: EventStoreResource) -> dg.Output[pd.DataFrame]:
    loaded_at = datetime.now(UTC)
    rows, cursor = [], None
    store = respond_events.open()
    try:
        while True:
            events, cursor = store.read_since(cursor, limit=READ_PAGE)
            rows.extend(
                event_row(e.event_id, e.occurred_at, e.received_at, json.loads(e.payload), loaded_at)
                for e in events
                if e.kind == KIND
            )
            if len(events) < READ_PAGE:
                break
    finally:
        store.close()
    frame = CUSTOMERIO_REPORTING_EVENTS.frame(rows)
    by_metric = frame["metric"].value_counts().to_dict() if len(frame) else {}
    return dg.Output(frame, metadata={"rows": len(frame), **{f"metric_{k}": int(v) for k, v in by_metric.items()}})
