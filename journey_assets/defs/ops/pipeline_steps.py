"""ops.pipeline_steps: the recent runs' step timings and rows, for processing speed per record per stage.

Dagster already measures every step (start, end, status) and each ingest output says how many rows it wrote
(`rows` metadata); this asset copies those figures from the instance instead of timing the pipeline twice.
It reads the runs of the last LOOKBACK_DAYS days; the run it belongs to appears the next time it runs.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg

from journey_assets.sources.pipeline import PIPELINE_STEPS

LOOKBACK_DAYS = 35
ROW_COUNT_KEYS = ("rows", "dagster/row_count")  # the ingest factory's, and Dagster's standard one (dbt)
FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]


def _utc(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def _rows(materializations: Iterable[Any]) -> tuple[int | None, int]:
    """(rows written, assets written) from a step's materialization events; rows None when none said."""
    rows, counted, assets = 0, False, 0
    for entry in materializations:
        assets += 1
        materialization = entry.asset_materialization
        metadata = materialization.metadata if materialization else {}
        for key in ROW_COUNT_KEYS:
            value = getattr(metadata.get(key), "value", None)
            if isinstance(value, int):
                rows, counted = rows + value, True
                break
    return (rows if counted else None), assets


def step_rows(instance: dg.DagsterInstance, now: datetime, lookback_days: int = LOOKBACK_DAYS) -> list[dict]:
    runs = instance.get_runs(
        filters=dg.RunsFilter(statuses=FINISHED, created_after=now - timedelta(days=lookback_days))
    )
    rows = []
    for run in runs:
        for stats in instance.get_run_step_stats(run.run_id):
            written, assets = _rows(stats.materialization_events)
            started, finished = _utc(stats.start_time), _utc(stats.end_time)
            rows.append(
                {
                    "run_id": run.run_id,
                    "job_name": run.job_name,
                    "step_key": stats.step_key,
                    "status": stats.status.value if stats.status else None,
                    "started_at": started,
                    "finished_at": finished,
                    "seconds": stats.end_time - stats.start_time if stats.start_time and stats.end_time else None,
                    "rows_written": written,
                    "assets_written": assets,
                    "loaded_at": now,
                }
            )
    return rows


@dg.asset(
    key=PIPELINE_STEPS.key_path,
    group_name="ops",
    description="Copies the step timings and row counts of the last 35 days of runs from the Dagster instance.",
)
def pipeline_steps(context: dg.AssetExecutionContext):
    rows = step_rows(context.instance, datetime.now(UTC))
    return dg.Output(PIPELINE_STEPS.frame(rows), metadata={"rows": len(rows), "runs": len({r["run_id"] for r in rows})})
