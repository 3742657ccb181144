"""Meta: daily ads insights per ad, and the day's Lead Ads leads, per rooftop.

Insights: one partition = one `date_start` (level=ad, time_increment=1).
Meta restates recent days as conversions are attributed, so re-running a
partition replaces that day (partition_expr date_start) and a backfill of the
last week picks the restatements up.

Leads: one partition = the leads created that UTC day (filtering on
time_created in [day, day + 1)), which is "since the last run" for the nightly
run and makes a re-run replace the day. The lead's contact answers pass the
same email and phone validation as the webhook intake; a lead with an invalid
or no way to reach it goes to ops.quarantine_meta_leads with the reason, never
silently dropped. Log lines carry counts only, never contact details.
"""

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg

from journey_assets.connectors.meta import day_window, insights_row, parse_graph_time
from journey_assets.defs.ingest.common import (
    partition_day,
    quarantine_check,
    quarantine_frame,
    raw_asset_with_quarantine,
    typed_frame,
)
from journey_assets.defs.resources import MetaResource, RooftopsResource
from journey_assets.journey.lead_ads import lead_contact_from_field_data
from journey_assets.journey.quality import missing_fields, split_records, split_repeats

INSIGHTS_SOURCE = "meta_ads"
INSIGHTS_KEY = ["raw", "meta_ad_insights"]
INSIGHTS_SCHEMA = {
    "date_start": "date",
    "dealer_id": "string",
    "account_id": "string",
    "account_currency": "string",
    "campaign_id": "string",
    "campaign_name": "string",
    "adset_id": "string",
    "adset_name": "string",
    "ad_id": "string",
    "ad_name": "string",
    "impressions": "int",
    "reach": "int",
    "clicks": "int",
    "inline_link_clicks": "int",
    "spend": "float",
    "leads": "float",
    "leads_value": "float",
    "actions": "string",
    "action_values": "string",
    "loaded_at": "timestamp",
}
COUNTS = ("impressions", "reach", "clicks", "inline_link_clicks")

LEADS_SOURCE = "meta_leads"
LEADS_KEY = ["raw", "meta_leads"]
LEADS_SCHEMA = {
    "created_date": "date",
    "created_time": "timestamp",
    "lead_id": "string",
    "dealer_id": "string",
    "page_id": "string",
    "form_id": "string",
    "ad_id": "string",
    "email": "string",
    "phone": "string",
    "full_name": "string",
    "first_name": "string",
    "last_name": "string",
    "zip_code": "string",
    "city": "string",
    "field_data": "string",
    "loaded_at": "timestamp",
}


def insights_problems(row: Mapping[str, Any], day: date) -> list[str]:
    problems = missing_fields(row, ("ad_id", "account_id", "date_start"))
    if row.get("date_start") and row["date_start"] != day.isoformat():
        problems.append(f"date_start {row['date_start']} is outside the requested day {day}")
    for column in COUNTS:
        value = row.get(column)
        if value in (None, ""):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            problems.append(f"{column} {value!r} is not a number")
            continue
        if number < 0 or number != int(number):
            problems.append(f"{column} {value} is not a non-negative whole number")
    spend = row.get("spend")
    if spend not in (None, ""):
        try:
            if float(spend) < 0:
                problems.append(f"spend {spend} is negative")
        except (TypeError, ValueError):
            problems.append(f"spend {spend!r} is not a number")
    return problems


@raw_asset_with_quarantine(
    "insights",
    INSIGHTS_KEY,
    source=INSIGHTS_SOURCE,
    partition_expr="date_start",
    description=(
        "Meta ads insights per rooftop, ad and day (level=ad, time_increment=1): "
        "impressions, reach, clicks, spend and the lead actions Meta reports."
    ),
)
def meta_ad_insights(context: dg.AssetExecutionContext, meta: MetaResource, rooftops: RooftopsResource):
    day = partition_day(context)
    client = meta.client()
    loaded_at = datetime.now(UTC)
    accepted: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for rooftop in rooftops.all():
        account = rooftop.get("meta_ad_account_id")
        if not account:
            context.log.info(f"{rooftop['dealer_id']}: no meta_ad_account_id configured, skipped")
            continue
        dealer_id = rooftop["dealer_id"]
        rows = [
            {**insights_row(row), "dealer_id": dealer_id, "loaded_at": loaded_at}
            for row in client.insights(str(account), day, day)
        ]
        good, bad = split_records(rows, lambda r: insights_problems(r, day), key="ad_id")
        good, repeats = split_repeats(good, key="ad_id", what="Meta insights row for one ad and day")
        accepted += good
        rejected += [{**r, "dealer_id": dealer_id} for r in bad + repeats]
        context.log.info(f"{dealer_id}: {len(good)} ad-days loaded, {len(bad) + len(repeats)} quarantined")
    if client.pauses:
        context.log.info(f"meta: paused {len(client.pauses)} times, {sum(s for _, s in client.pauses):.1f}s in all")
    yield dg.Output(typed_frame(accepted, INSIGHTS_SCHEMA), output_name="insights", metadata={"rows": len(accepted)})
    yield dg.Output(
        quarantine_frame(INSIGHTS_SOURCE, day, rejected), output_name="rejected", metadata={"rows": len(rejected)}
    )
    yield quarantine_check(INSIGHTS_KEY, INSIGHTS_SOURCE, len(rejected), len(accepted))


# The answers a lead must give to be loaded; a bad postal code or VIN is kept out
# of its column (the raw answer stays in field_data) but does not reject the lead.
REQUIRED_CONTACT_ANSWERS = ("email", "phone", "contact")


def lead_row(
    lead: Mapping[str, Any], *, dealer_id: str, page_id: str, loaded_at: datetime
) -> tuple[dict[str, Any], list[str]]:
    """The raw row of one lead and why it cannot be loaded, if it cannot.

    Contact answers are mapped and normalized by `journey.lead_ads`, the same
    rules the real-time response applies to a lead-ads webhook.
    """
    contact = lead_contact_from_field_data(lead.get("field_data"))
    created = parse_graph_time(str(lead["created_time"]))
    row = {
        "created_date": created.astimezone(UTC).date(),
        "created_time": created,
        "lead_id": str(lead["id"]),
        "dealer_id": dealer_id,
        "page_id": page_id,
        "form_id": lead.get("form_id"),
        "ad_id": lead.get("ad_id"),
        "email": contact.email,
        "phone": contact.phone,
        "full_name": contact.full_name,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "zip_code": contact.postal_code,
        "city": contact.city,
        "field_data": json.dumps(lead.get("field_data"), sort_keys=True),
        "loaded_at": loaded_at,
    }
    problems = missing_fields(row, ("lead_id", "dealer_id"))
    problems += [f"{name}: {reason}" for name, reason in contact.unusable.items() if name in REQUIRED_CONTACT_ANSWERS]
    return row, problems


@raw_asset_with_quarantine(
    "leads",
    LEADS_KEY,
    source=LEADS_SOURCE,
    partition_expr="created_date",
    description="Meta Lead Ads leads per rooftop, created that day, with email normalized and phone in E.164.",
)
def meta_lead_ads(context: dg.AssetExecutionContext, meta: MetaResource, rooftops: RooftopsResource):
    day = partition_day(context)
    start, end = day_window(day)
    client = meta.client()
    loaded_at = datetime.now(UTC)
    accepted: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for rooftop in rooftops.all():
        dealer_id = rooftop["dealer_id"]
        if rooftop.get("meta_page_id"):
            pages = [str(rooftop["meta_page_id"])]
        elif rooftop.get("meta_ad_account_id"):
            pages = client.promoted_pages(str(rooftop["meta_ad_account_id"]))
        else:
            context.log.info(f"{dealer_id}: no Meta page or ad account configured, skipped")
            continue
        built = [
            lead_row(lead, dealer_id=dealer_id, page_id=page_id, loaded_at=loaded_at)
            for page_id in pages
            for form in client.lead_forms(page_id)
            for lead in client.leads(str(form["id"]), start, end)
        ]
        problems = {id(row): found for row, found in built}
        good, bad = split_records([row for row, _ in built], lambda row: problems[id(row)], key="lead_id")
        good, repeats = split_repeats(good, key="lead_id", what="Meta lead")
        accepted += good
        rejected += [{**r, "dealer_id": dealer_id} for r in bad + repeats]
        context.log.info(f"{dealer_id}: {len(good)} leads loaded, {len(bad) + len(repeats)} quarantined")
    yield dg.Output(typed_frame(accepted, LEADS_SCHEMA), output_name="leads", metadata={"rows": len(accepted)})
    yield dg.Output(
        quarantine_frame(LEADS_SOURCE, day, rejected), output_name="rejected", metadata={"rows": len(rejected)}
    )
    yield quarantine_check(LEADS_KEY, LEADS_SOURCE, len(rejected), len(accepted))
