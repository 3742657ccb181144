"""Issue 8 item 1: Meta leads are counted under ONE action type per ad account, never summed over overlapping types.

Meta files one lead under several action types (`lead`, the total, and inside it
`onsite_conversion.lead_grouped` for instant forms, `offsite_conversion.fb_pixel_lead`
for the website pixel; Marketing API reference, Ads Action Stats). The sandbox's
Meta fake reports an instant-form lead under both `lead` and its narrower type,
as Meta does, so a client that sums the types loads twice the leads.
"""

from __future__ import annotations

import logging
from datetime import date

from support.marketing_world import ACCOUNTS

from journey_assets.connectors.meta import DEFAULT_LEAD_ACTION_TYPE, insights_row
from journey_assets.defs.ingest.resources import MetaResource
from journey_assets.sources.meta import fetch_insights
from journey_assets.sources.spec import Fetch

DAY = date(2026, 11, 20)
OVERLAPPING = [
    {"action_type": "link_click", "value": "30"},
    {"action_type": "lead", "value": "4"},
    {"action_type": "onsite_conversion.lead_grouped", "value": "4"},
    {"action_type": "offsite_conversion.fb_pixel_lead", "value": "0"},
]


def test_one_action_type_is_counted_not_the_sum():
    row = {"ad_id": "1", "date_start": "2026-11-20", "actions": OVERLAPPING}
    assert DEFAULT_LEAD_ACTION_TYPE == "lead"
    assert insights_row(row)["leads"] == 4.0  # was 8.0: lead + onsite_conversion.lead_grouped
    assert insights_row(row, "offsite_conversion.fb_pixel_lead")["leads"] == 0.0
    assert insights_row(row)["lead_action_type"] == "lead"


def _leads_by_ad(sandbox, rooftops, **resource) -> dict[str, tuple[float, str]]:
    meta = MetaResource(base_url=sandbox.vendor_url("meta"), access_token="t", poll_interval_seconds=0, **resource)
    run = Fetch(DAY, DAY, meta, rooftops, logging.getLogger("test"))
    return {r["ad_id"]: (r["leads"], r["lead_action_type"]) for batch in fetch_insights(run) for r in batch.rows}


def test_the_action_type_is_a_per_account_setting(marketing_sandbox):
    default = [{"dealer_id": "D01", "meta_ad_account_id": ACCOUNTS["D01"]}]
    assert _leads_by_ad(marketing_sandbox, default)["4002"] == (1.0, "lead")  # the fake reports it twice
    pixel = [{**default[0], "meta_lead_action_type": "offsite_conversion.fb_pixel_lead"}]
    assert _leads_by_ad(marketing_sandbox, pixel)["4002"] == (0.0, "offsite_conversion.fb_pixel_lead")
    grouped = _leads_by_ad(marketing_sandbox, default, lead_action_type="onsite_conversion.lead_grouped")
    assert grouped["4002"] == (1.0, "onsite_conversion.lead_grouped")
