"""One asset per declared sync (`activation/<sync_name>`, group `activation`), downstream of its source tables.

Each materialization runs the sync (activation/engine.py) and records its counts as metadata. A run whose
failed share passes the sync's threshold fails (so the failed-run alert fires) after the engine has written
the state and changelog for what did succeed. An asset sensor per sync runs it when its first source table
updates; the daily catch-up schedule runs them all (a sync that failed at night is retried).
"""

from typing import Any

import dagster as dg

from journey_assets.activation.engine import SyncFailed, run_sync
from journey_assets.activation.spec import SyncSpec, build_destination, load_syncs
from journey_assets.defs.activate.resources import ActivationWarehouseResource
from journey_assets.defs.ops.schedules import WAREHOUSE_TAGS

GROUP = "activation"
# destination kind -> (the name its factory looks its client up by, the resource that builds that client with
# `.client()`); a new kind (the Meta audience) adds its line here and its resource in resources.py
DESTINATION_CLIENTS: dict[str, tuple[str, str]] = {
    "customerio_people": ("customerio", "activation_customerio"),
    "customerio_segment": ("customerio", "activation_customerio"),
    # the Graph API client the Meta ingest uses (its system user's token)
    "meta_audience": ("meta", "meta"),
    # one audience per rooftop in its own ad account (decision 1141): the syncs syncs.yml declares
    "meta_audience_by_account": ("meta", "meta"),
}


def sync_key(spec: SyncSpec) -> dg.AssetKey:
    return dg.AssetKey(["activation", spec.name])


def _source_keys(spec: SyncSpec) -> list[dg.AssetKey]:
    return [dg.AssetKey(table.split(".")) for table in spec.source_tables()]


def _deps(spec: SyncSpec) -> list[dg.AssetKey]:
    """The source tables and the optional joins' tables: in a run that builds both (the nightly), the sync goes
    after the scores, so the tier goes out the same night rather than as an update of everyone the next run.
    A run where the scores fail skips the sync; the catch-up schedule sends it (without the tier) later."""
    optional = [dg.AssetKey(join.table.split(".")) for join in spec.optional_joins]
    return [*_source_keys(spec), *(key for key in optional if key not in _source_keys(spec))]


def _metadata(values: dict[str, Any]) -> dict[str, Any]:
    """None (a match rate Customer.io does not report) as Dagster's null, so every sync shows the same keys."""
    return {k: dg.MetadataValue.null() if v is None else v for k, v in values.items()}


def build_sync_asset(spec: SyncSpec) -> dg.AssetsDefinition:
    if spec.destination not in DESTINATION_CLIENTS:
        raise ValueError(f"sync {spec.name!r}: no resource for destination {spec.destination!r} (DESTINATION_CLIENTS)")
    client_name, client_resource = DESTINATION_CLIENTS[spec.destination]

    @dg.asset(
        key=sync_key(spec),
        group_name=GROUP,
        deps=_deps(spec),
        description=spec.description or f"The {spec.name} sync ({spec.destination}, {spec.mode.value}).",
        kinds={"python"},
        tags={"journey/destination": spec.destination},
        required_resource_keys={"activation_warehouse", client_resource},
    )
    def _sync(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        activation_warehouse: ActivationWarehouseResource = context.resources.activation_warehouse
        destination = build_destination(spec, {client_name: getattr(context.resources, client_resource).client()})
        try:
            result = run_sync(spec, activation_warehouse.warehouse(), destination, dry_run=activation_warehouse.dry_run)
        except SyncFailed as failed:
            raise dg.Failure(str(failed), metadata=_metadata(failed.result.metadata())) from None
        metadata = _metadata(result.metadata())
        if result.metrics:  # the destination's own facts: Meta's invalid entries, audiences, what is not targeted
            metadata["destination"] = dg.MetadataValue.json(result.metrics)
        if result.metrics.get("not_targeted"):
            metadata["not_targeted"] = dg.MetadataValue.md(
                "Below Meta's targetable minimum, not targeted:\n"
                + "\n".join(f"- {where}: {why}" for where, why in sorted(result.metrics["not_targeted"].items()))
            )
        if result.dry_run:  # what would have been sent: a few customer_key hashes per operation
            metadata["samples"] = dg.MetadataValue.json(result.samples)
        return dg.MaterializeResult(metadata=metadata)

    return _sync


SPECS = load_syncs()
sync_assets = [build_sync_asset(spec) for spec in SPECS]

sync_jobs = {
    spec.name: dg.define_asset_job(f"activate_{spec.name}", selection=[sync_key(spec)], tags=WAREHOUSE_TAGS)
    for spec in SPECS
}


def build_sync_sensor(spec: SyncSpec) -> dg.SensorDefinition:
    @dg.asset_sensor(
        asset_key=_source_keys(spec)[0],
        job=sync_jobs[spec.name],
        name=f"activate_{spec.name}_on_model",
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Runs {spec.name} when {spec.source_tables()[0]} is materialized.",
    )
    def _on_model(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry) -> dg.RunRequest:
        return dg.RunRequest(run_key=f"{spec.name}:{context.cursor}")  # the cursor is the event's storage id

    return _on_model


sync_sensors = [build_sync_sensor(spec) for spec in SPECS if spec.source_tables()]

activation_catchup_job = dg.define_asset_job(
    "activation_catchup",
    selection=dg.AssetSelection.groups(GROUP),
    tags=WAREHOUSE_TAGS,
    description="Every sync, once a day: catches up a sync whose sensor did not run or whose run failed.",
)
# after the nightly (03:00 UTC, done by about 04:00) has built the models
activation_catchup_schedule = dg.ScheduleDefinition(
    job=activation_catchup_job, cron_schedule="30 6 * * *", execution_timezone="UTC"
)
