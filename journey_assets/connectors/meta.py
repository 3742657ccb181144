"""Meta Graph API client: Marketing API ads insights and Lead Ads leads.

Ads insights (`GET /v{N}/act_{id}/insights`, level=ad, time_increment=1):
short ranges are read synchronously and paged with `paging.cursors.after` /
`paging.next`; long ranges (more than `sync_max_days`) and any query Meta
answers with "too much data" (code 100, subcode 1487534) go through an async
report run: `POST .../insights` -> `report_run_id`, poll `GET /{report_run_id}`
until `async_status == "Job Completed"` and `async_percent_completion == 100`,
then page `GET /{report_run_id}/insights`.

Throttling: every insights answer carries `X-FB-Ads-Insights-Throttle`
(`{"app_id_util_pct": .., "acc_id_util_pct": ..}`); above `throttle_threshold`
percent the client pauses before its next call, longer the closer to 100.
Rate-limit errors come back as HTTP 400 with a Graph error body, not 429; the
codes in `RATE_LIMIT_CODES` (or any error flagged `is_transient`) are retried
with exponential backoff and end as `TransientVendorError`, every other Graph
error is permanent and carries Meta's message, code, subcode and fbtrace_id.

Lead Ads: `GET /{page_id}/leadgen_forms`, then `GET /{form_id}/leads` with
`filtering=[{field: time_created, operator: GREATER_THAN|LESS_THAN, value: unix}]`
and `fields=created_time,id,ad_id,form_id,field_data`. A page id comes from the
rooftop's configuration or from the ad account's `promote_pages` edge. The
real-time plane reads one lead by the `leadgen_id` its webhook carried:
`GET /{leadgen_id}?fields=created_time,id,ad_id,form_id,field_data` (the lead
node; "Retrieving Leads", Webhooks). An unknown id, or one the token may not
read (no `leads_retrieval`, no Page access), is a Graph error (code 100
subcode 33, or 10/200): permanent, with Meta's message.

A client is used from one thread at a time (it keeps the last throttle reading).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests

from journey_assets.connectors.http import (
    MalformedResponseError,
    PermanentVendorError,
    TransientVendorError,
    VendorClient,
    require,
)

log = logging.getLogger(__name__)

DEFAULT_API_VERSION = "v25.0"  # released 2026-02-18; Graph versions live about two years
THROTTLE_HEADER = "X-FB-Ads-Insights-Throttle"
# Graph error codes Meta documents as throttling or temporary trouble:
# 1 unknown / 2 service (downtime), 4 app limit, 17 user limit, 32 page limit,
# 341 app limit, 613 ad-account calls, 80000-80014 business use case limits
# (80000 ads insights, 80004 ads management, 80005 lead gen, ...).
RATE_LIMIT_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, *range(80000, 80015)})
TOO_MUCH_DATA = (100, 1487534)  # "Please reduce the amount of data you're asking for"
ASYNC_DONE = "Job Completed"
ASYNC_FAILED = frozenset({"Job Failed", "Job Skipped"})

INSIGHTS_FIELDS: tuple[str, ...] = (
    "account_id",
    "account_currency",
    "campaign_id",
    "campaign_name",
    "adset_id",
    "adset_name",
    "ad_id",
    "ad_name",
    "impressions",
    "reach",
    "clicks",
    "inline_link_clicks",
    "spend",
    "actions",
    "action_values",
    "date_start",
    "date_stop",
)
INSIGHTS_REQUIRED = ("ad_id", "date_start")
LEAD_FIELDS = ("created_time", "id", "ad_id", "form_id", "field_data")
# The action type counted as leads unless an account says otherwise. Meta files one lead under several
# overlapping action types (`lead` is the total; `onsite_conversion.lead_grouped` the instant-form leads and
# `offsite_conversion.fb_pixel_lead` the website pixel leads inside it), so exactly one is counted, on purpose
# (developers.facebook.com/docs/marketing-api/reference/ads-action-stats; docs/decisions/0102-meta-lead-action-type.md).
DEFAULT_LEAD_ACTION_TYPE = "lead"


def account_path(account_id: str) -> str:
    """`act_<digits>` whether the configuration holds the bare number or the prefixed id."""
    text = str(account_id).strip()
    return text if text.startswith("act_") else f"act_{text}"


@dataclass(frozen=True)
class GraphError:
    message: str
    type: str | None
    code: int | None
    subcode: int | None
    fbtrace_id: str | None
    is_transient: bool

    @classmethod
    def parse(cls, body: Any) -> GraphError | None:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return None

        def _int(value: Any) -> int | None:
            try:
                return int(value)
            except (TypeError, ValueError):
                return None

        return cls(
            message=str(error.get("message") or "no message"),
            type=error.get("type"),
            code=_int(error.get("code")),
            subcode=_int(error.get("error_subcode")),
            fbtrace_id=error.get("fbtrace_id"),
            is_transient=bool(error.get("is_transient")),
        )

    @property
    def rate_limited(self) -> bool:
        return self.is_transient or self.code in RATE_LIMIT_CODES

    def __str__(self) -> str:
        parts = [f"code {self.code}"]
        if self.subcode:
            parts.append(f"subcode {self.subcode}")
        if self.fbtrace_id:
            parts.append(f"fbtrace_id {self.fbtrace_id}")
        return f"{self.message} ({', '.join(parts)})"


@dataclass(frozen=True)
class Throttle:
    app_id_util_pct: float
    acc_id_util_pct: float

    @property
    def highest(self) -> float:
        return max(self.app_id_util_pct, self.acc_id_util_pct)

    @classmethod
    def parse(cls, raw: str | None) -> Throttle | None:
        if not raw:
            return None
        try:
            values = json.loads(raw)
            return cls(float(values.get("app_id_util_pct") or 0), float(values.get("acc_id_util_pct") or 0))
        except (ValueError, TypeError, AttributeError):
            log.warning("unreadable %s header ignored", THROTTLE_HEADER)
            return None


@dataclass
class ThrottlePolicy:
    """When and how long to pause on a high insights utilisation, and how to back off a refusal."""

    threshold_pct: float = 75.0  # start slowing down above this utilisation
    max_pause: float = 60.0  # seconds paused at 100 %; scales linearly from the threshold
    retries: int = 5  # rate-limit errors retried before giving up
    backoff: float = 30.0  # first wait after a rate-limit error, doubled each time
    backoff_max: float = 300.0


class MetaGraphClient(VendorClient):
    """One Graph API client per access token (a system user's token in prod)."""

    vendor = "meta"

    def __init__(
        self,
        base_url: str,
        access_token: str,
        *,
        api_version: str = DEFAULT_API_VERSION,
        page_size: int = 500,
        sync_max_days: int = 7,
        poll_interval: float = 5.0,
        poll_timeout: float = 1800.0,
        throttle: ThrottlePolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **kwargs: Any,
    ):
        super().__init__(base_url, headers={"Authorization": f"Bearer {access_token}"}, **kwargs)
        self.api_version = api_version if api_version.startswith("v") else f"v{api_version}"
        self.page_size = page_size
        self.sync_max_days = sync_max_days
        self.poll_interval = poll_interval
        self.poll_timeout = poll_timeout
        self.throttle = throttle or ThrottlePolicy()
        self.sleep = sleep
        self.last_throttle: Throttle | None = None
        self.pauses: list[tuple[str, float]] = []  # (why, seconds): what the client waited, for logs and tests
        self._last_error: GraphError | None = None

    # --- transport ----------------------------------------------------------
    def graph_path(self, path: str) -> str:
        return path if path.startswith("http") else f"/{self.api_version}/{path.lstrip('/')}"

    def error_reason(self, response: requests.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            self._last_error = None
            return response.text[:500]
        self._last_error = GraphError.parse(body)
        return str(self._last_error) if self._last_error else str(body)[:500]

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        attempt = 0
        while True:
            self._pause_for_throttle()
            try:
                response = super().request(method, self.graph_path(path), **kwargs)
            except PermanentVendorError as exc:
                # Graph answers throttling with a 4xx and an error code, not a 429.
                error, self._last_error = self._last_error, None
                exc.graph_error = error  # type: ignore[attr-defined]
                if error is None or not error.rate_limited:
                    raise
                if attempt >= self.throttle.retries:
                    raise TransientVendorError(
                        self.vendor,
                        f"{method} {path} still rate limited after {attempt} retries: {error}",
                        status=exc.status,
                        reason=str(error),
                    ) from exc
                wait = min(self.throttle.backoff * 2**attempt, self.throttle.backoff_max)
                attempt += 1
                self._wait(f"rate limited: {error}", wait)
                continue
            self.last_throttle = Throttle.parse(response.headers.get(THROTTLE_HEADER)) or self.last_throttle
            return response

    def _pause_for_throttle(self) -> None:
        reading = self.last_throttle
        if reading is None or reading.highest < self.throttle.threshold_pct:
            return
        span = max(100.0 - self.throttle.threshold_pct, 1e-9)
        share = min((reading.highest - self.throttle.threshold_pct) / span, 1.0)
        self.last_throttle = None  # one pause per reading; the next answer brings a new one
        self._wait(f"insights utilisation at {reading.highest:.0f}%", max(share, 0.1) * self.throttle.max_pause)

    def _wait(self, why: str, seconds: float) -> None:
        self.pauses.append((why, seconds))
        log.info("meta: waiting %.1fs (%s)", seconds, why)
        self.sleep(seconds)

    def _pages(self, path: str, params: Mapping[str, Any] | None, where: str) -> Iterator[list[dict[str, Any]]]:
        """Every page of a Graph edge: while `paging.next` is present, ask again with `after=paging.cursors.after`.

        The cursor is sent on our own path rather than following the `next` URL, so the bearer
        token only ever goes to the configured host.
        """
        query: dict[str, Any] = dict(params or {})
        while True:
            payload = self.get_json(path, params=query)
            data = require(payload, "data", self.vendor, where)
            if not isinstance(data, list):
                raise MalformedResponseError(self.vendor, f"{where}: 'data' is not a list")
            paging = payload.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if paging.get("next") and not after:
                raise MalformedResponseError(self.vendor, f"{where}: a next page without an 'after' cursor")
            yield data
            if not paging.get("next"):
                return
            if after == query.get("after"):
                raise MalformedResponseError(self.vendor, f"{where}: the 'after' cursor did not move")
            query = {**query, "after": after}

    # --- ads insights -------------------------------------------------------
    def insights(
        self,
        account_id: str,
        since: date,
        until: date,
        *,
        fields: Sequence[str] = INSIGHTS_FIELDS,
        level: str = "ad",
        force_async: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """One row per ad per day between since and until (inclusive), as Meta sends them."""
        params = {
            "level": level,
            "time_increment": 1,
            "fields": ",".join(fields),
            "time_range": json.dumps({"since": since.isoformat(), "until": until.isoformat()}),
            "limit": self.page_size,
        }
        path = f"{account_path(account_id)}/insights"
        if force_async or (until - since).days + 1 > self.sync_max_days:
            yield from self._checked(self._async_insights(path, params), path)
            return
        try:
            pages = list(self._pages(path, params, path))
        except PermanentVendorError as exc:
            error = getattr(exc, "graph_error", None)
            if error is None or (error.code, error.subcode) != TOO_MUCH_DATA:
                raise
            log.info("meta: %s too large for a synchronous read; running it as a report", path)
            yield from self._checked(self._async_insights(path, params), path)
            return
        yield from self._checked((row for page in pages for row in page), path)

    def _checked(self, rows: Iterator[dict[str, Any]], where: str) -> Iterator[dict[str, Any]]:
        for row in rows:
            if not isinstance(row, dict) or any(key not in row for key in INSIGHTS_REQUIRED):
                raise MalformedResponseError(self.vendor, f"{where}: an insights row without {INSIGHTS_REQUIRED}")
            yield row

    def start_report(self, path: str, params: Mapping[str, Any]) -> str:
        payload = self.post_json(path, data=dict(params))
        return str(require(payload, "report_run_id", self.vendor, f"POST {path}"))

    def wait_for_report(self, report_run_id: str) -> dict[str, Any]:
        """Poll the report run until Meta says it is complete (status and 100 %), or fail."""
        deadline = time.monotonic() + self.poll_timeout
        while True:
            status = self.get_json(report_run_id)
            state = require(status, "async_status", self.vendor, f"report {report_run_id}")
            percent = int(require(status, "async_percent_completion", self.vendor, f"report {report_run_id}"))
            if state == ASYNC_DONE and percent == 100:
                return status
            if state in ASYNC_FAILED:
                detail = status.get("error_message") or status.get("error_user_msg") or "no reason given"
                raise TransientVendorError(self.vendor, f"report {report_run_id} ended as {state!r}: {detail}")
            if time.monotonic() > deadline:
                raise TransientVendorError(
                    self.vendor,
                    f"report {report_run_id} not complete after {self.poll_timeout:.0f}s ({state}, {percent}%)",
                )
            self._wait(f"report {report_run_id} {state} {percent}%", self.poll_interval)

    def _async_insights(self, path: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        report_run_id = self.start_report(path, params)
        self.wait_for_report(report_run_id)
        where = f"{report_run_id}/insights"
        for page in self._pages(where, {"limit": self.page_size}, where):
            yield from page

    # --- lead ads -----------------------------------------------------------
    def promoted_pages(self, account_id: str) -> list[str]:
        path = f"{account_path(account_id)}/promote_pages"
        return [
            str(require(p, "id", self.vendor, path))
            for page in self._pages(path, {"fields": "id,name"}, path)
            for p in page
        ]

    def lead_forms(self, page_id: str) -> list[dict[str, Any]]:
        path = f"{page_id}/leadgen_forms"
        forms = [
            f for page in self._pages(path, {"fields": "id,name,status", "limit": self.page_size}, path) for f in page
        ]
        for form in forms:
            require(form, "id", self.vendor, path)
        return forms

    def get_lead(self, leadgen_id: str, *, fields: Sequence[str] = LEAD_FIELDS) -> dict[str, Any]:
        """One lead node by its id (the webhook's `leadgen_id`), as Meta sends it.

        Raises `PermanentVendorError` (Meta's message, code, subcode and fbtrace_id in `reason`) for an
        unknown lead or a missing permission, `TransientVendorError` for 5xx, timeouts and throttling.
        """
        text = str(leadgen_id).strip()
        if not text.isdigit():
            raise ValueError("a leadgen id is a Graph id (digits only)")
        lead = self.get_json(text, params={"fields": ",".join(fields)})
        for key in ("id", "created_time", "field_data"):
            require(lead, key, self.vendor, f"lead {text}")
        if not isinstance(lead["field_data"], list):
            raise MalformedResponseError(self.vendor, f"lead {text}: 'field_data' is not a list")
        return lead

    def leads(self, form_id: str, created_from: datetime, created_to: datetime) -> Iterator[dict[str, Any]]:
        """Leads submitted on the form in [created_from, created_to), as Meta sends them."""
        start, end = _unix(created_from), _unix(created_to)
        filtering = [
            {"field": "time_created", "operator": "GREATER_THAN", "value": start - 1},
            {"field": "time_created", "operator": "LESS_THAN", "value": end},
        ]
        params = {"fields": ",".join(LEAD_FIELDS), "filtering": json.dumps(filtering), "limit": self.page_size}
        path = f"{form_id}/leads"
        for page in self._pages(path, params, path):
            for lead in page:
                for key in ("id", "created_time", "field_data"):
                    require(lead, key, self.vendor, path)
                yield lead


def _unix(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


# --- wire format -> our columns (pure functions) -------------------------------


def _number(value: Any) -> float | None:
    if value in (None, ""):
        return None
    return float(value)


def action_total(actions: Any, action_type: str = DEFAULT_LEAD_ACTION_TYPE) -> float:
    """`actions[].value` of one action type (Meta sends values as strings); never a sum over overlapping types."""
    if not isinstance(actions, list):
        return 0.0
    return sum(
        float(a.get("value") or 0) for a in actions if isinstance(a, dict) and a.get("action_type") == action_type
    )


def insights_row(row: Mapping[str, Any], lead_action_type: str = DEFAULT_LEAD_ACTION_TYPE) -> dict[str, Any]:
    """A raw insights row flattened to the raw table's columns; money and counts stay as Meta reports them.

    `leads` / `leads_value` are the values of the one `lead_action_type` the account counts.
    """
    actions, values = row.get("actions"), row.get("action_values")
    return {
        "date_start": row.get("date_start"),
        "date_stop": row.get("date_stop"),
        "account_id": row.get("account_id"),
        "account_currency": row.get("account_currency"),
        "campaign_id": row.get("campaign_id"),
        "campaign_name": row.get("campaign_name"),
        "adset_id": row.get("adset_id"),
        "adset_name": row.get("adset_name"),
        "ad_id": row.get("ad_id"),
        "ad_name": row.get("ad_name"),
        "impressions": row.get("impressions"),
        "reach": row.get("reach"),
        "clicks": row.get("clicks"),
        "inline_link_clicks": row.get("inline_link_clicks"),
        "spend": row.get("spend"),
        "lead_action_type": lead_action_type,
        "leads": action_total(actions, lead_action_type),
        "leads_value": action_total(values, lead_action_type),
        "actions": json.dumps(actions) if actions is not None else None,
        "action_values": json.dumps(values) if values is not None else None,
    }


def parse_graph_time(value: str) -> datetime:
    """Graph timestamps look like 2026-11-01T12:34:56+0000."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


def day_window(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


__all__ = [
    "MetaGraphClient",
    "GraphError",
    "Throttle",
    "ThrottlePolicy",
    "account_path",
    "action_total",
    "DEFAULT_LEAD_ACTION_TYPE",
    "insights_row",
    "parse_graph_time",
    "day_window",
]
