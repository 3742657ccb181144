"""Google Ads API client over REST: GAQL through `GoogleAdsService.SearchStream`.

Wire format (developers.google.com/google-ads/api/rest/..., rpc/v26/GoogleAdsService/SearchStream and
rpc/v26/SearchGoogleAdsStreamResponse):

    POST /{version}/customers/{customer_id}/googleAds:searchStream   {"query": "<GAQL>"}
    headers: Authorization: Bearer <OAuth token>; login-customer-id: <manager id> when the
             customer is reached through a manager account
    -> [{"results": [GoogleAdsRow, ...], "fieldMask": "campaign.id,metrics.costMicros,...",
         "requestId": "..."}, ...]   (a JSON array of batches)

A GoogleAdsRow is proto3 JSON: camelCase keys nested by resource
(`{"campaign": {"id": "1"}, "metrics": {"costMicros": "1200000"}, "segments": {"date": "2026-11-22"}}`),
int64 values as strings, and fields at their default value (a metric of 0)
left out. Money is in micros of the account currency (`cost_micros`).

Developer tokens were sunset on 2026-09-09 (developers.google.com/google-ads/api/docs/api-policy/developer-token):
API access now belongs to the Google Cloud project of the OAuth client; the
`developer-token` header is optional and ignored, so it is sent only when one
is configured.

Errors are Google's error object whose `details` hold a `GoogleAdsFailure`:
`{"errors": [{"errorCode": {"queryError": "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE"}, "message": ...}], "requestId"}`.
A stream cut off mid-way is not valid JSON and fails as malformed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import requests

from journey_assets.connectors.google_api import google_error_reason, parse_number
from journey_assets.connectors.http import MalformedResponseError, RetryHint, VendorClient

ADWORDS_SCOPE = "https://www.googleapis.com/auth/adwords"
DEFAULT_API_VERSION = "v26"
METRIC_DEFAULT = 0  # proto3 JSON omits a metric equal to zero


def camel(segment: str) -> str:
    head, *rest = segment.split("_")
    return head + "".join(part.title() for part in rest)


def json_path(field: str) -> list[str]:
    """GAQL `metrics.cost_micros` -> the JSON path ["metrics", "costMicros"]."""
    return [camel(part) for part in field.split(".")]


@dataclass(frozen=True)
class GaqlQuery:
    """One GAQL report: the resource in FROM and the selected fields mapped to our columns."""

    name: str
    resource: str
    fields: Mapping[str, str]  # GAQL field -> our column

    def text(self, start: date, end: date) -> str:
        return (
            f"SELECT {', '.join(self.fields)} FROM {self.resource} "
            f"WHERE segments.date BETWEEN '{start.isoformat()}' AND '{end.isoformat()}'"
        )


_STATS = {
    "segments.date": "date_day",
    "metrics.impressions": "impressions",
    "metrics.clicks": "clicks",
    "metrics.cost_micros": "cost_micros",
}
CAMPAIGN_STATS = GaqlQuery(
    "campaign_stats",
    "campaign",
    {
        "campaign.id": "campaign_id",
        "campaign.name": "campaign_name",
        "campaign.status": "campaign_status",
        "campaign.advertising_channel_type": "advertising_channel_type",
        **_STATS,
        "metrics.conversions": "conversions",
    },
)
AD_GROUP_STATS = GaqlQuery(
    "ad_group_stats",
    "ad_group",
    {
        "campaign.id": "campaign_id",
        "ad_group.id": "ad_group_id",
        "ad_group.name": "ad_group_name",
        "ad_group.status": "ad_group_status",
        **_STATS,
        "metrics.conversions": "conversions",
    },
)
KEYWORD_STATS = GaqlQuery(
    "keyword_stats",
    "keyword_view",
    {
        "campaign.id": "campaign_id",
        "ad_group.id": "ad_group_id",
        "ad_group_criterion.criterion_id": "keyword_id",
        "ad_group_criterion.keyword.text": "keyword_text",
        "ad_group_criterion.keyword.match_type": "match_type",
        **_STATS,
    },
)
SEARCH_TERMS = GaqlQuery(
    "search_terms",
    "search_term_view",
    {
        "campaign.id": "campaign_id",
        "ad_group.id": "ad_group_id",
        "search_term_view.search_term": "search_term",
        "segments.keyword.ad_group_criterion": "keyword_criterion",
        **_STATS,
    },
)
QUERIES = (CAMPAIGN_STATS, AD_GROUP_STATS, KEYWORD_STATS, SEARCH_TERMS)

_CRITERION = re.compile(r"adGroupCriteria/(?P<ad_group>[^~/]+)~(?P<criterion>[^/]+)$")


def criterion_id(resource_name: Any) -> Any:
    """`customers/1/adGroupCriteria/22~333` -> "333"; anything else passes through."""
    match = _CRITERION.search(resource_name) if isinstance(resource_name, str) else None
    return match.group("criterion") if match else resource_name


class GoogleAdsClient(VendorClient):
    vendor = "google_ads"
    hinted_statuses = frozenset({429})  # retry hint: see `retry_hint`

    def __init__(
        self,
        base_url: str,
        *,
        auth: requests.auth.AuthBase,
        api_version: str = DEFAULT_API_VERSION,
        developer_token: str = "",
        login_customer_id: str = "",
        **kwargs: Any,
    ):
        headers = {}
        if developer_token:  # optional and ignored since the 2026-09-09 sunset; kept for older setups
            headers["developer-token"] = developer_token
        if login_customer_id:
            headers["login-customer-id"] = normalize_customer_id(login_customer_id)
        super().__init__(base_url, auth=auth, headers=headers, **kwargs)
        self.api_version = api_version

    def error_reason(self, response: requests.Response) -> str:
        """The GoogleAdsFailure's own codes and messages when there is one, else Google's status and message."""
        try:
            body = response.json()
        except ValueError:
            return response.text[:500]
        body = body[0] if isinstance(body, list) and body else body
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            failures = []
            for detail in error.get("details") or []:
                for item in (detail or {}).get("errors") or []:
                    codes = ",".join(f"{k}={v}" for k, v in (item.get("errorCode") or {}).items())
                    failures.append(f"{codes}: {item.get('message', '')}".strip(": "))
            if failures:
                return "; ".join(failures)[:500]
        return google_error_reason(response)

    def retry_hint(self, response: requests.Response) -> RetryHint | None:
        """A 429's `QuotaErrorDetails.retryDelay` (a protobuf Duration such as "60s") is the wait Google asks
        for (developers.google.com/google-ads/api/docs/best-practices/quotas); a daily quota's
        RESOURCE_EXHAUSTED carries none, and is not waited out here."""
        if response.status_code != 429:
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        body = body[0] if isinstance(body, list) and body else body
        error = body.get("error") if isinstance(body, dict) else None
        details = error.get("details") if isinstance(error, dict) else None
        for detail in details or []:
            for item in (detail or {}).get("errors") or []:
                quota = ((item or {}).get("details") or {}).get("quotaErrorDetails") or {}
                delay = re.fullmatch(r"(\d+(?:\.\d+)?)s", str(quota.get("retryDelay") or ""))
                if delay:
                    return RetryHint(float(delay.group(1)), f"QuotaErrorDetails.retryDelay {quota['retryDelay']}")
        return None

    def search_stream(self, customer_id: str, query: str) -> Iterator[dict[str, Any]]:
        """Every GoogleAdsRow the query matches, as {GAQL field: value} (missing metrics are 0)."""
        customer_id = normalize_customer_id(customer_id)
        path = f"/{self.api_version}/customers/{customer_id}/googleAds:searchStream"
        selected = _select_fields(query)
        batches = self.post_json(path, json={"query": query})
        if not isinstance(batches, list):
            raise MalformedResponseError(self.vendor, f"{path}: expected a JSON array of result batches")
        expected_mask = {".".join(json_path(f)) for f in selected}
        for number, batch in enumerate(batches):
            if not isinstance(batch, dict):
                raise MalformedResponseError(self.vendor, f"{path}: batch {number} is not an object")
            results = batch.get("results", [])
            if not isinstance(results, list):
                raise MalformedResponseError(self.vendor, f"{path}: batch {number} results is not a list")
            mask = batch.get("fieldMask")
            if results and mask is None:
                raise MalformedResponseError(self.vendor, f"{path}: batch {number} has results but no fieldMask")
            if mask is not None and set(mask.split(",")) != expected_mask:
                raise MalformedResponseError(
                    self.vendor, f"{path}: fieldMask {mask!r} does not match the selected fields"
                )
            for row in results:
                yield {field: _dig(row, field) for field in selected}

    def report(self, query: GaqlQuery, customer_id: str, start: date, end: date) -> Iterator[dict[str, Any]]:
        """The query's rows in our column names; int64s as ints, `segments.date` as a date."""
        for row in self.search_stream(customer_id, query.text(start, end)):
            record = {column: row[field] for field, column in query.fields.items()}
            for field, column in query.fields.items():
                if field.startswith("metrics."):
                    record[column] = parse_number(record[column])
                elif field == "segments.date" and isinstance(record[column], str):
                    try:
                        record[column] = date.fromisoformat(record[column])
                    except ValueError:
                        pass  # left as sent: the quality gate rejects it with the value
                elif field == "segments.keyword.ad_group_criterion":
                    record["keyword_id"] = criterion_id(record[column])
            yield record


def normalize_customer_id(customer_id: Any) -> str:
    """Google Ads ids go on the wire as digits only (`123-456-7890` -> `1234567890`)."""
    return str(customer_id).replace("-", "").strip()


def _select_fields(query: str) -> list[str]:
    match = re.search(r"^\s*SELECT\s+(.*?)\s+FROM\s", query, flags=re.IGNORECASE | re.DOTALL)
    if not match:
        raise ValueError(f"not a GAQL query: {query[:80]!r}")
    return [f.strip() for f in match.group(1).split(",")]


def _dig(row: Any, field: str) -> Any:
    value = row
    for key in json_path(field):
        if not isinstance(value, dict) or key not in value:
            return METRIC_DEFAULT if field.startswith("metrics.") else None
        value = value[key]
    return value
