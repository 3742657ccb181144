"""What each sync's destination last accepted, and the record of every run, in the warehouse's `ops` schema.

* `ops.sync_state`: one row per sync and primary key the destination accepted: the fingerprint of the mapped
  fields and the fields themselves as JSON (a remove sends what was accepted: Meta removes by the same hashes).
* `ops.sync_changelog`: one row per record and operation a run sent (or rejected before sending), with the
  destination's answer: sync_name, run_id, primary_key, operation, status, error, at.
* `ops.sync_runs`: one row per run with its counts.

The state moves only for accepted rows (`record_accepted`): a failed row keeps its old state (or none), so the
next run's diff sends it again, and an accepted one is never sent twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from journey_assets.warehouse import Warehouse

SCHEMA = "ops"
STATE_TABLE = "sync_state"
CHANGELOG_TABLE = "sync_changelog"
RUNS_TABLE = "sync_runs"
STATE_COLUMNS = ["sync_name", "primary_key", "fingerprint", "fields", "accepted_at"]
CHANGELOG_COLUMNS = ["sync_name", "run_id", "primary_key", "operation", "status", "error", "at"]


@dataclass(frozen=True)
class AcceptedRow:
    fingerprint: str
    fields: dict[str, Any]


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class SyncStateStore:
    def __init__(self, warehouse: Warehouse):
        self.warehouse = warehouse

    def accepted(self, sync_name: str) -> dict[str, AcceptedRow]:
        if not self.warehouse.has_table(SCHEMA, STATE_TABLE):
            return {}
        frame = self.warehouse.query(
            f"select primary_key, fingerprint, fields from {SCHEMA}.{STATE_TABLE} where sync_name = {_quote(sync_name)}"
        )
        return {
            str(row.primary_key): AcceptedRow(str(row.fingerprint), json.loads(str(row.fields or "{}")))
            for row in frame.itertuples(index=False)
        }

    def record_accepted(
        self,
        sync_name: str,
        kept: Mapping[str, tuple[str, Mapping[str, Any]]],
        removed: Iterable[str],
        at: datetime,
        *,
        replace_all: bool = False,
    ) -> None:
        """`kept`: primary key -> (fingerprint, fields) accepted as added or updated; `removed`: accepted removes.
        `replace_all` (a full refresh): the sync's state becomes exactly `kept`."""
        removed = list(removed)
        if replace_all:
            removed = sorted(set(self.accepted(sync_name)) - set(kept))
        if not kept and not removed:
            return
        upserts = pd.DataFrame(
            [
                {
                    "sync_name": sync_name,
                    "primary_key": key,
                    "fingerprint": fingerprint,
                    "fields": json.dumps(dict(fields), sort_keys=True, default=str),
                    "accepted_at": at,
                }
                for key, (fingerprint, fields) in kept.items()
            ],
            columns=STATE_COLUMNS,
        ).astype({"sync_name": str, "primary_key": str, "fingerprint": str, "fields": str})
        upserts["accepted_at"] = pd.to_datetime(upserts["accepted_at"])
        deletes = pd.DataFrame({"sync_name": sync_name, "primary_key": removed}, columns=["sync_name", "primary_key"])
        self.warehouse.replace_keyed(SCHEMA, STATE_TABLE, ["sync_name", "primary_key"], upserts, deletes.astype(str))

    def log_changes(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            frame = pd.DataFrame(rows, columns=CHANGELOG_COLUMNS)
            frame["error"] = frame["error"].astype("string")
            frame["at"] = pd.to_datetime(frame["at"])
            self.warehouse.append(SCHEMA, CHANGELOG_TABLE, frame)

    def log_run(self, row: dict[str, Any]) -> None:
        frame = pd.DataFrame([row])
        for column in ("started_at", "finished_at"):
            frame[column] = pd.to_datetime(frame[column])
        # a float column from the first run on, though Customer.io reports no match rate (Meta does)
        frame["match_rate"] = frame["match_rate"].astype("float64")
        self.warehouse.append(SCHEMA, RUNS_TABLE, frame)
