"""Meta: daily ads insights per ad, and the day's Lead Ads leads, per rooftop.

Insights: one partition day = one `date_start` (level=ad, time_increment=1).
Meta restates recent days as conversions are attributed, so re-running a
partition replaces that day and a backfill of the last week picks the
restatements up. `leads` counts ONE action type per ad account, chosen on
purpose (`meta_lead_action_type` in the rooftop config, else the resource's
`lead_action_type`): Meta reports the same lead under several overlapping
types, so summing them double-counts (docs/decisions/0102-meta-lead-action-type.md).

Leads: one partition day = the leads created that UTC day (time_created in
[day, day + 1)). The contact answers pass the same email and phone validation
as the webhook intake (`journey.lead_ads`); a lead with an invalid or no way to
reach it goes to ops.quarantine_meta_leads with the reason. Log lines carry
counts only, never contact details.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from journey_assets.connectors.meta import day_window, insights_row, parse_graph_time
from journey_assets.journey.lead_ads import lead_contact_from_field_data
from journey_assets.journey.quality import missing_fields
from journey_assets.sources.spec import Batch, Fetch, Source, Table, Window

COUNTS = ("impressions", "reach", "clicks", "inline_link_clicks")
# The answers a lead must give to be loaded; a bad postal code or VIN is kept out
# of its column (the raw answer stays in field_data) but does not reject the lead.
REQUIRED_CONTACT_ANSWERS = ("email", "phone", "contact")


def insights_problems(row: Mapping[str, Any], window: Window) -> list[str]:
    problems = missing_fields(row, ("ad_id", "account_id", "date_start"))
    if row.get("date_start"):
        try:
            problems += window.outside("date_start", date.fromisoformat(str(row["date_start"])))
        except ValueError:
            problems.append(f"date_start {row['date_start']!r} is not a YYYY-MM-DD date")
    for column in COUNTS:
        value = row.get(column)
        if value is None or value == "":
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            problems.append(f"{column} {value!r} is not a number")
            continue
        if number < 0 or number != int(number):
            problems.append(f"{column} {value} is not a non-negative whole number")
    spend = row.get("spend")
    if spend is not None and spend != "":
        try:
            if float(spend) < 0:
                problems.append(f"spend {spend} is negative")
        except (TypeError, ValueError):
            problems.append(f"spend {spend!r} is not a number")
    return problems


def lead_problems(row: Mapping[str, Any], window: Window) -> list[str]:
    """A lead needs its id, its rooftop and a usable way to reach the person (rules of `journey.lead_ads`)."""
    problems = missing_fields(row, ("lead_id", "dealer_id"))
    contact = lead_contact_from_field_data(json.loads(row.get("field_data") or "null"))
    problems += [f"{name}: {reason}" for name, reason in contact.unusable.items() if name in REQUIRED_CONTACT_ANSWERS]
    return problems


INSIGHTS = Table(
    name="meta_ad_insights",
    description=(
        "Meta ads insights per rooftop, ad and day (level=ad, time_increment=1): "
        "impressions, reach, clicks, spend and the leads of the account's one lead action type."
    ),
    columns={
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
        "lead_action_type": "string",
        "leads": "float",
        "leads_value": "float",
        "actions": "string",
        "action_values": "string",
        "loaded_at": "timestamp",
    },
    partition_column="date_start",
    key=("date_start", "ad_id"),  # a range run reads many days of each ad
    rules=insights_problems,
    what="Meta insights row for one ad and day",
    not_null=("date_start", "dealer_id", "account_id", "ad_id", "loaded_at"),
)
LEADS = Table(
    name="meta_leads",
    description="Meta Lead Ads leads per rooftop, created that day, with email normalized and phone in E.164.",
    columns={
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
    },
    partition_column="created_date",
    key=("lead_id",),
    rules=lead_problems,
    what="Meta lead",
    not_null=("created_date", "created_time", "lead_id", "dealer_id", "loaded_at"),
)


def lead_row(lead: Mapping[str, Any], *, dealer_id: str, page_id: str, loaded_at: datetime) -> dict[str, Any]:
    """The raw row of one lead; contact answers mapped and normalized by `journey.lead_ads`."""
    contact = lead_contact_from_field_data(lead.get("field_data"))
    created = parse_graph_time(str(lead["created_time"]))
    return {
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


def fetch_insights(run: Fetch) -> Iterator[Batch]:
    client = run.vendor.client()
    loaded_at = datetime.now(UTC)
    for dealer_id, account, rooftop in run.rooftops_with("meta_ad_account_id"):
        action_type = str(rooftop.get("meta_lead_action_type") or run.vendor.lead_action_type)
        rows = [
            {**insights_row(row, action_type), "dealer_id": dealer_id, "loaded_at": loaded_at}
            # time_increment=1 over the run's days; a range longer than sync_max_days runs as a report.
            for row in client.insights(str(account), run.first_day, run.last_day)
        ]
        yield Batch(INSIGHTS.name, run.last_day, rows, dealer_id=dealer_id, window=run.range)
    if client.pauses:
        run.log.info(f"meta: paused {len(client.pauses)} times, {sum(s for _, s in client.pauses):.1f}s in all")


def fetch_leads(run: Fetch) -> Iterator[Batch]:
    start, end = day_window(run.first_day)[0], day_window(run.last_day)[1]
    client = run.vendor.client()
    loaded_at = datetime.now(UTC)
    for rooftop in run.rooftops:
        dealer_id = rooftop["dealer_id"]
        if rooftop.get("meta_page_id"):
            pages = [str(rooftop["meta_page_id"])]
        elif rooftop.get("meta_ad_account_id"):
            pages = client.promoted_pages(str(rooftop["meta_ad_account_id"]))
        else:
            run.log.info(f"{dealer_id}: no Meta page or ad account configured, skipped")
            continue
        rows = [
            lead_row(lead, dealer_id=dealer_id, page_id=page_id, loaded_at=loaded_at)
            for page_id in pages
            for form in client.lead_forms(page_id)
            for lead in client.leads(str(form["id"]), start, end)
        ]
        yield Batch(LEADS.name, run.last_day, rows, dealer_id=dealer_id, window=run.range)


INSIGHTS_SOURCE = Source(name="meta_ads", tables=(INSIGHTS,), fetch=fetch_insights, resource="meta")
LEADS_SOURCE = Source(name="meta_leads", tables=(LEADS,), fetch=fetch_leads, resource="meta")
