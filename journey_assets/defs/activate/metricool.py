"""Social posts from the inventory, reviewed by a marketer, scheduled through Metricool (thin Dagster layer).

* Asset `activation/social_post_drafts` (nightly): drafts new arrivals and price drops per rooftop and
  network into `ops.social_post_drafts` and shows the drafts awaiting review in its metadata.
* Job `schedule_social_posts`: a marketer lists draft ids to approve or reject in the run config (the
  launchpad in the UI, no CLI needed) with their name; the job records the decisions, then schedules
  every approved draft through Metricool's planner, once (journey_assets/activation/social_queue.py).
"""

from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from journey_assets.activation.social_queue import (
    Brand,
    ReviewError,
    queue,
    record_drafts,
    review,
    schedule_approved,
)
from journey_assets.connectors.metricool import MetricoolClient
from journey_assets.defs.ingest.resources import MetricoolResource, RooftopsResource
from journey_assets.defs.ops.schedules import WAREHOUSE_TAGS
from journey_assets.defs.report.resources import ReportWarehouseResource
from journey_assets.journey.social_posts import DEFAULT_NETWORKS, DRAFTED, draft_posts, vehicle_events
from journey_assets.sources.metricool import brand_for

INVENTORY = dg.AssetKey(["marts", "dim_inventory_vehicles"])
PRICE_HISTORY = dg.AssetKey(["marts", "fct_inventory_price_history"])
TABLE_ROWS = 50  # drafts shown in the metadata table; the rest are counted


class SocialDraftsConfig(dg.Config):
    networks: list[str] = list(DEFAULT_NETWORKS)  # a rooftop's own `social_networks` list wins
    lookback_days: int = 7  # events of the last N feed days; already drafted ones are not drafted again


class ScheduleSocialPostsConfig(dg.Config):
    reviewer: str = ""  # who approves or rejects: recorded with each decision
    approve: list[str] = []
    reject: list[str] = []
    note: str = ""  # why, recorded with the decisions
    publish_hour_local: int = 10  # posts go out at the next such hour in the rooftop's timezone


def _cell(value: object, width: int = 90) -> str:
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def awaiting_review_markdown(current: pd.DataFrame) -> str:
    waiting = current[current["decision"] == DRAFTED].sort_values(["dealer_id", "event_date", "draft_id"])
    if waiting.empty:
        return "No drafts await review."
    lines = ["| draft_id | rooftop | network | event | vehicle | text |", "|---|---|---|---|---|---|"]
    for row in waiting.head(TABLE_ROWS).to_dict("records"):
        lines.append(
            f"| {row['draft_id']} | {_cell(row['dealer_id'])} | {row['network']} | {row['event_type']} "
            f"| {_cell(row['vehicle_id'], 40)} | {_cell(row['text'])} |"
        )
    if len(waiting) > TABLE_ROWS:
        lines.append(f"\n{len(waiting) - TABLE_ROWS} more awaiting review.")
    return "\n".join(lines)


def _state_counts(current: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in current["decision"].value_counts().sort_index().items()}


@dg.asset(
    key=dg.AssetKey(["activation", "social_post_drafts"]),
    group_name="activation",
    deps=[INVENTORY, PRICE_HISTORY],
    description="Draft social posts (text within each network's limit, the VDP link, the photo) for the "
    "inventory's new arrivals and price drops, per rooftop and network, held in ops.social_post_drafts for "
    "review; approve or reject them with the schedule_social_posts job.",
)
def social_post_drafts(
    context: dg.AssetExecutionContext,
    config: SocialDraftsConfig,
    report_warehouse: ReportWarehouseResource,
    rooftops: RooftopsResource,
) -> dg.MaterializeResult:
    warehouse = report_warehouse.warehouse()
    if not (
        warehouse.has_table("marts", "dim_inventory_vehicles")
        and warehouse.has_table("marts", "fct_inventory_price_history")
    ):
        raise dg.Failure("the inventory marts are not built: materialize marts/dim_inventory_vehicles first")
    vehicles = warehouse.query("select * from marts.dim_inventory_vehicles")
    spells = warehouse.query("select * from marts.fct_inventory_price_history")
    # "Today" is the feed's latest snapshot day, so a late feed drafts its own days, not an empty window.
    as_of = pd.to_datetime(vehicles["last_seen_date"]).max().date() if len(vehicles) else datetime.now(UTC).date()
    events = vehicle_events(vehicles, spells, as_of, config.lookback_days)
    configured = {str(r["dealer_id"]): r for r in rooftops.all()}
    candidates, skipped = draft_posts(events, configured, config.networks)
    fresh = record_drafts(warehouse, candidates, datetime.now(UTC), context.run.run_id)
    current = queue(warehouse)
    skipped_reasons: dict[str, int] = {}
    for item in skipped:
        skipped_reasons[item.reason] = skipped_reasons.get(item.reason, 0) + 1
    context.log.info(f"{len(events)} inventory events as of {as_of}: {len(fresh)} new drafts, {len(skipped)} skipped")
    return dg.MaterializeResult(
        metadata={
            "as_of": str(as_of),
            "events": len(events),
            "new_drafts": len(fresh),
            "skipped": dg.MetadataValue.json(skipped_reasons),
            "states": dg.MetadataValue.json(_state_counts(current)),
            "awaiting_review": dg.MetadataValue.md(awaiting_review_markdown(current)),
        }
    )


def brands_by_rooftop(client: MetricoolClient, configured: list[dict]) -> dict[str, Brand]:
    brands = client.brands()
    found = {}
    for rooftop in configured:
        brand = brand_for(rooftop, brands)
        if brand is not None:
            found[str(rooftop["dealer_id"])] = Brand(
                blog_id=str(brand["id"]),
                timezone=rooftop.get("timezone") or brand.get("timezone") or "UTC",
                networks=frozenset(MetricoolClient.connected_networks(brand)),
            )
    return found


@dg.op(description="Record the marketer's approvals and rejections, then schedule the approved drafts once.")
def review_and_schedule(
    context: dg.OpExecutionContext,
    config: ScheduleSocialPostsConfig,
    report_warehouse: ReportWarehouseResource,
    metricool: MetricoolResource,
    rooftops: RooftopsResource,
) -> dg.Output[None]:
    warehouse = report_warehouse.warehouse()
    now = datetime.now(UTC)
    recorded: dict[str, list[str]] = {"approved": [], "rejected": []}
    refused: list[tuple[str, str]] = []
    if config.approve or config.reject:
        try:
            outcome = review(
                warehouse, config.approve, config.reject, config.reviewer, now, context.run.run_id, config.note or None
            )
        except ReviewError as exc:
            raise dg.Failure(f"review not recorded: {exc}") from exc
        recorded, refused = outcome.recorded, outcome.refused
        for the_id, why in refused:
            context.log.warning(f"{the_id} left as it is: it {why}")
    client = metricool.client()
    scheduled = schedule_approved(
        warehouse, client, brands_by_rooftop(client, rooftops.all()), now, context.run.run_id, config.publish_hour_local
    )
    metadata = {
        "approved": len(recorded["approved"]),
        "rejected": len(recorded["rejected"]),
        "refused": dg.MetadataValue.json([{"draft_id": d, "why": w} for d, w in refused]),
        "scheduled": len(scheduled.scheduled),
        "recovered": len(scheduled.recovered),
        "failed": dg.MetadataValue.json([{"draft_id": d, "reason": r} for d, r in scheduled.failed]),
    }
    if scheduled.failed:  # recorded above; failing the run makes the failed-run alert say so
        raise dg.Failure(
            f"{len(scheduled.failed)} drafts failed to schedule (reasons in ops.social_post_decisions); "
            f"{len(scheduled.scheduled)} scheduled",
            metadata=metadata,
        )
    return dg.Output(None, metadata=metadata)


@dg.job(
    tags=WAREHOUSE_TAGS,
    description="Approve or reject social post drafts (by id, with your name) and "
    "schedule the approved ones through Metricool.",
)
def schedule_social_posts() -> None:
    review_and_schedule()
