"""Google Analytics 4 Data API (`properties.runReport`), served from the world's web sessions and events.

Reference: developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runReport,
.../v1beta/RunReportResponse and .../v1beta/Row (stored copies via the search tool).

    POST /v1beta/properties/{property_id}:runReport
        {"dateRanges": [{"startDate": "2026-11-22" | "yesterday" | "NdaysAgo" | "today", "endDate": ...}],
         "dimensions": [{"name"}], "metrics": [{"name"}], "limit": "10000", "offset": "0"}
    -> {"dimensionHeaders": [{"name"}], "metricHeaders": [{"name", "type": "TYPE_INTEGER"}],
        "rows": [{"dimensionValues": [{"value"}], "metricValues": [{"value"}]}], "rowCount": N,
        "metadata": {"currencyCode": "USD", "timeZone": ...}, "kind": "analyticsData#runReport"}

What the fake reproduces: values as strings, `date` as YYYYMMDD, `(not set)` /
`(direct)` / `(none)` for missing values, `rowCount` independent of
limit/offset, limit default 10,000 and capped at 250,000, `rows` and `rowCount`
omitted from an empty report, Google's error object
(`{"error": {"code", "message", "status"}}`) for a bad request, an unknown
property (403 PERMISSION_DENIED) or a missing bearer (401 UNAUTHENTICATED).
Any bearer token is accepted. Rows come sorted by their dimension values, so
offsets are stable between pages.

Served dimensions and metrics (one property = one rooftop, `rooftops.ga4_property_id`):
    session scope (world.web_sessions): date, sessionDefaultChannelGroup, sessionSource,
        sessionMedium, sessionCampaignId, deviceCategory, landingPage /
        sessions, engagedSessions, screenPageViews, keyEvents (and the deprecated
        alias conversions), totalUsers
    event scope (world.web_events): date, eventName, pagePath / eventCount, totalUsers
Mixing the scopes is answered with GA4's incompatibility error. Fault
`partial` returns half of a page's rows while rowCount still counts them all.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from datetime import date, timedelta
from typing import Any

import pandas as pd

from journey_assets.sandbox.server import FakeVendor, SandboxRequest, SandboxResponse, route

DEFAULT_LIMIT = 10_000
MAX_LIMIT = 250_000
NOT_SET = "(not set)"

# The world's channel names -> GA4's default channel group labels.
CHANNEL_GROUPS = {
    "organic_search": "Organic Search",
    "organic": "Organic Search",
    "seo": "Organic Search",
    "paid_search": "Paid Search",
    "sem": "Paid Search",
    "cpc": "Paid Search",
    "google_ads": "Paid Search",
    "paid_social": "Paid Social",
    "meta": "Paid Social",
    "facebook": "Paid Social",
    "organic_social": "Organic Social",
    "social": "Organic Social",
    "direct": "Direct",
    "referral": "Referral",
    "email": "Email",
    "sms": "SMS",
    "display": "Display",
    "video": "Organic Video",
    "affiliates": "Affiliates",
    "third_party": "Referral",
}

SESSION_DIMENSIONS = {
    "date",
    "sessionDefaultChannelGroup",
    "sessionSource",
    "sessionMedium",
    "sessionCampaignId",
    "deviceCategory",
    "landingPage",
}
SESSION_METRICS = {"sessions", "engagedSessions", "screenPageViews", "keyEvents", "conversions", "totalUsers"}
EVENT_DIMENSIONS = {"date", "eventName", "pagePath"}
EVENT_METRICS = {"eventCount", "totalUsers"}

# developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/MetricType
METRIC_TYPES = {"keyEvents": "TYPE_FLOAT", "engagementRate": "TYPE_FLOAT", "averageSessionDuration": "TYPE_SECONDS"}


def google_error(code: int, status: str, message: str) -> SandboxResponse:
    return SandboxResponse(code, {"error": {"code": code, "message": message, "status": status}})


def header(request: SandboxRequest, name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in request.headers.items() if k.lower() == lowered), None)


def bearer_missing(request: SandboxRequest) -> SandboxResponse | None:
    value = header(request, "Authorization") or ""
    if not value.startswith("Bearer ") or not value[7:].strip():
        return google_error(
            401,
            "UNAUTHENTICATED",
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie "
            "or other valid authentication credential.",
        )
    return None


def channel_group(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return "Unassigned"
    key = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    return CHANNEL_GROUPS.get(key, str(value).replace("_", " ").title())


def _text(values: pd.Series, missing: str) -> pd.Series:
    return values.astype("object").where(values.notna() & (values.astype("string") != ""), missing).astype(str)


class GA4Fake(FakeVendor):
    name = "ga4"

    def __init__(self, world: Any):
        super().__init__(world)
        self._lock = threading.Lock()
        self._frames: dict[tuple[str, str], pd.DataFrame] = {}
        self._reports: OrderedDict[tuple, tuple[list[str], list[list[str]], list[list[str]]]] = OrderedDict()

    # --- world access ------------------------------------------------------
    def _rooftop(self, property_id: str) -> dict | None:
        rooftops = self.world.table("rooftops")
        if "ga4_property_id" not in rooftops.columns:
            return None
        ids = rooftops["ga4_property_id"].astype(str).str.removeprefix("properties/")
        match = rooftops[ids == property_id]
        return None if match.empty else match.iloc[0].to_dict()

    def _sessions(self, dealer_id: str) -> pd.DataFrame:
        key = ("sessions", dealer_id)
        with self._lock:
            if key not in self._frames:
                table = self.world.table("web_sessions")
                s = table[table["dealer_id"] == dealer_id]
                day = pd.to_datetime(s["date"]) if "date" in s.columns else pd.to_datetime(s["started_at"])
                self._frames[key] = pd.DataFrame(
                    {
                        "date": day.dt.strftime("%Y%m%d").to_numpy(),
                        "sessionDefaultChannelGroup": s["channel"].map(channel_group).to_numpy(),
                        "sessionSource": _text(s["source"], "(direct)").to_numpy(),
                        "sessionMedium": _text(s["medium"], "(none)").to_numpy(),
                        "sessionCampaignId": _text(s["campaign_id"], NOT_SET).to_numpy(),
                        "deviceCategory": _text(s["device_category"], NOT_SET).str.lower().to_numpy(),
                        "landingPage": _text(s["landing_page"], NOT_SET).to_numpy(),
                        "sessions": 1,
                        "engagedSessions": s["engaged"].fillna(False).astype(int).to_numpy(),
                        "screenPageViews": s["pageviews"].fillna(0).astype(int).to_numpy(),
                        "keyEvents": s["converted"].fillna(False).astype(int).to_numpy(),
                        "client_id": s["client_id"].astype(str).to_numpy(),
                    }
                )
                self._frames[key]["conversions"] = self._frames[key]["keyEvents"]
            return self._frames[key]

    def _events(self, dealer_id: str, timezone: str | None) -> pd.DataFrame:
        key = ("events", dealer_id)
        with self._lock:
            if key not in self._frames:
                table = self.world.table("web_events")
                e = table[table["dealer_id"] == dealer_id]
                ts = pd.to_datetime(e["event_ts"])
                if ts.dt.tz is not None and timezone:
                    ts = ts.dt.tz_convert(timezone)  # GA4 reports days in the property's time zone
                self._frames[key] = pd.DataFrame(
                    {
                        "date": ts.dt.strftime("%Y%m%d").to_numpy(),
                        "eventName": _text(e["event_name"], NOT_SET).to_numpy(),
                        "pagePath": _text(e["page_path"], NOT_SET).to_numpy(),
                        "eventCount": 1,
                        "client_id": e["client_id"].astype(str).to_numpy(),
                    }
                )
            return self._frames[key]

    # --- request parsing ----------------------------------------------------
    def _day(self, value: Any) -> date:
        today = self.world.as_of
        if value == "today":
            return today
        if value == "yesterday":
            return today - timedelta(days=1)
        match = re.fullmatch(r"(\d+)daysAgo", str(value))
        if match:
            return today - timedelta(days=int(match.group(1)))
        return date.fromisoformat(str(value))

    @route("POST", r"/v1beta/properties/(?P<property_id>[^/:]+):runReport")
    def run_report(self, request: SandboxRequest) -> SandboxResponse:
        if denied := bearer_missing(request):
            return denied
        property_id = request.params["property_id"]
        rooftop = self._rooftop(property_id)
        if rooftop is None:
            return google_error(
                403,
                "PERMISSION_DENIED",
                "User does not have sufficient permissions for this property. "
                "To learn more about Property ID, see https://developers.google.com/analytics/devguides/reporting/data/v1/property-id.",
            )
        try:
            body = request.json() or {}
            ranges = body.get("dateRanges") or []
            if len(ranges) != 1:
                raise ValueError("the sandbox serves exactly one dateRange per request")
            start, end = self._day(ranges[0]["startDate"]), self._day(ranges[0]["endDate"])
            dimensions = [d["name"] for d in body.get("dimensions", [])]
            metrics = [m["name"] for m in body.get("metrics", [])]
            limit = int(body.get("limit", DEFAULT_LIMIT))
            offset = int(body.get("offset", 0))
        except (KeyError, TypeError, ValueError) as exc:
            return google_error(400, "INVALID_ARGUMENT", f"Invalid request: {exc}")
        if not metrics:
            return google_error(400, "INVALID_ARGUMENT", "At least one metric is required.")
        if end < start:
            return google_error(400, "INVALID_ARGUMENT", f"The dateRange endDate {end} is before startDate {start}.")
        if limit <= 0 or offset < 0:
            return google_error(400, "INVALID_ARGUMENT", "limit must be positive and offset must not be negative.")
        limit = min(limit, MAX_LIMIT)
        if len(dimensions) > 9 or len(metrics) > 10:
            return google_error(400, "INVALID_ARGUMENT", "Requests are limited to 9 dimensions and 10 metrics.")

        if set(dimensions) <= SESSION_DIMENSIONS and set(metrics) <= SESSION_METRICS:
            scope = "sessions"
        elif set(dimensions) <= EVENT_DIMENSIONS and set(metrics) <= EVENT_METRICS:
            scope = "events"
        else:
            known = SESSION_DIMENSIONS | EVENT_DIMENSIONS | SESSION_METRICS | EVENT_METRICS
            unknown = [f for f in dimensions + metrics if f not in known]
            if unknown:
                return google_error(400, "INVALID_ARGUMENT", f"Field {unknown[0]} is not a valid dimension or metric.")
            odd = next(
                (f for f in dimensions + metrics if f in (EVENT_DIMENSIONS - {"date"}) | {"eventCount"}),
                (dimensions + metrics)[-1],
            )
            return google_error(
                400,
                "INVALID_ARGUMENT",
                f"Please remove {odd} to make the request compatible. "
                "The request's dimensions & metrics are incompatible.",
            )

        key = (property_id, scope, tuple(dimensions), tuple(metrics), start, end)
        with self._lock:
            cached = self._reports.get(key)
        if cached is None:
            cached = self._build(rooftop, scope, dimensions, metrics, start, end)
            with self._lock:
                self._reports[key] = cached
                while len(self._reports) > 64:
                    self._reports.popitem(last=False)
        _, dim_values, metric_values = cached
        total = len(dim_values)
        window = range(offset, min(offset + limit, total))
        rows = [
            {
                "dimensionValues": [{"value": v} for v in dim_values[i]],
                "metricValues": [{"value": v} for v in metric_values[i]],
            }
            for i in window
        ]
        if request.fault == "partial" and rows:
            rows = rows[: len(rows) // 2]
        payload: dict[str, Any] = {
            "dimensionHeaders": [{"name": d} for d in dimensions],
            # GA4's own header types (MetricType): keyEvents is TYPE_FLOAT, counts are TYPE_INTEGER.
            "metricHeaders": [{"name": m, "type": METRIC_TYPES.get(m, "TYPE_INTEGER")} for m in metrics],
        }
        if rows:
            payload["rows"] = rows
        if total:
            payload["rowCount"] = total
        payload["metadata"] = {"currencyCode": "USD", "timeZone": rooftop.get("timezone") or "America/Chicago"}
        payload["kind"] = "analyticsData#runReport"
        return SandboxResponse(body=payload)

    def _build(self, rooftop: dict, scope: str, dimensions: list[str], metrics: list[str], start: date, end: date):
        dealer_id = rooftop["dealer_id"]
        frame = self._sessions(dealer_id) if scope == "sessions" else self._events(dealer_id, rooftop.get("timezone"))
        lo, hi = start.strftime("%Y%m%d"), end.strftime("%Y%m%d")
        frame = frame[(frame["date"] >= lo) & (frame["date"] <= hi)]
        if frame.empty:
            return dimensions, [], []
        sums = [m for m in metrics if m != "totalUsers"]
        if dimensions:
            grouped = frame.groupby(dimensions, sort=True)
            result = grouped[sums].sum() if sums else pd.DataFrame(index=grouped.size().index)
            if "totalUsers" in metrics:
                result["totalUsers"] = grouped["client_id"].nunique()
            result = result.reset_index()
        else:
            result = pd.DataFrame(
                [
                    {
                        **{m: frame[m].sum() for m in sums},
                        **({"totalUsers": frame["client_id"].nunique()} if "totalUsers" in metrics else {}),
                    }
                ]
            )
        dim_values = result[dimensions].astype(str).values.tolist() if dimensions else [[] for _ in range(len(result))]
        metric_values = result[metrics].astype("int64").astype(str).values.tolist()
        return dimensions, dim_values, metric_values
