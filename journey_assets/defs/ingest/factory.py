"""The raw multi-asset of a declared source (journey_assets/sources): its tables, its quarantine and their checks.

One factory instead of the loop written out per source. A run covers a
partition range (`BackfillPolicy.single_run()`): the nightly run is a range of
one day, a backfill of 90 days is one run that reads the range (in one request
where the vendor takes a date range, day by day for snapshots) and writes each
table once, replacing the range (`partition_expr`). The first partition
of the calendar is where a source with a history (CRM, DMS) loads all of it.
"""

import time
import warnings
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import dagster as dg
import pandas as pd
from dagster_pandera import pandera_schema_to_dagster_type

from journey_assets.connectors.http import CallLog, recording_calls
from journey_assets.defs.partitions import daily_partitions
from journey_assets.sources.spec import Fetch, Source, Table, TableLoad, apply_rules, days

# A check of one table beyond its quarantine: (passed, metadata, description) from the rows loaded.
TableCheck = Callable[[list[dict[str, Any]]], tuple[bool, dict[str, Any], str | None]]


def first_partition_day() -> date:
    first = daily_partitions.get_first_partition_key()
    if first is None:
        raise ValueError("the partition calendar has no partition yet: JOURNEY_PARTITIONS_START is in the future")
    return date.fromisoformat(first)


def partition_expr(table: Table, source: Source) -> str:
    """The column a run's range replaces; a source with history keeps what predates the calendar in partition one."""
    if not source.history_before_start:
        return table.partition_column
    # A first run stores rows from before the first partition with their own dates; re-running the
    # first partition must replace them too, so they count as part of it (valid DuckDB and BigQuery).
    return f"greatest({table.partition_column}, datetime '{first_partition_day().isoformat()} 00:00:00')"


def _dagster_type(table: Table) -> dg.DagsterType:
    """The table's pandera schema as a Dagster type: the UI shows its columns, and outputs are validated by it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # dagster-pandera's converter is marked beta
        return pandera_schema_to_dagster_type(table.pandera_schema())


def _out(table: Table, source: Source) -> dg.AssetOut:
    return dg.AssetOut(
        key=table.key_path,
        description=table.description,
        metadata={"partition_expr": partition_expr(table, source)},
        group_name="ingest" if table.schema == "raw" else "ops",
        dagster_type=_dagster_type(table),
    )


def _quarantine_check(table: Table, source: Source, load: TableLoad, load_days: list[date]) -> dg.AssetCheckResult:
    """WARN, not ERROR: the good rows are loaded; the bad ones wait in ops for a person."""
    rejected = len(load.rejected)
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(table.key_path),
        check_name="no_quarantined_rows",
        passed=rejected == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "quarantined": rejected,
            "loaded": len(load.accepted),
            "quarantine_table": f"ops.quarantine_{source.name}",
            # A range run checks many days at once: say which, since the UI plots results by run time.
            "first_day": load_days[0].isoformat(),
            "last_day": load_days[-1].isoformat(),
            "days": len(load_days),
        },
        description=None if rejected == 0 else f"{rejected} rows quarantined; see ops.quarantine_{source.name}",
    )


def _vendor_calls_output(source: Source, calls: CallLog, day: date, run_id: str) -> dg.Output:
    """The run's calls, stamped with the run's last partition day (a re-run of the range replaces them)."""
    rows = [
        {
            "partition_date": day,
            "source": source.name,
            "run_id": run_id,
            "vendor": call.vendor,
            "method": call.method,
            "endpoint": call.endpoint,
            "status": call.status,
            "outcome": call.outcome,
            "attempts": call.attempts,
            "retries": call.retries,
            "latency_ms": call.latency_ms,
            "called_at": call.at,
        }
        for call in calls.calls
    ]
    failed = sum(1 for row in rows if row["outcome"] != "ok")
    return dg.Output(
        source.vendor_calls.frame(rows),
        output_name="vendor_calls",
        metadata={"rows": len(rows), "failed_calls": failed, "retries": sum(row["retries"] for row in rows)},
    )


def partition_days(context: dg.AssetExecutionContext) -> list[date]:
    """The days of the run's partition range, oldest first."""
    window = context.partition_time_window
    first, end = window.start.date(), window.end.date()
    return list(days(first, end - timedelta(days=1)))


def source_asset(
    source: Source,
    *,
    name: str,
    checks: dict[str, tuple[str, TableCheck]] | None = None,
) -> dg.AssetsDefinition:
    """The multi-asset of `source`: one output per table, the quarantine table, and a check per checked table.

    `checks` adds a named check to a table (table name -> (check name, check)).
    """
    checks = checks or {}
    quarantined = [t for t in source.tables if t.quarantined]
    resource_keys = {source.resource} | ({"rooftops"} if source.uses_rooftops else set())

    @dg.multi_asset(
        name=name,
        outs={
            **{table.name: _out(table, source) for table in source.tables},
            "rejected": _out(source.quarantine, source),
            "vendor_calls": _out(source.vendor_calls, source),
        },
        ins={alias: dg.AssetIn(key=list(key)) for alias, key in source.inputs.items()},
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        check_specs=[
            dg.AssetCheckSpec(
                "no_quarantined_rows",
                asset=t.key_path,
                description=f"Warns when a run sent any {t.name} record to ops.quarantine_{source.name} "
                "(the row rules of the source's spec); the good rows are loaded either way.",
            )
            for t in quarantined
        ]
        + [
            dg.AssetCheckSpec(check_name, asset=source.table(t).key_path, description=(check.__doc__ or "").strip())
            for t, (check_name, check) in checks.items()
        ],
        required_resource_keys=resource_keys,
        can_subset=False,
    )
    def _asset(context: dg.AssetExecutionContext, **inputs: pd.DataFrame):
        vendor = getattr(context.resources, source.resource)
        rooftops = context.resources.rooftops.all() if source.uses_rooftops else []
        loads = {table.name: TableLoad() for table in source.tables}
        started = time.monotonic()
        run_days = partition_days(context)
        request = Fetch(
            run_days[0],
            run_days[-1],
            vendor,
            rooftops,
            context.log,
            calendar_start=first_partition_day(),
            inputs=inputs,
        )
        with recording_calls() as calls:
            try:
                for batch in source.fetch(request):
                    table = source.table(batch.table)
                    quarantine_source = source.quarantine_sources.get(table.name, source.name)
                    accepted, rejected = apply_rules(table, batch, quarantine_source)
                    loads[table.name].accepted += accepted
                    loads[table.name].rejected += rejected
                    context.log.debug(
                        f"{batch.dealer_id or source.name} {table.name} {batch.day}: "
                        f"{len(accepted)} rows loaded, {len(rejected)} quarantined"
                    )
            except Exception:
                # The calls of a failed run are the ones an error rate is about: land them, then fail.
                yield _vendor_calls_output(source, calls, run_days[-1], context.run.run_id)
                raise
        span = f"{run_days[0]}" if len(run_days) == 1 else f"{run_days[0]}..{run_days[-1]} ({len(run_days)} days)"
        for table in source.tables:
            load = loads[table.name]
            context.log.info(
                f"{source.name} {table.name} {span}: {len(load.accepted)} rows loaded, {len(load.rejected)} quarantined"
            )
            yield dg.Output(table.frame(load.accepted), output_name=table.name, metadata={"rows": len(load.accepted)})
        rejected = [r for table in source.tables for r in loads[table.name].rejected]
        yield dg.Output(source.quarantine.frame(rejected), output_name="rejected", metadata={"rows": len(rejected)})
        yield _vendor_calls_output(source, calls, run_days[-1], context.run.run_id)
        for table in quarantined:
            yield _quarantine_check(table, source, loads[table.name], run_days)
        for table_name, (check_name, check) in checks.items():
            passed, metadata, description = check(loads[table_name].accepted)
            yield dg.AssetCheckResult(
                asset_key=dg.AssetKey(source.table(table_name).key_path),
                check_name=check_name,
                passed=passed,
                severity=dg.AssetCheckSeverity.WARN,
                metadata=metadata,
                description=description,
            )
        context.log.info(f"{source.name} {span}: fetched and checked in {time.monotonic() - started:.1f}s")

    return _asset
