"""DMS exports from the landing zone (declared in journey_assets/sources/dms.py), and the sensor for late files.

Why a daily-partitioned asset and not only a sensor-driven load: every DMS file
is one rooftop's export for one business day, which is exactly a daily
partition, so re-runs and backfills are safe and the warehouse never holds a
file twice; the nightly schedule loads yesterday with every other source. A
file that lands late (or an export re-run by the dealer) is picked up by
`dms_landing_sensor`, which only asks for the partition of the file's date; it
is off by default and is turned on in the UI where a daemon runs.
"""

import hashlib
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg

from journey_assets.defs.ingest.factory import source_asset
from journey_assets.defs.ingest.resources import DmsLandingResource
from journey_assets.defs.ops.schedules import WAREHOUSE_TAGS
from journey_assets.defs.partitions import daily_partitions
from journey_assets.sources.dms import FILES_TABLE, SOURCE, quarantined_files


def _no_quarantined_files(files: list[dict[str, Any]]) -> tuple[bool, dict[str, Any], str | None]:
    """Warns when a DMS export file was refused whole (moved aside with a .reason.txt beside it)."""
    quarantined = quarantined_files(files)
    metadata = {
        "quarantined_files": len(quarantined),
        "duplicates_skipped": sum(1 for f in files if f.get("status") == "duplicate"),
    }
    description = "; ".join(f"{f['name']}: {f['reason']}" for f in quarantined)[:1000] or None
    return not quarantined, metadata, description


dms_exports = source_asset(
    SOURCE, name="dms_exports", checks={FILES_TABLE.name: ("no_quarantined_files", _no_quarantined_files)}
)

dms_job = dg.define_asset_job(
    "dms_ingest",
    selection=dg.AssetSelection.assets(dms_exports),
    tags=WAREHOUSE_TAGS,
    description="Load one export date of DMS files (the sensor asks for it when files for that date land).",
)


@dg.sensor(job=dms_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED)
def dms_landing_sensor(context: dg.SensorEvaluationContext, dms_landing: DmsLandingResource):
    """Requests the partition of every export date with files waiting in incoming/ (late files included)."""
    today = datetime.now(UTC).date()
    first = date.fromisoformat(daily_partitions.start.strftime("%Y-%m-%d"))
    for day, names in sorted(dms_landing.loader().pending_days().items()):
        if not first <= day < today:
            continue  # outside the partitions that exist yet; the nightly run takes today's
        run_key = f"{day.isoformat()}:" + hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()[:16]
        yield dg.RunRequest(run_key=run_key, partition_key=day.isoformat())
