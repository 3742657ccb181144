"""PageSpeed Insights API v5 (`pagespeedapi.runpagespeed`), served from world.site_performance.

Reference (stored copy via the search tool): developers.google.com/speed/docs/insights/v5/reference/
pagespeedapi/runpagespeed (request parameters and the response structure: loadingExperience,
originLoadingExperience, lighthouseResult with audits, categories, runtimeError).

    GET /v5/runPagespeed?url=<page>&strategy=mobile|desktop&category=performance
    -> {"captchaResult", "kind": "pagespeedonline#result", "id", "analysisUTCTimestamp",
        "loadingExperience": {"id", "metrics": {KEY: {"percentile", "category"}}, "overall_category", "initial_url"},
        "originLoadingExperience": {...},
        "lighthouseResult": {"requestedUrl", "finalUrl", "lighthouseVersion", "fetchTime", "configSettings",
                             "audits": {id: {"id", "title", "score", "numericValue", "numericUnit", "displayValue"}},
                             "categories": {"performance": {"id", "title", "score"}}}}

What the fake reproduces: `strategy` defaulting to desktop, `url` required
(400 INVALID_ARGUMENT without it), categories limited to the ones asked for
(performance by default), lab audits (LCP, CLS, FCP, server response time) in
ms or unitless, CrUX field percentiles with FAST/AVERAGE/SLOW categories and
the CLS percentile as CLS x 100. Distributions are left out (the world has no
histograms). An API key is optional, as on the live API.

Which world row answers a URL: the row with that exact url and strategy; else
the rooftop whose website host serves it, with the page template read from the
path (`/` home, a VIN or vehicle uuid in the path vehicle-detail, anything else
search-results). A URL on no rooftop's host is answered like Lighthouse's
FAILED_DOCUMENT_REQUEST, as a 400 so the sandbox does not make the client retry.
Fault `partial` answers 200 with a Lighthouse `runtimeError` (NO_FCP) and a null
score, as PSI does when it cannot measure a page.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from journey_assets.sandbox.fakes.ga4 import google_error
from journey_assets.sandbox.server import FakeVendor, SandboxRequest, SandboxResponse, route

LIGHTHOUSE_VERSION = "12.8.2"
TEMPLATES = {
    "home": "home",
    "homepage": "home",
    "hp": "home",
    "srp": "search_results",
    "search": "search_results",
    "search_results": "search_results",
    "search-results": "search_results",
    "inventory": "search_results",
    "vdp": "vehicle_detail",
    "vehicle_detail": "vehicle_detail",
    "vehicle-detail": "vehicle_detail",
    "detail": "vehicle_detail",
}
VIN_OR_UUID = re.compile(
    r"[A-HJ-NPR-Z0-9]{17}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)
# Core Web Vitals thresholds (good, needs improvement) for the FAST/AVERAGE/SLOW categories.
THRESHOLDS = {
    "LARGEST_CONTENTFUL_PAINT_MS": (2500, 4000),
    "INTERACTION_TO_NEXT_PAINT": (200, 500),
    "CUMULATIVE_LAYOUT_SHIFT_SCORE": (10, 25),
    "FIRST_CONTENTFUL_PAINT_MS": (1800, 3000),
    "EXPERIMENTAL_TIME_TO_FIRST_BYTE": (800, 1800),
}


def template_of(path: str) -> str:
    path = path.rstrip("/")
    if path in ("", "/index.htm", "/index.html"):
        return "home"
    if VIN_OR_UUID.search(path):
        return "vehicle_detail"
    return "search_results"


def _host(url: str) -> str:
    return urlsplit(url if "://" in url else f"https://{url}").netloc.lower().removeprefix("www.")


def _category(metric: str, value: float) -> str:
    good, okay = THRESHOLDS[metric]
    return "FAST" if value <= good else ("AVERAGE" if value <= okay else "SLOW")


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.1f}\u00a0s"


class PageSpeedFake(FakeVendor):
    name = "pagespeed"

    def __init__(self, world: Any):
        super().__init__(world)
        # A first load asks for the same pages every day of the history: each (url, strategy) is looked up
        # once per version of the world's tables.
        self._rows: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._tables: tuple[pd.DataFrame, pd.DataFrame] | None = None
        self._lock = threading.Lock()

    def _row(self, url: str, strategy: str) -> dict[str, Any] | None:
        tables = (self.world.table("site_performance"), self.world.table("rooftops"))
        with self._lock:
            if self._tables is None or any(a is not b for a, b in zip(self._tables, tables, strict=True)):
                self._tables, self._rows = tables, {}
            if (url, strategy) in self._rows:
                row = self._rows[(url, strategy)]
                return None if row is None else dict(row)
        row = self._lookup(url, strategy)
        with self._lock:
            self._rows[(url, strategy)] = row
        return None if row is None else dict(row)

    def _lookup(self, url: str, strategy: str) -> dict[str, Any] | None:
        perf = self.world.table("site_performance")
        perf = perf[perf["strategy"].astype(str).str.lower() == strategy]
        exact = perf[perf["url"].astype(str).str.rstrip("/") == url.rstrip("/")]
        if not exact.empty:
            return exact.iloc[0].to_dict()
        host = _host(url)
        rooftops = self.world.table("rooftops")
        dealer = rooftops[rooftops["website"].astype(str).map(_host) == host]
        if dealer.empty:
            hosts = perf["url"].astype(str).map(_host)
            dealer_ids = set(perf.loc[hosts == host, "dealer_id"])
        else:
            dealer_ids = set(dealer["dealer_id"])
        if not dealer_ids:
            return None
        wanted = template_of(urlsplit(url if "://" in url else f"https://{url}").path)
        mine = perf[perf["dealer_id"].isin(dealer_ids)]
        canonical = mine["template"].astype(str).str.lower().map(lambda t: TEMPLATES.get(t, t))
        match = mine[canonical == wanted]
        return None if match.empty else match.iloc[0].to_dict()

    @route("GET", r"/v5/runPagespeed")
    def run_pagespeed(self, request: SandboxRequest) -> SandboxResponse:
        url = request.arg("url")
        if not url:
            return google_error(400, "INVALID_ARGUMENT", "Invalid value at 'url' (TYPE_STRING), \"\"")
        strategy = (request.arg("strategy") or "desktop").lower()
        if strategy not in ("mobile", "desktop"):
            return google_error(400, "INVALID_ARGUMENT", f"Invalid value at 'strategy', \"{strategy}\"")
        categories = [c.lower().replace("_", "-") for c in request.query.get("category", [])] or ["performance"]
        row = self._row(url, strategy)
        if row is None:
            return google_error(
                400,
                "INVALID_ARGUMENT",
                "Lighthouse returned error: FAILED_DOCUMENT_REQUEST. Lighthouse was unable to reliably load the page "
                "you requested. Make sure you are testing the correct URL and that the server is properly responding "
                "to all requests. (Details: net::ERR_NAME_NOT_RESOLVED)",
            )
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        lcp, cls, fcp, ttfb = (float(row[k]) for k in ("lcp_ms", "cls", "fcp_ms", "ttfb_ms"))
        inp = float(row["inp_ms"]) if pd.notna(row.get("inp_ms")) else None
        score = float(row["performance_score"])
        score = score / 100 if score > 1 else score  # the world may keep 0..100; Lighthouse reports 0..1
        field_values = {
            "LARGEST_CONTENTFUL_PAINT_MS": round(lcp),
            "CUMULATIVE_LAYOUT_SHIFT_SCORE": round(cls * 100),
            "FIRST_CONTENTFUL_PAINT_MS": round(fcp),
            "EXPERIMENTAL_TIME_TO_FIRST_BYTE": round(ttfb),
        }
        if inp is not None:
            field_values["INTERACTION_TO_NEXT_PAINT"] = round(inp)
        metrics = {key: {"percentile": value, "category": _category(key, value)} for key, value in field_values.items()}
        worst = (
            "SLOW"
            if any(m["category"] == "SLOW" for m in metrics.values())
            else ("AVERAGE" if any(m["category"] == "AVERAGE" for m in metrics.values()) else "FAST")
        )
        experience = {"id": url, "metrics": metrics, "overall_category": worst, "initial_url": url}
        origin = f"{urlsplit(url).scheme or 'https'}://{urlsplit(url).netloc}"
        audits = {
            "largest-contentful-paint": self._audit(
                "largest-contentful-paint", "Largest Contentful Paint", lcp, "millisecond", _seconds(lcp)
            ),
            "cumulative-layout-shift": self._audit(
                "cumulative-layout-shift", "Cumulative Layout Shift", cls, "unitless", f"{cls:.3f}"
            ),
            "first-contentful-paint": self._audit(
                "first-contentful-paint", "First Contentful Paint", fcp, "millisecond", _seconds(fcp)
            ),
            "server-response-time": self._audit(
                "server-response-time",
                "Initial server response time was short",
                ttfb,
                "millisecond",
                f"Root document took {round(ttfb)}\u00a0ms",
            ),
        }
        lighthouse: dict[str, Any] = {
            "requestedUrl": url,
            "finalUrl": url,
            "mainDocumentUrl": url,
            "lighthouseVersion": LIGHTHOUSE_VERSION,
            "fetchTime": now,
            "configSettings": {
                "emulatedFormFactor": strategy,
                "formFactor": strategy,
                "locale": "en-US",
                "onlyCategories": categories,
                "channel": "lr",
            },
            "audits": audits,
            "categories": {
                c: {"id": c, "title": c.replace("-", " ").title(), "score": score if c == "performance" else None}
                for c in categories
            },
        }
        if request.fault == "partial":
            lighthouse["runtimeError"] = {
                "code": "NO_FCP",
                "message": "The page did not paint any content. Please ensure you keep the browser window in the "
                "foreground during the load and try again. (NO_FCP)",
            }
            lighthouse["audits"] = {
                k: {**{x: v for x, v in a.items() if x not in ("numericValue", "displayValue")}, "score": None}
                for k, a in audits.items()
            }
            for category in lighthouse["categories"].values():
                category["score"] = None
        return SandboxResponse(
            body={
                "captchaResult": "CAPTCHA_NOT_NEEDED",
                "kind": "pagespeedonline#result",
                "id": url,
                "loadingExperience": experience,
                "originLoadingExperience": {**experience, "id": origin, "initial_url": origin},
                "lighthouseResult": lighthouse,
                "analysisUTCTimestamp": now,
            }
        )

    @staticmethod
    def _audit(audit_id: str, title: str, value: float, unit: str, display: str) -> dict[str, Any]:
        # Lighthouse's per-audit 0..1 score curve is not modelled, so the audit carries no score.
        return {
            "id": audit_id,
            "title": title,
            "scoreDisplayMode": "numeric",
            "numericValue": value,
            "numericUnit": unit,
            "displayValue": display,
        }
