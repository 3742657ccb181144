"""PageSpeed Insights API v5 client (`pagespeedapi.runpagespeed`).

Wire format (developers.google.com/speed/docs/insights/v5/reference/pagespeedapi/runpagespeed):

    GET /v5/runPagespeed?url=<page>&strategy=mobile|desktop&category=performance
    -> {"id", "kind": "pagespeedonline#result", "analysisUTCTimestamp",
        "loadingExperience": {"metrics": {KEY: {"percentile", "distributions", "category"}},
                              "overall_category", "initial_url"},
        "originLoadingExperience": {...},
        "lighthouseResult": {"requestedUrl", "finalUrl", "lighthouseVersion", "fetchTime",
                             "runtimeError": {"code", "message"},
                             "audits": {id: {"score", "numericValue", "numericUnit", ...}},
                             "categories": {"performance": {"score"}}}}

Lab figures come from Lighthouse audits (`largest-contentful-paint`,
`cumulative-layout-shift`, `first-contentful-paint`, `server-response-time`,
`total-blocking-time`; numericValue in ms, CLS unitless). Field figures are
the CrUX 75th percentiles in `loadingExperience.metrics`
(`LARGEST_CONTENTFUL_PAINT_MS`, `INTERACTION_TO_NEXT_PAINT`,
`CUMULATIVE_LAYOUT_SHIFT_SCORE`, `FIRST_CONTENTFUL_PAINT_MS`,
`EXPERIMENTAL_TIME_TO_FIRST_BYTE`); the CLS percentile is CLS x 100, and a page
without enough Chrome traffic has no field data at all.

The API key goes in the `X-Goog-Api-Key` header (accepted by every Google API
instead of `?key=`), so it never appears in a URL, a proxy log or the sandbox
request log. When Lighthouse cannot measure a page it still answers 200 with
`runtimeError` and a null score: that is a bad row for the quarantine, not a
malformed answer. An answer without `lighthouseResult` is malformed.
"""

from __future__ import annotations

from typing import Any

import requests

from journey_assets.connectors.google_api import google_error_reason
from journey_assets.connectors.http import MalformedResponseError, VendorClient

STRATEGIES = ("mobile", "desktop")
LAB_AUDITS = {
    "largest-contentful-paint": "lab_lcp_ms",
    "cumulative-layout-shift": "lab_cls",
    "first-contentful-paint": "lab_fcp_ms",
    "server-response-time": "lab_ttfb_ms",
    "total-blocking-time": "lab_tbt_ms",
}
FIELD_METRICS = {
    "LARGEST_CONTENTFUL_PAINT_MS": "field_lcp_p75_ms",
    "INTERACTION_TO_NEXT_PAINT": "field_inp_p75_ms",
    "CUMULATIVE_LAYOUT_SHIFT_SCORE": "field_cls_p75",
    "FIRST_CONTENTFUL_PAINT_MS": "field_fcp_p75_ms",
    "EXPERIMENTAL_TIME_TO_FIRST_BYTE": "field_ttfb_p75_ms",
}
CLS_PERCENTILE_SCALE = 100.0


class PageSpeedClient(VendorClient):
    vendor = "pagespeed"

    def __init__(self, base_url: str, api_key: str = "", **kwargs: Any):
        kwargs.setdefault("timeout", 120.0)  # a Lighthouse run takes 10-60 s
        super().__init__(base_url, headers={"X-Goog-Api-Key": api_key} if api_key else None, **kwargs)

    def error_reason(self, response: requests.Response) -> str:
        return google_error_reason(response)

    def run(self, url: str, strategy: str = "mobile") -> dict[str, Any]:
        """One Lighthouse run of `url`, flattened: score 0..1, lab and field figures, and any runtime error."""
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}")
        path = "/v5/runPagespeed"
        payload = self.get_json(path, params={"url": url, "strategy": strategy, "category": "performance"})
        lighthouse = payload.get("lighthouseResult") if isinstance(payload, dict) else None
        if not isinstance(lighthouse, dict):
            raise MalformedResponseError(self.vendor, f"{path}?url={url}: the answer has no lighthouseResult")
        audits = lighthouse.get("audits") or {}
        if not isinstance(audits, dict):
            raise MalformedResponseError(self.vendor, f"{path}?url={url}: audits is not an object")
        performance = (lighthouse.get("categories") or {}).get("performance") or {}
        runtime_error = lighthouse.get("runtimeError") or {}
        field = (payload.get("loadingExperience") or {}).get("metrics") or {}
        record: dict[str, Any] = {
            "requested_url": lighthouse.get("requestedUrl") or url,
            "final_url": lighthouse.get("finalUrl"),
            "strategy": strategy,
            "performance_score": performance.get("score"),
            "lighthouse_version": lighthouse.get("lighthouseVersion"),
            "fetch_time": lighthouse.get("fetchTime"),
            "runtime_error": (
                f"{runtime_error.get('code')}: {runtime_error.get('message', '')}".strip()
                if runtime_error.get("code") and runtime_error.get("code") != "NO_ERROR"
                else None
            ),
            "field_overall_category": (payload.get("loadingExperience") or {}).get("overall_category"),
        }
        for audit, column in LAB_AUDITS.items():
            record[column] = (audits.get(audit) or {}).get("numericValue")
        for metric, column in FIELD_METRICS.items():
            percentile = (field.get(metric) or {}).get("percentile")
            if percentile is not None and metric == "CUMULATIVE_LAYOUT_SHIFT_SCORE":
                percentile = percentile / CLS_PERCENTILE_SCALE
            record[column] = percentile
        return record
