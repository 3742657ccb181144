"""DMS exports: the day's sales deals and repair orders from the landing zone, each file loaded once.

Why a daily-partitioned asset and not a sensor-driven load: every DMS file is
one rooftop's export for one business day (the date is in its name), which is
exactly a daily partition. Keying the raw tables by export_date makes a re-run
replace the day from the files accepted for it (loaded/<day>/), so backfills
and re-runs are safe and the warehouse never holds a file twice; the nightly
schedule loads yesterday with every other source. A file that lands late (or
an export re-run by the dealer) is picked up by `dms_landing_sensor`, which
only asks for the partition of the file's date; it is off by default and is
turned on in the UI where a daemon runs. The load-once protocol itself (SHA-256
manifest, quarantine with .reason.txt, duplicates set aside) lives in
connectors/dms.py.
"""

import hashlib
from datetime import UTC, date, datetime

import dagster as dg
import pandas as pd

from journey_assets.connectors.dms import file_log_rows
from journey_assets.defs.ingest.common import partition_day, quarantine_check, quarantine_frame, raw_out, typed_frame
from journey_assets.defs.ops.schedules import WAREHOUSE_TAGS
from journey_assets.defs.partitions import daily_partitions
from journey_assets.defs.resources import DmsLandingResource
from journey_assets.journey.quality import split_repeats

SOURCE = "dms"
SALES_KEY = ["raw", "dms_sales"]
SERVICE_KEY = ["raw", "dms_service_visits"]
FILES_KEY = ["ops", "dms_file_loads"]
QUARANTINE_KEY = ["ops", "quarantine_dms"]
_FILE_COLUMNS = {"export_date": "date", "source_file": "string", "file_checksum": "string"}
SALES_SCHEMA = {
    **_FILE_COLUMNS,
    "deal_id": "string",
    "dealer_id": "string",
    "customer_id": "string",
    "vehicle_uuid": "string",
    "vin": "string",
    "sold_at": "timestamp",
    "sale_type": "string",
    "price": "float",
    "gross_profit": "float",
    "lead_id": "string",
    "loaded_at": "timestamp",
}
SERVICE_SCHEMA = {
    **_FILE_COLUMNS,
    "repair_order_id": "string",
    "customer_id": "string",
    "dealer_id": "string",
    "vin": "string",
    "visit_date": "date",
    "mileage": "int",
    "service_type": "string",
    "amount": "float",
    "loaded_at": "timestamp",
}
FILES_SCHEMA = {
    "export_date": "date",
    "name": "string",
    "kind": "string",
    "dealer_id": "string",
    "checksum": "string",
    "status": "string",
    "reason": "string",
    "rows": "int",
    "rejected_rows": "int",
    "loaded_at": "timestamp",
}


@dg.multi_asset(
    outs={
        "sales": raw_out(
            SALES_KEY,
            "Deals from each rooftop's daily DMS sales export, one row per deal, keyed by export_date.",
            partition_expr="export_date",
        ),
        "service": raw_out(
            SERVICE_KEY,
            "Repair orders from each rooftop's daily DMS service export, keyed by export_date.",
            partition_expr="export_date",
        ),
        "files": dg.AssetOut(
            key=FILES_KEY,
            description="Every DMS file a run saw: loaded, reloaded, duplicate (skipped) or quarantined, with the reason.",
            metadata={"partition_expr": "export_date"},
            group_name="ops",
        ),
        "rejected": dg.AssetOut(
            key=QUARANTINE_KEY,
            description="DMS rows that failed validation (sales and service), with the file, line, reason and payload.",
            metadata={"partition_expr": "snapshot_date"},
            group_name="ops",
        ),
    },
    partitions_def=daily_partitions,
    check_specs=[
        dg.AssetCheckSpec("no_quarantined_rows", asset=SALES_KEY),
        dg.AssetCheckSpec("no_quarantined_rows", asset=SERVICE_KEY),
        dg.AssetCheckSpec("no_quarantined_files", asset=FILES_KEY),
    ],
    can_subset=False,
)
def dms_exports(context: dg.AssetExecutionContext, dms_landing: DmsLandingResource):
    day = partition_day(context)
    load = dms_landing.loader().load_day(day)
    loaded_at = datetime.now(UTC)
    stamp = {"export_date": day, "loaded_at": loaded_at}
    sales, sales_repeats = split_repeats([{**r, **stamp} for r in load.rows["sales"]], key="deal_id", what="deal")
    service, service_repeats = split_repeats(
        [{**r, **stamp} for r in load.rows["service"]], key="repair_order_id", what="repair order"
    )
    sales_rejected = load.rejections["sales"] + [{**r, "dealer_id": None} for r in sales_repeats]
    service_rejected = load.rejections["service"] + [{**r, "dealer_id": None} for r in service_repeats]
    rejected = pd.concat(
        [quarantine_frame("dms_sales", day, sales_rejected), quarantine_frame("dms_service", day, service_rejected)],
        ignore_index=True,
    )
    files = file_log_rows(load, loaded_at)
    for status in ("loaded", "reloaded", "duplicate", "quarantined"):
        if load.count(status):
            context.log.info(f"dms {day}: {load.count(status)} files {status}")
    yield dg.Output(typed_frame(sales, SALES_SCHEMA), output_name="sales", metadata={"rows": len(sales)})
    yield dg.Output(typed_frame(service, SERVICE_SCHEMA), output_name="service", metadata={"rows": len(service)})
    yield dg.Output(typed_frame(files, FILES_SCHEMA), output_name="files", metadata={"files": len(files)})
    yield dg.Output(rejected, output_name="rejected", metadata={"rows": len(rejected)})
    yield quarantine_check(SALES_KEY, "dms", len(sales_rejected), len(sales))
    yield quarantine_check(SERVICE_KEY, "dms", len(service_rejected), len(service))
    quarantined = [f for f in load.files if f.status == "quarantined"]
    yield dg.AssetCheckResult(
        asset_key=dg.AssetKey(FILES_KEY),
        check_name="no_quarantined_files",
        passed=not quarantined,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"quarantined_files": len(quarantined), "duplicates_skipped": load.count("duplicate")},
        description="; ".join(f"{f.name}: {f.reason}" for f in quarantined)[:1000] or None,
    )


dms_job = dg.define_asset_job(
    "dms_ingest",
    selection=dg.AssetSelection.assets(*(dg.AssetKey(k) for k in (SALES_KEY, SERVICE_KEY, FILES_KEY, QUARANTINE_KEY))),
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
