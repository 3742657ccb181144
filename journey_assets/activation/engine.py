"""Run one sync: desired rows -> fingerprints -> diff against the accepted state -> send -> record.

1. Read the desired rows (the spec's SQL, with its optional joins when their tables exist) and map them to the
   destination's fields. A row without a primary key, or repeating one, is rejected into the changelog.
2. Fingerprint the mapped fields (sha256 of canonical JSON) and diff them against `ops.sync_state` with
   `journey.audience.diff_keyed`; keep only the operations the mode sends.
3. `prepare()` the destination, then send in its batch size (`journey.audience.batched`); a destination that
   can replace its whole membership (contract.FullRefresh) is replaced instead when the diff is larger than
   `full_refresh_share` of the desired rows; it is given the members leaving too (`replace(desired, leaving)`),
   which a destination spanning several audiences removes where no replace runs.
4. Write every result to `ops.sync_changelog`, move the state for the accepted rows only, write the run to
   `ops.sync_runs`; then raise `SyncFailed` when the failed share passes `max_failed_share`. A destination that
   raises (auth refused) still gets what was accepted before it recorded, and the error is re-raised.

A dry run reads and diffs, and answers counts and a few sample primary keys; nothing is sent, nothing written.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from journey_assets.activation.contract import Change, Destination, FullRefresh, Operation, RowResult
from journey_assets.activation.spec import SyncSpec, SyncSpecError
from journey_assets.activation.state import SyncStateStore
from journey_assets.journey.audience import batched, diff_keyed
from journey_assets.warehouse import Warehouse

SAMPLE_SIZE = 5


class SyncFailed(RuntimeError):
    """More of the sent rows failed than the sync allows; state and changelog were written for the rest."""

    def __init__(self, result: SyncResult):
        self.result = result
        super().__init__(
            f"sync {result.sync_name}: {result.failed} of {result.sent} rows failed "
            f"({result.failed_share:.1%} > {result.max_failed_share:.1%} allowed); first errors: "
            + "; ".join(result.errors[:3])
        )


@dataclass
class SyncResult:
    sync_name: str
    run_id: str
    dry_run: bool
    desired: int = 0
    added: int = 0  # accepted adds (a dry run: planned)
    changed: int = 0  # accepted updates
    removed: int = 0  # accepted removes
    unchanged: int = 0
    failed: int = 0
    skipped_by_mode: int = 0  # diffed operations the mode does not send (removes in upsert, updates in additive)
    rejected: int = 0  # desired rows without a primary key or repeating one
    full_refresh: bool = False
    max_failed_share: float = 0.0
    metrics: dict[str, Any] = field(default_factory=dict)  # the destination's (prepare and send), e.g. match_rate
    samples: dict[str, list[str]] = field(default_factory=dict)  # a dry run's sample primary keys per operation
    errors: list[str] = field(default_factory=list)  # distinct vendor reasons, first few

    @property
    def sent(self) -> int:
        return self.added + self.changed + self.removed + self.failed

    @property
    def failed_share(self) -> float:
        return self.failed / self.sent if self.sent else 0.0

    @property
    def match_rate(self) -> float | None:
        value = self.metrics.get("match_rate")
        return float(value) if value is not None else None

    def metadata(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "match_rate": self.match_rate,
            "dry_run": self.dry_run,
            "desired": self.desired,
            "skipped_by_mode": self.skipped_by_mode,
            "rejected": self.rejected,
            "full_refresh": self.full_refresh,
            "run_id": self.run_id,
        }


def _plain(value: Any) -> Any:
    """A JSON-safe, comparable value: NaN/NaT/NA -> None, numpy scalars -> Python, dates -> ISO strings.

    DuckDB hands a nullable INTEGER or BOOLEAN column to pandas as Int32/boolean with `pd.NA` for null."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def fingerprint(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def desired_sql(spec: SyncSpec, warehouse: Warehouse) -> str:
    """The spec's select, left-joined to each optional table that exists (its columns null otherwise)."""
    joined: list[str] = []
    selects = ["source.*"]
    for n, join in enumerate(spec.optional_joins):
        schema, table = join.table.split(".")
        alias = f"optional_{n}"
        present = warehouse.has_table(schema, table)
        for name, column in join.columns.items():
            selects.append(f"{alias}.{column} as {name}" if present else f"cast(null as varchar) as {name}")
        if present:
            joined.append(f"left join {join.table} {alias} on {alias}.{join.on} = source.{join.on}")
    return f"select {', '.join(selects)} from ({spec.source_sql}) source " + " ".join(joined)


@dataclass
class _Desired:
    rows: dict[str, dict[str, Any]]
    rejected: list[tuple[str, str]]  # (primary key or "", reason)


def read_desired(spec: SyncSpec, warehouse: Warehouse) -> _Desired:
    frame = warehouse.query(desired_sql(spec, warehouse))
    needed = [spec.primary_key, *spec.mapping.values()]
    missing = sorted({c for c in needed if c not in frame.columns})
    if missing:
        raise SyncSpecError(
            f"sync {spec.name!r}: the source has no column(s) {', '.join(missing)} "
            f"(primary_key / mapping); it has {', '.join(map(str, frame.columns))}"
        )
    rows: dict[str, dict[str, Any]] = {}
    rejected: list[tuple[str, str]] = []
    keys = frame[spec.primary_key].tolist()
    columns = {name: frame[column].tolist() for name, column in spec.mapping.items()}
    for n, raw_key in enumerate(keys):
        key = _plain(raw_key)
        if key is None or str(key).strip() == "":
            rejected.append(("", f"no {spec.primary_key}"))
            continue
        key = str(key)
        if key in rows:
            rejected.append((key, f"{spec.primary_key} repeats in the source; the first row is synced"))
            continue
        rows[key] = {name: _plain(values[n]) for name, values in columns.items()}
    return _Desired(rows, rejected)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def run_sync(
    spec: SyncSpec,
    warehouse: Warehouse,
    destination: Destination,
    *,
    dry_run: bool = False,
    run_id: str | None = None,
) -> SyncResult:
    store = SyncStateStore(warehouse)
    started = _now()
    result = SyncResult(spec.name, run_id or uuid.uuid4().hex, dry_run, max_failed_share=spec.max_failed_share)
    desired = read_desired(spec, warehouse)
    accepted = store.accepted(spec.name)
    prints = {key: fingerprint(fields) for key, fields in desired.rows.items()}
    diff = diff_keyed(prints, {key: row.fingerprint for key, row in accepted.items()})
    result.desired, result.unchanged, result.rejected = len(desired.rows), diff.unchanged, len(desired.rejected)

    planned = [(Operation.ADD, diff.adds), (Operation.UPDATE, diff.updates), (Operation.REMOVE, diff.removes)]
    changes: list[Change] = []
    for operation, keys in planned:
        if not spec.mode.sends(operation):
            result.skipped_by_mode += len(keys)
            continue
        for key in keys:
            fields = accepted[key].fields if operation is Operation.REMOVE else desired.rows[key]
            changes.append(Change(key, operation, fields))

    if dry_run:
        for operation, _ in planned:
            picked = [c.primary_key for c in changes if c.operation is operation]
            result.samples[operation.value] = picked[:SAMPLE_SIZE]
        result.added = sum(c.operation is Operation.ADD for c in changes)
        result.changed = sum(c.operation is Operation.UPDATE for c in changes)
        result.removed = sum(c.operation is Operation.REMOVE for c in changes)
        return result

    changelog: list[dict[str, Any]] = [
        {
            "sync_name": spec.name,
            "run_id": result.run_id,
            "primary_key": key,
            "operation": Operation.ADD.value,
            "status": "rejected",
            "error": reason,
            "at": started,
        }
        for key, reason in desired.rejected
    ]
    results: list[RowResult] = []
    full_refresh = (
        isinstance(destination, FullRefresh)
        and bool(changes)
        and len(changes) > spec.full_refresh_share * max(len(desired.rows), 1)
    )
    failure: BaseException | None = None
    try:
        if changes:
            result.metrics.update(destination.prepare())
        if full_refresh:
            assert isinstance(destination, FullRefresh)
            result.full_refresh = True
            everyone = [Change(key, Operation.ADD, fields) for key, fields in desired.rows.items()]
            # the members the replace drops, with what was accepted: a destination that spans several
            # audiences (one per ad account) must remove them where no replace runs
            leaving = [Change(key, Operation.REMOVE, accepted[key].fields) for key in diff.removes]
            sent = destination.replace(everyone, leaving)
            result.metrics.update(sent.metrics)
            results.extend(sent.results)
        else:
            for batch in batched(changes, destination.batch_size):
                sent = destination.send(batch)
                result.metrics.update(sent.metrics)
                results.extend(sent.results)
    except BaseException as error:  # record what was accepted before the destination gave up, then re-raise
        failure = error

    finished = _now()
    by_key = {c.primary_key: c for c in changes}
    kept: dict[str, tuple[str, Mapping[str, Any]]] = {}
    removed: list[str] = []
    errors: dict[str, None] = {}
    for row in results:
        operation = row.operation
        is_leaving = result.full_refresh and row.operation is Operation.REMOVE  # answered for the replace's leaving
        if result.full_refresh and not is_leaving:  # the replace's per-row answer says add; log what the diff said
            operation = by_key[row.primary_key].operation if row.primary_key in by_key else Operation.ADD
        if row.accepted:
            if row.operation is Operation.REMOVE:
                removed.append(row.primary_key)
                result.removed += 1
            else:
                kept[row.primary_key] = (prints[row.primary_key], desired.rows[row.primary_key])
                if result.full_refresh and row.primary_key not in by_key:
                    pass  # unchanged, re-sent by the replace
                elif operation is Operation.ADD:
                    result.added += 1
                else:
                    result.changed += 1
        else:
            result.failed += 1
            if row.error:
                errors.setdefault(row.error[:200])
        if result.full_refresh and not is_leaving and row.primary_key not in by_key:
            continue  # unchanged rows re-sent by a replace are not changes
        changelog.append(
            {
                "sync_name": spec.name,
                "run_id": result.run_id,
                "primary_key": row.primary_key,
                "operation": operation.value,
                "status": "accepted" if row.accepted else ("retry" if row.transient else "failed"),
                "error": row.error,
                "at": finished,
            }
        )
    answered = {r.primary_key for r in results}
    if result.full_refresh and failure is None:
        # a replace removes every accepted member that is no longer desired (unless it answered them itself)
        for key in diff.removes:
            if key in answered:
                continue
            changelog.append(
                {
                    "sync_name": spec.name,
                    "run_id": result.run_id,
                    "primary_key": key,
                    "operation": Operation.REMOVE.value,
                    "status": "accepted",
                    "error": None,
                    "at": finished,
                }
            )
            result.removed += 1
    if failure is not None:
        for change in changes:  # never answered: the call that would have sent them failed
            if change.primary_key not in answered:
                result.failed += 1
                changelog.append(
                    {
                        "sync_name": spec.name,
                        "run_id": result.run_id,
                        "primary_key": change.primary_key,
                        "operation": change.operation.value,
                        "status": "failed",
                        "error": f"not sent: {type(failure).__name__}",
                        "at": finished,
                    }
                )
    result.errors = list(errors)
    store.log_changes(changelog)
    store.record_accepted(
        spec.name, kept, removed, finished, replace_all=result.full_refresh and failure is None and not result.failed
    )
    store.log_run(
        {
            "sync_name": spec.name,
            "run_id": result.run_id,
            "destination": spec.destination,
            "mode": spec.mode.value,
            "started_at": started,
            "finished_at": _now(),
            "desired": result.desired,
            "added": result.added,
            "changed": result.changed,
            "removed": result.removed,
            "unchanged": result.unchanged,
            "failed": result.failed,
            "skipped_by_mode": result.skipped_by_mode,
            "rejected": result.rejected,
            "full_refresh": result.full_refresh,
            "match_rate": result.match_rate,
            "status": "error" if failure else ("failed" if result.failed_share > spec.max_failed_share else "ok"),
        }
    )
    if failure is not None:
        raise failure
    if result.failed_share > spec.max_failed_share:
        raise SyncFailed(result)
    return result


def run_syncs(
    specs: Sequence[SyncSpec], warehouse: Warehouse, destinations: Mapping[str, Destination], **options: Any
) -> dict[str, SyncResult]:
    return {spec.name: run_sync(spec, warehouse, destinations[spec.name], **options) for spec in specs}
