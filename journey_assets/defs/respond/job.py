"""The `respond` job: one op that runs the response workflow over one batch of intake events.

Not assets, on purpose: each run answers a handful of events within seconds,
and nothing here belongs in the warehouse's lineage. The job carries no
`journey/warehouse` tag (it never opens DuckDB, its state is the SQLite
ledger), so the nightly run holding DuckDB does not queue it, and a high
`dagster/priority` so a queued-run coordinator launches it ahead of batch work.
It runs in process in every environment: a subprocess per step would cost
seconds of speed to lead.
"""

import dagster as dg

from journey_assets.defs.resources import CRMResource, DealerInventoryResource, MetaResource
from journey_assets.defs.respond.deps import RESPOND_RESOURCE_KEYS, opened_response_deps
from journey_assets.defs.respond.features import FeatureStoreResource
from journey_assets.defs.respond.resources import (
    CustomerIOAppResource,
    EventStoreResource,
    RespondSettingsResource,
    ResponseLedgerResource,
    SlackResource,
    TwilioResource,
    WrikeResource,
)
from journey_assets.response.workflow import RespondReport, respond, respond_due

# No `journey/warehouse` tag (never queued behind DuckDB); first in the queue; a failed run (its
# setup failed: a missing config file, the ledger unreadable) is re-executed by the daemon when the
# instance has `run_retries: {enabled: true}`, since the sensor's cursor has moved past its events.
RESPOND_TAGS = {"journey/plane": "realtime", "dagster/priority": "10", "dagster/max_retries": "3"}
OP_NAME = "respond_batch"


class RespondBatchConfig(dg.Config):
    """Which events: `count` events after the store cursor `after` (exclusive); `count` 0 runs only the retries due."""

    after: str = ""
    count: int = 0
    first_seq: int = 0  # for the run's page and a consistency check
    last_seq: int = 0
    retry_due: bool = True
    retry_limit: int = 200


@dg.op(
    name=OP_NAME,
    # Nothing-typed: the op's outcome lives in the ledger and the run's metadata; an IO manager
    # here would be the DuckDB one, exactly what the response plane must never wait for.
    out=dg.Out(dg.Nothing),
    description="Answer one batch of intake events (intent forms and Meta lead-ads leads): SMS, CRM lead (REST and ADF), "
    "Wrike task, Slack alert, inventory match.",
)
def respond_batch(
    context: dg.OpExecutionContext,
    config: RespondBatchConfig,
    respond_events: EventStoreResource,
    respond_ledger: ResponseLedgerResource,
    respond_settings: RespondSettingsResource,
    respond_twilio: TwilioResource,
    respond_wrike: WrikeResource,
    respond_slack: SlackResource,
    respond_customerio: CustomerIOAppResource,
    crm: CRMResource,
    dealer_inventory: DealerInventoryResource,
    meta: MetaResource,
    respond_features: FeatureStoreResource,
) -> dg.Output:
    # The op's parameters declare the resources (Dagster's config and EnvVars); the builder takes them by key.
    resources = {key: getattr(context.resources, key) for key in RESPOND_RESOURCE_KEYS}
    store = respond_events.open()
    try:
        events: list = []
        if config.count > 0:
            events, _ = store.read_since(config.after or None, config.count)
            if config.last_seq and events and events[-1].seq != config.last_seq:
                context.log.warning(
                    f"respond: expected events up to seq {config.last_seq}, read up to {events[-1].seq}"
                )
        # The same builder as `journey respond` (deps.py): the two responders never drift apart.
        with opened_response_deps(resources, context.log) as deps:
            scorer_name = str(getattr(deps.scorer, "name", type(deps.scorer).__name__))
            report = respond(events, deps)
            if config.retry_due:
                report.extend(respond_due(deps, config.retry_limit))
    finally:
        store.close()
    summary = _summary(report)
    context.log.info(f"respond: {report.events} events: {summary['results']}; actions {summary['actions']}")
    return dg.Output(
        None,
        metadata={
            "events": report.events,
            "first_seq": config.first_seq,
            "last_seq": config.last_seq,
            "results": dg.MetadataValue.json(summary["results"]),
            "actions": dg.MetadataValue.json(summary["actions"]),
            "dry_run": respond_settings.dry_run,
            "scorer": scorer_name,
        },
    )


def _summary(report: RespondReport) -> dict:
    return {"events": report.events, "results": report.results(), "actions": report.action_counts()}


@dg.job(
    name="respond",
    tags=RESPOND_TAGS,
    executor_def=dg.in_process_executor,
    description="The real-time response to a batch of intake events (launched by intake_events_sensor).",
)
def respond_job() -> None:
    respond_batch()


def run_config_for(
    after: str | None, count: int, first_seq: int = 0, last_seq: int = 0, retry_due: bool = True
) -> dict:
    return {
        "ops": {
            OP_NAME: {
                "config": {
                    "after": after or "",
                    "count": count,
                    "first_seq": first_seq,
                    "last_seq": last_seq,
                    "retry_due": retry_due,
                }
            }
        }
    }
