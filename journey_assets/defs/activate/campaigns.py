"""`activation/retention_campaigns`: the retention campaigns, sent nightly through the one send policy.

Thin: the rules and the runner are `journey_assets/activation/campaigns.py`. The asset reads the campaigns'
audience (`marts.activation_campaign_audience`), runs every campaign of `activation/campaigns.yml` against
the response ledger (the real-time plane's touches, suppressions and idempotency records) with the
respond plane's Twilio and Customer.io clients, appends every decision to `ops.campaign_sends`, and reports
per campaign how many were eligible, sent, deferred and refused (counts only: no PII in metadata).
`JOURNEY_DRY_RUN` (respond_settings.dry_run) decides and records but sends nothing. The clock is the wall
clock unless the run config pins `now` (quiet hours depend on it; the tests pin it).
"""

from datetime import UTC, date, datetime

import dagster as dg

from journey_assets.activation.campaigns import (
    DEFAULT_CONFIG,
    CampaignDeps,
    load_campaigns,
    run_campaigns,
    sends_frame,
)
from journey_assets.connectors.customerio import CustomerIOAppClient
from journey_assets.connectors.twilio import TwilioClient
from journey_assets.defs.ops.schedules import WAREHOUSE_TAGS
from journey_assets.defs.report.resources import ReportWarehouseResource
from journey_assets.defs.respond.resources import (
    CustomerIOAppResource,
    RespondSettingsResource,
    ResponseLedgerResource,
    TwilioResource,
)

AUDIENCE_KEY = dg.AssetKey(["marts", "activation_campaign_audience"])
CAMPAIGNS_KEY = dg.AssetKey(["activation", "retention_campaigns"])
AUDIENCE_COLUMNS = (
    "audience, customer_key, dealer_id, first_name, email, phone, email_consent, sms_consent, zip5, "
    "rooftop_timezone, preferred_channel, service_state, dormant, high_value, journey_stage, vehicle_name, "
    "next_service_due_date, lease_maturity_date, rooftop_name, rooftop_phone, rooftop_address, rooftop_website, "
    "as_of_date"
)


class RetentionCampaignsConfig(dg.Config):
    now: str = ""  # ISO time with a zone: pins the clock (tests, a replay); empty: the wall clock
    campaigns_file: str = ""  # empty: journey_assets/activation/campaigns.yml


def _client(build, context: dg.AssetExecutionContext, vendor: str):  # type: ignore[no-untyped-def]
    """A vendor client, or None (the runner defers the sends: nothing is lost) when it cannot be built."""
    try:
        return build()
    except ValueError as exc:  # no credentials (the sandbox not started, a secret not set)
        context.log.warning(f"retention campaigns: {vendor} is not configured ({exc}); its sends are deferred")
        return None


@dg.asset(
    key=CAMPAIGNS_KEY,
    deps=[AUDIENCE_KEY],
    group_name="activation",
    kinds={"twilio", "customerio"},
    tags=WAREHOUSE_TAGS,
    description="Sends the retention campaigns (service reminders, win-back, lease end, loyal-owner rewards) "
    "through the send policy; every decision lands in ops.campaign_sends.",
)
def retention_campaigns(
    context: dg.AssetExecutionContext,
    config: RetentionCampaignsConfig,
    report_warehouse: ReportWarehouseResource,
    respond_ledger: ResponseLedgerResource,
    respond_settings: RespondSettingsResource,
    respond_twilio: TwilioResource,
    respond_customerio: CustomerIOAppResource,
) -> dg.MaterializeResult:
    campaigns = load_campaigns(config.campaigns_file or DEFAULT_CONFIG)
    warehouse = report_warehouse.warehouse()
    rows = warehouse.query(f"select {AUDIENCE_COLUMNS} from marts.activation_campaign_audience")
    as_of = _as_of(rows["as_of_date"].max() if len(rows) else None)
    now = datetime.fromisoformat(config.now) if config.now else datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("config `now` needs a time zone, e.g. 2026-11-23T18:00:00+00:00")
    twilio: TwilioClient | None = _client(respond_twilio.client, context, "Twilio")
    email: CustomerIOAppClient | None = _client(respond_customerio.client, context, "Customer.io")
    ledger = respond_ledger.open()
    try:
        deps = CampaignDeps(ledger, twilio, email, clock=lambda: now, dry_run=respond_settings.dry_run)
        report = run_campaigns(campaigns, rows.to_dict("records"), deps, as_of=as_of)
    finally:
        ledger.close()
    if report.sends:
        warehouse.append("ops", "campaign_sends", sends_frame(report.sends))
    counts = report.counts()
    metadata: dict[str, object] = {
        "as_of": str(as_of),
        "dry_run": respond_settings.dry_run,
        "decisions": len(report.sends),
    }
    for key, figures in counts.items():
        metadata[key] = dg.MetadataValue.json(figures)
    context.log.info(f"retention campaigns for {as_of}: {counts}")
    return dg.MaterializeResult(metadata=metadata)


def _as_of(value: object) -> date:
    if value is None:
        return datetime.now(UTC).date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# The nightly run (03:00 UTC) is night at every US rooftop, so quiet hours defer most sends to the
# morning; this job reruns the campaigns hourly through the US day: only sends that are due (a deferral
# whose time has come, a transient failure's retry, a person new to an audience) are claimed again.
retention_campaigns_job = dg.define_asset_job(
    "retention_campaigns",
    selection=dg.AssetSelection.assets(CAMPAIGNS_KEY),
    tags=WAREHOUSE_TAGS,  # it appends to ops.campaign_sends
    description="The retention campaigns again, for the sends whose deferral has come due.",
)

retention_campaigns_schedule = dg.ScheduleDefinition(
    job=retention_campaigns_job,
    cron_schedule="15 8-20 * * *",  # 08:15-20:15 Eastern: inside 08:00-21:00 somewhere in every US zone
    execution_timezone="America/New_York",
)
