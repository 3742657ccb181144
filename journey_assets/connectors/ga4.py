"""Google Analytics 4 Data API client (`properties.runReport`), and the OAuth bearer every Google connector uses.

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

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import requests

from journey_assets.connectors.http import (
    MalformedResponseError,
    PermanentVendorError,
    TransientVendorError,
    VendorClient,
    require,
)

ANALYTICS_READONLY = "https://www.googleapis.com/auth/analytics.readonly"
MAX_LIMIT = 250_000
DEFAULT_LIMIT = 10_000


# --- Google OAuth --------------------------------------------------------------------------------
class GoogleBearerAuth(requests.auth.AuthBase):
    """`Authorization: Bearer <token>` from google-auth credentials, refreshed when expired.

    Shared by the Google connectors (GA4, Google Ads, Business Profile). With a
    static `token` (the sandbox, or a token minted elsewhere) nothing is refreshed.
    Refresh failures map to the connector error classes: a refused grant is
    permanent (fix the credentials), a transport failure is transient.
    """

    def __init__(self, vendor: str, *, credentials: Any = None, token: str = ""):
        if credentials is None and not token:
            raise ValueError(f"{vendor}: either google-auth credentials or a bearer token is required")
        self.vendor = vendor
        self.credentials = credentials
        self.token = token
        self._lock = threading.Lock()

    def bearer(self) -> str:
        if self.credentials is None:
            return self.token
        import google.auth.exceptions
        import google.auth.transport.requests

        with self._lock:
            if not self.credentials.valid:
                try:
                    self.credentials.refresh(google.auth.transport.requests.Request())
                except google.auth.exceptions.TransportError as exc:
                    raise TransientVendorError(self.vendor, f"OAuth token refresh unreachable: {type(exc).__name__}") from exc
                except google.auth.exceptions.RefreshError as exc:
                    # The grant was refused (revoked, wrong client, missing scope): retrying will not help.
                    raise PermanentVendorError(self.vendor, "OAuth token refresh refused", reason=str(exc)[:300]) from exc
            return self.credentials.token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.bearer()}"
        return request


def google_auth(
    vendor: str,
    scopes: Sequence[str],
    *,
    access_token: str = "",
    refresh_token: str = "",
    client_id: str = "",
    client_secret: str = "",
) -> GoogleBearerAuth:
    """The bearer for a Google API, in order of preference:

    1. `access_token`: used as is (the sandbox accepts any bearer);
    2. `refresh_token` + `client_id` + `client_secret`: a user's OAuth grant (Google Ads and
       Business Profile are usually authorised by a person, not a service account);
    3. otherwise Application Default Credentials: the service account of the Dagster host, or the
       key file named by GOOGLE_APPLICATION_CREDENTIALS (GA4: add its email as a property Viewer).
    """
    if access_token:
        return GoogleBearerAuth(vendor, token=access_token)
    if refresh_token:
        from google.oauth2.credentials import Credentials

        if not (client_id and client_secret):
            raise ValueError(f"{vendor}: an OAuth refresh token needs its client_id and client_secret")
        credentials = Credentials(
            token=None,
            refresh_token=refresh_token,
            client_id=client_id,
            client_secret=client_secret,
            token_uri="https://oauth2.googleapis.com/token",
            scopes=list(scopes),
        )
        return GoogleBearerAuth(vendor, credentials=credentials)
    import google.auth

    credentials, _ = google.auth.default(scopes=list(scopes))
    return GoogleBearerAuth(vendor, credentials=credentials)


def google_error_reason(response: requests.Response) -> str:
    """Google's error object: {"error": {"code", "message", "status", "details"}}."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    if isinstance(body, list) and body:  # some streaming endpoints wrap the error in an array
        body = body[0]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        status = error.get("status")
        message = error.get("message") or str(error)
        return (f"{status}: {message}" if status else str(message))[:500]
    return str(body)[:500]


# --- GA4 -----------------------------------------------------------------------------------------
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


def parse_ga4_date(value: str) -> date | str:
    """`YYYYMMDD` as a date; anything else is returned as is for the quality gate to reject."""
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8])) if len(value) == 8 else value
    except (TypeError, ValueError):
        return value


def parse_number(value: Any) -> Any:
    """A metric value (GA4 sends strings) as int or float; unparseable values pass through for the quality gate."""
    if isinstance(value, (int, float)):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return float(value)
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
                    self.vendor, f"{path}: rowCount moved from {total} to {page_total} while paging; rerun the partition"
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
            record.update({column: parse_number(row[name]) for name, column in report.metrics.items()})
            if "date" in report.dimensions:
                record[report.dimensions["date"]] = parse_ga4_date(row["date"])
            yield record

    def _check_headers(self, payload: dict, path: str, dimensions: Sequence[str], metrics: Sequence[str]) -> None:
        got_dims = [h.get("name") for h in require(payload, "dimensionHeaders", self.vendor, path)]
        got_metrics = [h.get("name") for h in require(payload, "metricHeaders", self.vendor, path)]
        if got_dims != list(dimensions) or got_metrics != list(metrics):
            asked = list(dimensions) + list(metrics)
            raise MalformedResponseError(self.vendor, f"{path}: headers {got_dims + got_metrics} do not match the request {asked}")

    def _row(self, row: Any, path: str, dimensions: Sequence[str], metrics: Sequence[str]) -> dict[str, str]:
        dims = row.get("dimensionValues") if isinstance(row, dict) else None
        mets = row.get("metricValues") if isinstance(row, dict) else None
        if not isinstance(dims, list) or not isinstance(mets, list) or len(dims) != len(dimensions) or len(mets) != len(metrics):
            raise MalformedResponseError(self.vendor, f"{path}: a row does not match its headers: {str(row)[:200]}")
        values = {name: cell.get("value") for name, cell in zip(dimensions, dims)}
        values.update({name: cell.get("value") for name, cell in zip(metrics, mets)})
        return values
