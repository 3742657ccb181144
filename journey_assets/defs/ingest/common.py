"""What every raw ingest asset shares: typed frames, quarantine frames, partition dates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg
import pandas as pd

from journey_assets.defs.partitions import daily_partitions

QUARANTINE_COLUMNS = ("snapshot_date", "source", "dealer_id", "record_key", "reason", "payload", "loaded_at")


def partition_day(context: dg.AssetExecutionContext) -> date:
    return date.fromisoformat(context.partition_key)


def typed_frame(rows: Sequence[Mapping[str, Any]], schema: Mapping[str, str]) -> pd.DataFrame:
    """Rows as a DataFrame with exactly `schema`'s columns and types, even when empty.

    Types: string, int, float, bool, date, timestamp. Values were validated
    before this, so coercion here cannot hide a bad value.
    """
    frame = pd.DataFrame(list(rows), columns=list(schema))
    for column, kind in schema.items():
        values = frame[column]
        if kind == "string":
            frame[column] = values.astype("string")
        elif kind == "int":
            frame[column] = pd.to_numeric(values, errors="raise").astype("Int64")
        elif kind == "float":
            frame[column] = pd.to_numeric(values, errors="raise").astype("float64")
        elif kind == "bool":
            frame[column] = values.map(_to_bool).astype("boolean")
        elif kind == "date":
            frame[column] = pd.to_datetime(values, errors="raise").dt.normalize()
        elif kind == "timestamp":
            frame[column] = pd.to_datetime(values, errors="raise", utc=True)
        else:
            raise ValueError(f"unknown column type {kind!r} for {column}")
    return frame


def _to_bool(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return pd.NA
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "y")
    return bool(value)


def quarantine_frame(source: str, day: date, rejections: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    loaded_at = datetime.now(UTC)
    rows = [{**r, "snapshot_date": day, "source": source, "loaded_at": loaded_at} for r in rejections]
    return typed_frame(
        rows,
        {
            "snapshot_date": "date",
            "source": "string",
            "dealer_id": "string",
            "record_key": "string",
            "reason": "string",
            "payload": "string",
            "loaded_at": "timestamp",
        },
    )


def quarantine_check(asset_key: Sequence[str], source: str, rejected: int, loaded: int) -> dg.AssetCheckResult:
    """WARN, not ERROR: the good rows are loaded; the bad ones wait in ops for a person."""
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(list(asset_key)),
        check_name="no_quarantined_rows",
        passed=rejected == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"quarantined": rejected, "loaded": loaded, "quarantine_table": f"ops.quarantine_{source}"},
        description=None if rejected == 0 else f"{rejected} rows quarantined; see ops.quarantine_{source}",
    )


def quarantine_out(source: str) -> dg.AssetOut:
    return dg.AssetOut(
        key=["ops", f"quarantine_{source}"],
        description=f"Rows from {source} that failed validation, with the reason and the full payload.",
        metadata={"partition_expr": "snapshot_date"},
        group_name="ops",
        io_manager_key="io_manager",
    )


def raw_out(key: Sequence[str], description: str, *, partition_expr: str) -> dg.AssetOut:
    """A raw table: one daily partition per run, replaced on re-run through `partition_expr`."""
    return dg.AssetOut(
        key=list(key),
        description=description,
        metadata={"partition_expr": partition_expr},
        group_name="ingest",
    )


def raw_asset_with_quarantine(output: str, key: Sequence[str], *, source: str, partition_expr: str, description: str):
    """The shape most sources share: one daily raw table, its quarantine table and the check between them.

    The decorated function yields the raw frame as `output`, the rejects as
    `rejected` and `quarantine_check(...)`; sources with several raw tables
    (GA4, Google Ads, CRM, DMS) spell their multi_asset out.
    """
    return dg.multi_asset(
        outs={
            output: raw_out(key, description, partition_expr=partition_expr),
            "rejected": quarantine_out(source),
        },
        partitions_def=daily_partitions,
        check_specs=[dg.AssetCheckSpec("no_quarantined_rows", asset=list(key))],
        can_subset=False,
    )
