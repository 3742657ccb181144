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

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from journey_assets.connectors.http import PermanentVendorError
from journey_assets.journey.quality import missing_fields
from journey_assets.sources.spec import Batch, Fetch, Source, Table, Window

TEMPLATES = ("home", "search_results", "vehicle_detail")
_FIGURES = (
    "performance_score",
    "lab_lcp_ms",
    "lab_cls",
    "lab_fcp_ms",
    "lab_ttfb_ms",
    "lab_tbt_ms",
    "field_lcp_p75_ms",
    "field_inp_p75_ms",
    "field_cls_p75",
    "field_fcp_p75_ms",
    "field_ttfb_p75_ms",
)


def result_problems(row: Mapping[str, Any], window: Window) -> list[str]:
    if row.get("runtime_error"):
        return [f"PageSpeed could not measure the page: {row['runtime_error']}"]
    problems = missing_fields(row, ("dealer_id", "template", "requested_url"))
    score = row.get("performance_score")
    if not isinstance(score, (int, float)) or isinstance(score, bool) or not 0 <= score <= 1:
        problems.append(f"performance score {score!r} is not between 0 and 1")
    for column in _FIGURES:
        value = row.get(column)
        if value is None:
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            problems.append(f"{column} {value!r} is not a non-negative number")
    return problems


RESULTS = Table(
    name="pagespeed_results",
    description=(
        "PageSpeed Insights (Lighthouse lab and CrUX field) figures per rooftop, page template "
        "and strategy, one row per snapshot day."
    ),
    columns={
        "snapshot_date": "date",
        "dealer_id": "string",
        "template": "string",
        "strategy": "string",
        "requested_url": "string",
        "final_url": "string",
        **dict.fromkeys(_FIGURES, "float"),
        "field_overall_category": "string",
        "lighthouse_version": "string",
        "fetch_time": "timestamp",
        "loaded_at": "timestamp",
    },
    partition_column="snapshot_date",
    key=("template", "strategy"),
    rules=result_problems,
    what="page template and strategy",
    not_null=(
        "snapshot_date",
        "dealer_id",
        "template",
        "strategy",
        "requested_url",
        "performance_score",
        "loaded_at",
    ),
)


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


def _inventory_of(inventory: pd.DataFrame, day) -> pd.DataFrame:
    """The inventory feed of one snapshot day (a range run reads the feed of every day in the range)."""
    if inventory.empty or "snapshot_date" not in inventory.columns:
        return inventory
    return inventory[inventory["snapshot_date"] == pd.Timestamp(day)]  # datetime64 midnight, as loaded


def fetch(run: Fetch) -> Iterator[Batch]:
    psi = run.vendor
    client = psi.client()
    loaded_at = datetime.now(UTC)
    for day in run.days():  # a snapshot per day, measured on that day's VDPs
        inventory = _inventory_of(run.inputs["inventory"], day)
        for rooftop in run.rooftops:
            dealer_id = rooftop["dealer_id"]
            urls = template_urls(rooftop, inventory, psi.search_results_path)
            missing = [t for t in TEMPLATES if t not in urls]
            if missing:
                run.log.warning(f"{dealer_id} {day}: no page to measure for {missing}")
            runs = [(template, url, strategy) for template, url in urls.items() for strategy in psi.strategies]
            # A Lighthouse run takes 10-60 s on the live API, so a few run at once (results kept in order).
            with ThreadPoolExecutor(max_workers=max(1, psi.max_concurrency)) as pool:
                results = list(pool.map(lambda one: measure(client, one[1], one[2]), runs))
            rows = [
                {**result, "dealer_id": dealer_id, "template": template, "strategy": strategy, "snapshot_date": day}
                | {"loaded_at": loaded_at}
                for (template, _, strategy), result in zip(runs, results, strict=True)
            ]
            yield Batch(RESULTS.name, day, rows, dealer_id=dealer_id)


SOURCE = Source(
    name="pagespeed",
    tables=(RESULTS,),
    fetch=fetch,
    resource="pagespeed",
    inputs={"inventory": ("raw", "dealer_inventory")},
)
