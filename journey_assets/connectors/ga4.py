"""Google Analytics 4 Data API client (`properties.runReport`).

Wire format (developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runReport and
.../v1beta/RunReportResponse):

    POST /v1beta/properties/{property_id}:runReport
        {"dateRanges": [{"startDate", "endDate"}], "dimensions": [{"name"}], "metrics": [{"name"}],
         "limit": "10000", "offset": "0"}
    -> {"dimensionHeaders": [{"name"}], "metricHeaders": [{"name", "type"}],
        "rows": [{"dimensionValues": [{"value"}], "metricValues": [{"value"}]}],
        "rowCount": 175, "metadata": {...}, "kind": "analyticsData#runReport"}

`rowCount` is the size of the whole result, independent of `limit` and `offset`;
`limit` defaults to 10,000 and the API returns at most 250,000 rows a request,
so a report is paged with `offset` until `rowCount` rows were read. Values are
strings; the `date` dimension is `YYYYMMDD` in the property's time zone. An
empty report omits `rows` and `rowCount` (proto3 JSON drops defaults).

Since 2024 GA4 calls conversions "key events": the metric is `keyEvents`.

Every page is checked: headers must be the ones asked for, a page must hold
`min(limit, rowCount - offset)` rows, and `rowCount` must not change while
paging (GA4 keeps processing recent days; an offset into a moving report skips
or repeats rows). Any of these fails the run with `MalformedResponseError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import requests

from journey_assets.connectors.google_api import google_error_reason
from journey_assets.connectors.http import MalformedResponseError, VendorClient, require

ANALYTICS_READONLY = "https://www.googleapis.com/auth/analytics.readonly"
MAX_LIMIT = 250_000
DEFAULT_LIMIT = 10_000


@dataclass(frozen=True)
class Report:
    """A GA4 report we load: GA4 dimension/metric names mapped to our column names."""

    name: str
    dimensions: Mapping[str, str]
    metrics: Mapping[str, str]


SESSIONS_REPORT = Report(
    "sessions",
    dimensions={
        "date": "date_day",
        "sessionDefaultChannelGroup": "channel_group",
        "sessionSource": "source",
        "sessionMedium": "medium",
        "sessionCampaignId": "campaign_id",
        "deviceCategory": "device_category",
    },
    metrics={
        "sessions": "sessions",
        "engagedSessions": "engaged_sessions",
        "screenPageViews": "screen_page_views",
        "keyEvents": "key_events",
    },
)
EVENTS_REPORT = Report(
    "events",
    dimensions={"date": "date_day", "eventName": "event_name", "pagePath": "page_path"},
    metrics={"eventCount": "event_count"},
)


# MetricType (developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/MetricType): every
# type but TYPE_INTEGER is a decimal number (seconds, milliseconds, currency, distances, standard, float).
INTEGER_TYPE = "TYPE_INTEGER"
DECIMAL_TYPES = frozenset(
    {
        "TYPE_FLOAT",
        "TYPE_SECONDS",
        "TYPE_MILLISECONDS",
        "TYPE_MINUTES",
        "TYPE_HOURS",
        "TYPE_STANDARD",
        "TYPE_CURRENCY",
        "TYPE_FEET",
        "TYPE_MILES",
        "TYPE_METERS",
        "TYPE_KILOMETERS",
    }
)


def parse_metric(value: Any, metric_type: str | None) -> Any:
    """A metric value (a string on the wire) by its header type; an unparseable value passes through for the rules.

    TYPE_INTEGER must be a whole number ("1.5" stays a string and is quarantined); the decimal types are floats
    (keyEvents is TYPE_FLOAT: fractional key events are real). An unknown type is read as a decimal.
    """
    text = str(value).strip() if value is not None else ""
    try:
        return int(text) if metric_type == INTEGER_TYPE else float(text)
    except ValueError:
        return value


def parse_ga4_date(value: str) -> date | str:
    """`YYYYMMDD` as a date; anything else is returned as is for the quality gate to reject."""
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8])) if len(value) == 8 else value
    except (TypeError, ValueError):
        return value


class GA4Client(VendorClient):
    vendor = "ga4"

    def __init__(self, base_url: str, *, auth: requests.auth.AuthBase, page_size: int = DEFAULT_LIMIT, **kwargs: Any):
        super().__init__(base_url, auth=auth, **kwargs)
        if not 1 <= page_size <= MAX_LIMIT:
            raise ValueError(f"GA4 page_size must be 1..{MAX_LIMIT}")
        self.page_size = page_size
        self.last_metadata: dict[str, Any] = {}
        self.last_metric_types: dict[str, str] = {}  # metricHeaders[].type of the report being read

    def error_reason(self, response: requests.Response) -> str:
        return google_error_reason(response)

    def run_report(
        self, property_id: str, start: date, end: date, dimensions: Sequence[str], metrics: Sequence[str]
    ) -> Iterator[dict[str, str]]:
        """Every row of the report as {GA4 name: string value}, paged by offset until rowCount rows were read."""
        property_id = str(property_id).removeprefix("properties/")
        path = f"/v1beta/properties/{property_id}:runReport"
        offset, total = 0, None
        while True:
            body = {
                "dateRanges": [{"startDate": start.isoformat(), "endDate": end.isoformat()}],
                "dimensions": [{"name": d} for d in dimensions],
                "metrics": [{"name": m} for m in metrics],
                "limit": str(self.page_size),
                "offset": str(offset),
            }
            payload = self.post_json(path, json=body)
            if not isinstance(payload, dict):
                raise MalformedResponseError(self.vendor, f"{path}: expected a JSON object")
            self._check_headers(payload, path, dimensions, metrics)
            rows = payload.get("rows", [])
            page_total = int(payload.get("rowCount", 0))
            if total is None:
                total = page_total
            elif page_total != total:
                raise MalformedResponseError(
                    self.vendor,
                    f"{path}: rowCount moved from {total} to {page_total} while paging; rerun the partition",
                )
            expected = min(self.page_size, max(total - offset, 0))
            held = len(rows) if isinstance(rows, list) else None
            if held != expected:
                # A short page means rows were lost on the way: loading it would undercount the day.
                raise MalformedResponseError(
                    self.vendor, f"{path} offset {offset} held {held} rows, expected {expected} of {total}"
                )
            for row in rows:
                yield self._row(row, path, dimensions, metrics)
            self.last_metadata = payload.get("metadata", {}) or {}
            offset += len(rows)
            if offset >= total or not rows:
                return

    def report(self, report: Report, property_id: str, start: date, end: date) -> Iterator[dict[str, Any]]:
        """The report's rows in our column names: `date_day` as a date, metrics as numbers."""
        for row in self.run_report(property_id, start, end, list(report.dimensions), list(report.metrics)):
            record: dict[str, Any] = {column: row[name] for name, column in report.dimensions.items()}
            types = self.last_metric_types
            record.update({column: parse_metric(row[name], types.get(name)) for name, column in report.metrics.items()})
            if "date" in report.dimensions:
                record[report.dimensions["date"]] = parse_ga4_date(row["date"])
            yield record

    def _check_headers(self, payload: dict, path: str, dimensions: Sequence[str], metrics: Sequence[str]) -> None:
        got_dims = [h.get("name") for h in require(payload, "dimensionHeaders", self.vendor, path)]
        metric_headers = require(payload, "metricHeaders", self.vendor, path)
        got_metrics = [h.get("name") for h in metric_headers]
        self.last_metric_types = {h.get("name"): h.get("type") for h in metric_headers}
        if got_dims != list(dimensions) or got_metrics != list(metrics):
            asked = list(dimensions) + list(metrics)
            raise MalformedResponseError(
                self.vendor, f"{path}: headers {got_dims + got_metrics} do not match the request {asked}"
            )

    def _row(self, row: Any, path: str, dimensions: Sequence[str], metrics: Sequence[str]) -> dict[str, str]:
        dims = row.get("dimensionValues") if isinstance(row, dict) else None
        mets = row.get("metricValues") if isinstance(row, dict) else None
        if (
            not isinstance(dims, list)
            or not isinstance(mets, list)
            or len(dims) != len(dimensions)
            or len(mets) != len(metrics)
        ):
            raise MalformedResponseError(self.vendor, f"{path}: a row does not match its headers: {str(row)[:200]}")
        values = {name: cell.get("value") for name, cell in zip(dimensions, dims, strict=True)}
        values.update({name: cell.get("value") for name, cell in zip(metrics, mets, strict=True)})
        return values
