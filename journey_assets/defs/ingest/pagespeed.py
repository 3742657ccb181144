"""Daily PageSpeed Insights runs of each rooftop's home, search-results and vehicle-detail pages.

Which pages: a rooftop's config may list them (`pagespeed_urls: {home, search_results,
vehicle_detail}`); otherwise home is the `website`, search results is the website plus
the resource's `search_results_path`, and the vehicle-detail page is the VDP of a
vehicle in that day's inventory feed (raw/dealer_inventory, same partition), so the
template is measured on a page a shopper could actually land on.

Lab figures (Lighthouse) and field figures (CrUX p75) are both kept. A page
Lighthouse could not measure (runtimeError and no score, or PSI refusing the URL
with a 4xx) goes to the quarantine with PSI's own reason; the other pages still
load. A transient failure (429, 5xx, timeout after the retries) fails the run.
"""

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg
import pandas as pd

from journey_assets.connectors.http import PermanentVendorError
from journey_assets.defs.ingest.common import (
    partition_day,
    quarantine_check,
    quarantine_frame,
    quarantine_out,
    raw_out,
    typed_frame,
)
from journey_assets.defs.partitions import daily_partitions
from journey_assets.defs.resources import PageSpeedResource, RooftopsResource
from journey_assets.journey.quality import missing_fields, split_records, split_repeats

SOURCE = "pagespeed"
RAW_KEY = ["raw", "pagespeed_results"]
INVENTORY_KEY = ["raw", "dealer_inventory"]
TEMPLATES = ("home", "search_results", "vehicle_detail")
SCHEMA = {
    "snapshot_date": "date",
    "dealer_id": "string",
    "template": "string",
    "strategy": "string",
    "requested_url": "string",
    "final_url": "string",
    "performance_score": "float",
    "lab_lcp_ms": "float",
    "lab_cls": "float",
    "lab_fcp_ms": "float",
    "lab_ttfb_ms": "float",
    "lab_tbt_ms": "float",
    "field_lcp_p75_ms": "float",
    "field_inp_p75_ms": "float",
    "field_cls_p75": "float",
    "field_fcp_p75_ms": "float",
    "field_ttfb_p75_ms": "float",
    "field_overall_category": "string",
    "lighthouse_version": "string",
    "fetch_time": "timestamp",
    "loaded_at": "timestamp",
}
NUMERIC = [c for c, kind in SCHEMA.items() if kind == "float"]


def result_problems(row: Mapping[str, Any]) -> list[str]:
    if row.get("runtime_error"):
        return [f"PageSpeed could not measure the page: {row['runtime_error']}"]
    problems = missing_fields(row, ("dealer_id", "template", "requested_url"))
    score = row.get("performance_score")
    if not isinstance(score, (int, float)) or isinstance(score, bool) or not 0 <= score <= 1:
        problems.append(f"performance score {score!r} is not between 0 and 1")
    for column in NUMERIC:
        value = row.get(column)
        if value is None:
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            problems.append(f"{column} {value!r} is not a non-negative number")
    return problems


def measure(client, url: str, strategy: str) -> dict[str, Any]:
    try:
        return client.run(url, strategy)
    except PermanentVendorError as refused:
        # PSI refused this one page (Lighthouse could not load it): a bad row with PSI's reason,
        # not a failed run. Transient failures still fail the run, to be retried.
        return {"requested_url": url, "strategy": strategy, "runtime_error": refused.reason}


def template_urls(rooftop: Mapping[str, Any], inventory: pd.DataFrame, search_results_path: str) -> dict[str, str]:
    """The page to measure for each template of one rooftop (a template without a page is left out)."""
    explicit = rooftop.get("pagespeed_urls") or {}
    website = str(rooftop.get("website") or "").rstrip("/")
    urls: dict[str, str] = {}
    if website:
        urls["home"] = website + "/"
        urls["search_results"] = website + "/" + search_results_path.lstrip("/")
    if not inventory.empty and "vdp_url" in inventory.columns:
        mine = inventory[(inventory["dealer_id"] == rooftop["dealer_id"]) & inventory["vdp_url"].notna()]
        if not mine.empty:
            order = "stock_number" if "stock_number" in mine.columns else "vdp_url"
            urls["vehicle_detail"] = str(mine.sort_values(order).iloc[0]["vdp_url"])
    urls.update({t: u for t, u in explicit.items() if t in TEMPLATES and u})
    return urls


@dg.multi_asset(
    ins={"inventory": dg.AssetIn(key=INVENTORY_KEY)},
    outs={
        "results": raw_out(
            RAW_KEY,
            "PageSpeed Insights (Lighthouse lab and CrUX field) figures per rooftop, page template "
            "and strategy, one row per snapshot day.",
            partition_expr="snapshot_date",
        ),
        "rejected": quarantine_out(SOURCE),
    },
    partitions_def=daily_partitions,
    check_specs=[dg.AssetCheckSpec("no_quarantined_rows", asset=RAW_KEY)],
    can_subset=False,
)
def pagespeed(
    context: dg.AssetExecutionContext, inventory: pd.DataFrame, pagespeed: PageSpeedResource, rooftops: RooftopsResource
):
    day: date = partition_day(context)
    client = pagespeed.client()
    loaded_at = datetime.now(UTC)
    accepted, rejected = [], []
    for rooftop in rooftops.all():
        dealer_id = rooftop["dealer_id"]
        urls = template_urls(rooftop, inventory, pagespeed.search_results_path)
        missing = [t for t in TEMPLATES if t not in urls]
        if missing:
            context.log.warning(f"{dealer_id}: no page to measure for {missing}")
        runs = [(template, url, strategy) for template, url in urls.items() for strategy in pagespeed.strategies]
        # A Lighthouse run takes 10-60 s on the live API, so a few run at once (results kept in order).
        with ThreadPoolExecutor(max_workers=max(1, pagespeed.max_concurrency)) as pool:
            results = list(pool.map(lambda run: measure(client, run[1], run[2]), runs))
        rows = [
            {
                **result,
                "dealer_id": dealer_id,
                "template": template,
                "snapshot_date": day,
                "loaded_at": loaded_at,
                "record_key": f"{template}|{strategy}",
            }
            for (template, _, strategy), result in zip(runs, results)
        ]
        good, bad = split_records(rows, result_problems, key="record_key")
        good, repeats = split_repeats(good, key="record_key", what="page template and strategy")
        accepted += good
        rejected += [{**r, "dealer_id": dealer_id} for r in bad + repeats]
        context.log.info(f"{dealer_id}: {len(good)} PageSpeed runs loaded, {len(bad) + len(repeats)} quarantined")
    yield dg.Output(typed_frame(accepted, SCHEMA), output_name="results", metadata={"rows": len(accepted)})
    yield dg.Output(quarantine_frame(SOURCE, day, rejected), output_name="rejected", metadata={"rows": len(rejected)})
    yield quarantine_check(RAW_KEY, SOURCE, len(rejected), len(accepted))
