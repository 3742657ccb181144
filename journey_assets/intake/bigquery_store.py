"""BigQuery implementation of the intake's `EventStore` (prod).

UNTESTED OFFLINE: nothing in this repository's test suite exercises this class,
because it needs a real BigQuery project. It is kept small so that it can be
read and checked by hand; run it against a scratch dataset before relying on it.

What it does, and its honest limits:

* `append`: looks up which event ids already exist (a query, which also sees
  rows still in the streaming buffer), then streams the new rows with
  `insert_rows_json(..., row_ids=[event_id])`, so BigQuery's best-effort
  insertId dedupe covers a retry of the same request. Two concurrent requests
  with the same new event id can both pass the lookup; insertId dedupe is
  best-effort (about a minute), so the response job must still treat
  `event_id` as its idempotency key. The 2xx is sent after BigQuery
  acknowledged the insert (streamed rows are durable once acknowledged).
  Each append costs a query, so the local SQLite store's throughput is not a
  promise here; the Storage Write API (committed streams) would be the next
  step if it matters.
* `read_since`: rows ordered by `(received_at, event_id)`, with a cursor
  `"<received_at>|<event_id>"`. Streaming inserts become visible out of order,
  so only rows received more than `read_lag_seconds` ago are returned: a lag
  traded for not skipping an event.
* `seq` of a `StoredEvent` is the microsecond epoch of `received_at` (BigQuery
  has no sequence).

Tables (created by `create_tables()`):
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from journey_assets.intake.store import (
    AppendResult,
    Callback,
    EventStore,
    NewEvent,
    SecurityEvent,
    StoredEvent,
    _call,
)

log = logging.getLogger(__name__)

DDL = """
CREATE TABLE IF NOT EXISTS `{project}.{dataset}.{events}` (
  event_id STRING NOT NULL,
  kind STRING NOT NULL,
  event_type STRING NOT NULL,
  dealer_id STRING,
  occurred_at TIMESTAMP,
  received_at TIMESTAMP NOT NULL,
  payload STRING NOT NULL
)
PARTITION BY DATE(received_at)
CLUSTER BY kind, dealer_id;
CREATE TABLE IF NOT EXISTS `{project}.{dataset}.{security}` (
  at TIMESTAMP NOT NULL,
  endpoint STRING NOT NULL,
  reason STRING NOT NULL,
  remote_addr STRING
)
PARTITION BY DATE(at);
"""
__doc__ = (__doc__ or "") + DDL


class BigQueryEventStore(EventStore):
    """Intake events in BigQuery. UNTESTED OFFLINE (see the module docstring)."""

    def __init__(
        self,
        project: str,
        dataset: str,
        *,
        events_table: str = "intake_events",
        security_table: str = "intake_security_events",
        client: Any = None,
        max_workers: int = 8,
        read_lag_seconds: int = 30,
    ):
        from google.cloud import bigquery  # imported here: the local environment never needs it

        self._bq = bigquery
        self.client = client or bigquery.Client(project=project)
        self.project, self.dataset = project, dataset
        self.events_table = f"{project}.{dataset}.{events_table}"
        self.security_table = f"{project}.{dataset}.{security_table}"
        self._names = {"project": project, "dataset": dataset, "events": events_table, "security": security_table}
        self.read_lag_seconds = read_lag_seconds
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="intake-bq")

    def __repr__(self) -> str:
        return f"BigQueryEventStore({self.events_table!r})"

    def create_tables(self) -> None:
        self.client.query(DDL.format(**self._names)).result()

    def _submit(self, fn: Any, callback: Callback, *args: Any) -> None:
        future: Future = self._pool.submit(fn, *args)

        def done(f: Future) -> None:
            exc = f.exception()
            _call(callback, None if exc else f.result(), exc)

        future.add_done_callback(done)

    def submit_append(self, events: Sequence[NewEvent], callback: Callback) -> None:
        self._submit(self._append, callback, list(events))

    def submit_security(self, event: SecurityEvent, callback: Callback) -> None:
        self._submit(self._security, callback, event)

    def _append(self, events: list[NewEvent]) -> list[AppendResult]:
        bq = self._bq
        ids = [e.event_id for e in events]
        job = self.client.query(
            f"SELECT DISTINCT event_id FROM `{self.events_table}` WHERE event_id IN UNNEST(@ids)",
            job_config=bq.QueryJobConfig(query_parameters=[bq.ArrayQueryParameter("ids", "STRING", ids)]),
        )
        existing = {row.event_id for row in job.result()}
        fresh: dict[str, NewEvent] = {}
        for event in events:
            if event.event_id not in existing:
                fresh.setdefault(event.event_id, event)
        if fresh:
            rows = [
                {
                    "event_id": e.event_id,
                    "kind": e.kind,
                    "event_type": e.event_type,
                    "dealer_id": e.dealer_id,
                    "occurred_at": e.occurred_at,
                    "received_at": e.received_at,
                    "payload": e.payload,
                }
                for e in fresh.values()
            ]
            errors = self.client.insert_rows_json(self.events_table, rows, row_ids=list(fresh))
            if errors:
                # the error list names rows by index and reason; payloads are not logged
                raise RuntimeError(f"BigQuery refused {len(errors)} of {len(rows)} intake rows")
        results, seen = [], set()
        for event in events:
            new = event.event_id in fresh and event.event_id not in seen
            seen.add(event.event_id)
            results.append(AppendResult(event.event_id, duplicate=not new))
        return results

    def _security(self, event: SecurityEvent) -> None:
        row = {"at": event.at, "endpoint": event.endpoint, "reason": event.reason, "remote_addr": event.remote_addr}
        errors = self.client.insert_rows_json(self.security_table, [row])
        if errors:
            raise RuntimeError("BigQuery refused the security event row")

    def read_since(self, cursor: str | None, limit: int = 500) -> tuple[list[StoredEvent], str]:
        bq = self._bq
        after_ts, _, after_id = (cursor or "").partition("|")
        params = [
            bq.ScalarQueryParameter("after_ts", "TIMESTAMP", after_ts or "1970-01-01T00:00:00+00:00"),
            bq.ScalarQueryParameter("after_id", "STRING", after_id),
            bq.ScalarQueryParameter("lag", "INT64", self.read_lag_seconds),
            bq.ScalarQueryParameter("limit", "INT64", limit),
        ]
        sql = f"""
            SELECT event_id, kind, event_type, dealer_id, occurred_at, received_at, payload
            FROM `{self.events_table}`
            WHERE (received_at > @after_ts OR (received_at = @after_ts AND event_id > @after_id))
              AND received_at <= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL @lag SECOND)
            ORDER BY received_at, event_id
            LIMIT @limit
        """
        rows = list(self.client.query(sql, job_config=bq.QueryJobConfig(query_parameters=params)).result())
        events = []
        for row in rows:
            received: datetime = row.received_at
            events.append(
                StoredEvent(
                    seq=int(received.timestamp() * 1_000_000),
                    event_id=row.event_id,
                    kind=row.kind,
                    event_type=row.event_type,
                    dealer_id=row.dealer_id,
                    occurred_at=row.occurred_at.isoformat() if row.occurred_at else None,
                    received_at=received.isoformat(),
                    payload=row.payload,
                )
            )
        if not events:
            return [], cursor or ""
        last = events[-1]
        return events, f"{last.received_at}|{last.event_id}"

    def security_events(self, limit: int = 100) -> list[SecurityEvent]:
        sql = (
            f"SELECT endpoint, reason, remote_addr, at FROM `{self.security_table}` ORDER BY at DESC LIMIT {int(limit)}"
        )
        return [
            SecurityEvent(row.endpoint, row.reason, row.remote_addr, row.at.isoformat())
            for row in self.client.query(sql).result()
        ]

    def close(self) -> None:
        self._pool.shutdown(wait=True)
