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

Custom audiences (customer lists): find or create one by name under `act_{id}/customaudiences`, read its
size and `delivery_status` (code 200 ready, 300 too small to target), add / remove at most 10,000 hashed
rows a request (`POST` / `DELETE /{audience_id}/users`, `payload={schema, data}`), replace the whole list
through a `usersreplace` session. "A replace is in progress" (2650/1870145) and a timed-out session
(2650/1870158) are transient: nothing was applied, the same rows go again on a later run.

A client is used from one thread at a time (it keeps the last throttle reading).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests

from journey_assets.connectors.http import (
    MalformedResponseError,
    PermanentVendorError,
    RetryHint,
    TransientVendorError,
    VendorClient,
    require,
)
from journey_assets.journey.audience import META_MAX_USERS_PER_REQUEST, meta_payload, meta_session_batches

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


# Custom audiences (marketing-api/reference/custom-audience): the fields read, and the errors that mean
# "a replace session holds this audience" (2650/1870145 update in progress, 1870158 session timed out),
# retried on a later run rather than reported as a refusal.
AUDIENCE_FIELDS = (
    "id",
    "name",
    "approximate_count_lower_bound",
    "approximate_count_upper_bound",
    "operation_status",
    "delivery_status",
)
AUDIENCE_BUSY = frozenset({(2650, 1870145), (2650, 1870158)})
DELIVERY_READY = 200  # delivery_status.code of an audience an ad set can use (300: too small)
AD_SET_FIELDS = ("id", "name", "status", "campaign_id", "targeting", "frequency_control_specs", "daily_budget")


@dataclass(frozen=True)
class AudienceStatus:
    id: str
    name: str | None
    count_lower: int | None
    count_upper: int | None
    operation_code: int | None
    operation: str | None
    delivery_code: int | None
    delivery: str | None

    @property
    def targetable(self) -> bool:
        """Meta says an ad set can use it (below ~100 matched people it answers "too small")."""
        return self.delivery_code == DELIVERY_READY

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> AudienceStatus:
        def _code(name: str) -> tuple[int | None, str | None]:
            status = body.get(name)
            if not isinstance(status, dict):
                return None, None
            code = status.get("code")
            return (int(code) if code is not None else None), status.get("description")

        def _int(name: str) -> int | None:
            value = body.get(name)
            return None if value is None or value == "" else int(value)

        operation_code, operation = _code("operation_status")
        delivery_code, delivery = _code("delivery_status")
        return cls(
            id=str(body["id"]),
            name=body.get("name"),
            count_lower=_int("approximate_count_lower_bound"),
            count_upper=_int("approximate_count_upper_bound"),
            operation_code=operation_code,
            operation=operation,
            delivery_code=delivery_code,
            delivery=delivery,
        )


@dataclass(frozen=True)
class UploadResult:
    """Meta's answer to one users / usersreplace request (or their sum over a session)."""

    audience_id: str
    session_id: str
    num_received: int
    num_invalid_entries: int
    invalid_entry_samples: dict[str, Any]
    requests: int = 1

    @classmethod
    def parse(cls, body: Any, vendor: str, where: str) -> UploadResult:
        for key in ("audience_id", "num_received", "num_invalid_entries"):
            require(body, key, vendor, where)
        samples = body.get("invalid_entry_samples") or {}
        return cls(
            audience_id=str(body["audience_id"]),
            session_id=str(body.get("session_id") or ""),
            num_received=int(body["num_received"]),
            num_invalid_entries=int(body["num_invalid_entries"]),
            invalid_entry_samples=dict(samples) if isinstance(samples, dict) else {"samples": samples},
        )

    def plus(self, other: UploadResult) -> UploadResult:
        return UploadResult(
            self.audience_id,
            self.session_id or other.session_id,
            self.num_received + other.num_received,
            self.num_invalid_entries + other.num_invalid_entries,
            {**self.invalid_entry_samples, **other.invalid_entry_samples},
            self.requests + other.requests,
        )


USAGE_HEADERS = ("X-Business-Use-Case-Usage", "X-Ad-Account-Usage", "X-App-Usage")


def regain_access_hint(headers: Mapping[str, str]) -> RetryHint | None:
    """The longest `estimated_time_to_regain_access` (minutes) in Meta's usage headers, as a wait.

    `X-Business-Use-Case-Usage` is `{"<business id>": [{"type", "call_count", "total_cputime",
    "total_time", "estimated_time_to_regain_access"}]}`; the other usage headers may carry the field
    at their top level (developers.facebook.com/docs/graph-api/overview/rate-limiting).
    """
    longest: tuple[float, str] | None = None
    for name in USAGE_HEADERS:
        try:
            usage = json.loads(headers.get(name) or "null")
        except ValueError:
            continue
        entries = [usage] if isinstance(usage, dict) else []
        if isinstance(usage, dict):
            entries += [e for value in usage.values() if isinstance(value, list) for e in value]
        for entry in entries:
            minutes = entry.get("estimated_time_to_regain_access") if isinstance(entry, dict) else None
            if isinstance(minutes, (int, float)) and minutes > 0 and (longest is None or minutes * 60 > longest[0]):
                longest = (float(minutes) * 60, f"{name} estimated_time_to_regain_access {minutes} min")
    return RetryHint(*longest) if longest else None


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
    # Meta's own estimate (`estimated_time_to_regain_access`, minutes) replaces the backoff up to this
    # many seconds; a longer one ends the call as transient with `retry_after`, for a later run.
    max_regain_wait: float = 300.0


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
        self._regain: RetryHint | None = None  # from the last error's usage headers

    # --- transport ----------------------------------------------------------
    def graph_path(self, path: str) -> str:
        return path if path.startswith("http") else f"/{self.api_version}/{path.lstrip('/')}"

    def error_reason(self, response: requests.Response) -> str:
        self._regain = regain_access_hint(response.headers)
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
                wait, why = min(self.throttle.backoff * 2**attempt, self.throttle.backoff_max), f"rate limited: {error}"
                if self._regain is not None:  # Meta said how long: that, not our backoff
                    wait, why = self._regain.seconds, f"rate limited: {error}; {self._regain.why}"
                    if wait > self.throttle.max_regain_wait:
                        log.warning(
                            "meta: %s, beyond the %.0fs we wait here; retry later", why, self.throttle.max_regain_wait
                        )
                        made = self.error(
                            TransientVendorError,
                            f"{method} {path} rate limited; retry after {wait:.0f}s ({self._regain.why})",
                            status=exc.status,
                            reason=str(error),
                            not_sent=True,
                            retry_after=wait,
                        )
                        raise made from exc
                attempt += 1
                self._wait(why, wait)
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

    # --- custom audiences ---------------------------------------------------
    def find_audience(self, account_id: str, name: str) -> dict[str, Any] | None:
        """The ad account's customer-list audience called exactly `name`, or None."""
        path = f"{account_path(account_id)}/customaudiences"
        params = {
            "fields": ",".join(AUDIENCE_FIELDS),
            "filtering": json.dumps([{"field": "name", "operator": "EQUAL", "value": name}]),
            "limit": self.page_size,
        }
        for page in self._pages(path, params, path):
            for audience in page:
                if isinstance(audience, dict) and audience.get("name") == name:
                    require(audience, "id", self.vendor, path)
                    return audience
        return None

    def find_or_create_audience(
        self,
        account_id: str,
        name: str,
        *,
        description: str = "",
        customer_file_source: str = "USER_PROVIDED_ONLY",
    ) -> tuple[AudienceStatus, bool]:
        """The audience named `name` (created as a CUSTOM customer list when missing), and whether it was created."""
        found = self.find_audience(account_id, name)
        if found is not None:
            return AudienceStatus.parse(found), False
        path = f"{account_path(account_id)}/customaudiences"
        made = self.post_json(
            path,
            data={
                "name": name,
                "subtype": "CUSTOM",
                "description": description,
                "customer_file_source": customer_file_source,
            },
        )
        audience_id = str(require(made, "id", self.vendor, f"POST {path}"))
        return self.audience(audience_id), True

    def audience(self, audience_id: str) -> AudienceStatus:
        """Size, operation and delivery status of one audience."""
        body = self.get_json(str(audience_id), params={"fields": ",".join(AUDIENCE_FIELDS)})
        require(body, "id", self.vendor, f"audience {audience_id}")
        return AudienceStatus.parse(body)

    def add_users(
        self, audience_id: str, schema: Sequence[str], rows: Sequence[Sequence[str]], **kwargs: Any
    ) -> UploadResult:
        """`POST /{audience_id}/users`: at most 10,000 normalized, hashed rows (`journey.audience.meta_row`)."""
        return self._upload("POST", f"{audience_id}/users", schema, rows, **kwargs)

    def remove_users(
        self, audience_id: str, schema: Sequence[str], rows: Sequence[Sequence[str]], **kwargs: Any
    ) -> UploadResult:
        """`DELETE /{audience_id}/users` with the rows the members were added with."""
        return self._upload("DELETE", f"{audience_id}/users", schema, rows, **kwargs)

    def replace_users(
        self,
        audience_id: str,
        schema: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        session_id: int | None = None,
        batch_size: int = META_MAX_USERS_PER_REQUEST,
    ) -> UploadResult:
        """Make the audience hold exactly `rows` through one `usersreplace` session (batches of `batch_size`).

        A failed batch ends the call (the session stays open on Meta's side until it times out, 90 minutes
        after its first batch, and blocks `/users` meanwhile); the error says which batch.
        """
        session_id = session_id if session_id is not None else secrets.randbits(62) + 1
        bodies = meta_session_batches(rows, schema, session_id, batch_size) if rows else []
        if not bodies:  # an empty replace: one empty, last batch (Meta empties the audience)
            empty = {"schema": meta_payload([], schema)["schema"], "data": []}
            last = {"session_id": session_id, "batch_seq": 1, "last_batch_flag": True, "estimated_num_total": 0}
            bodies = [{"payload": empty, "session": last}]
        total = UploadResult(str(audience_id), str(session_id), 0, 0, {}, requests=0)
        for body in bodies:
            part = self._send_users(
                "POST", f"{audience_id}/usersreplace", {"payload": body["payload"], "session": body["session"]}
            )
            total = total.plus(part)
        return total

    def _upload(
        self,
        method: str,
        path: str,
        schema: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        session: Mapping[str, Any] | None = None,
    ) -> UploadResult:
        if len(rows) > META_MAX_USERS_PER_REQUEST:
            raise ValueError(f"Meta takes at most {META_MAX_USERS_PER_REQUEST} users a request; got {len(rows)}")
        body: dict[str, Any] = {"payload": meta_payload(rows, schema)}
        if session is not None:
            body["session"] = dict(session)
        return self._send_users(method, path, body)

    def _send_users(self, method: str, path: str, body: Mapping[str, Any]) -> UploadResult:
        form = {key: json.dumps(value) for key, value in body.items()}  # Graph's form fields hold JSON
        try:
            answer = self.parse_json(self.request(method, path, data=form), path)
        except PermanentVendorError as exc:
            error = getattr(exc, "graph_error", None)
            if error is not None and (error.code, error.subcode) in AUDIENCE_BUSY:
                # A replace session holds the audience: nothing was applied; the same rows go again later.
                busy = self.error(
                    TransientVendorError,
                    f"{method} {path}: the audience is busy ({error})",
                    status=exc.status,
                    reason=str(error),
                    not_sent=True,
                )
                busy.graph_error = error  # type: ignore[attr-defined]
                raise busy from exc
            raise
        return UploadResult.parse(answer, self.vendor, f"{method} {path}")

    # --- ad sets ------------------------------------------------------------
    def find_ad_set(self, account_id: str, name: str) -> dict[str, Any] | None:
        """The ad account's ad set called exactly `name` (any status), or None: what makes creation idempotent."""
        path = f"{account_path(account_id)}/adsets"
        params = {
            "fields": ",".join(AD_SET_FIELDS),
            "filtering": json.dumps([{"field": "name", "operator": "EQUAL", "value": name}]),
            "limit": self.page_size,
        }
        for page in self._pages(path, params, path):
            for ad_set in page:
                if isinstance(ad_set, dict) and ad_set.get("name") == name:
                    require(ad_set, "id", self.vendor, path)
                    return ad_set
        return None

    def create_paused_ad_set(self, account_id: str, spec: Mapping[str, Any]) -> str:
        """`POST /act_{id}/adsets` with `status=PAUSED` always (a person reviews and starts it); the new id.

        `spec` holds the other fields (name, campaign_id, targeting, billing_event, optimization_goal,
        daily_budget, frequency_control_specs); dicts and lists go as JSON form fields, as Graph takes them.
        """
        path = f"{account_path(account_id)}/adsets"
        form = {k: json.dumps(v) if isinstance(v, (dict, list)) else str(v) for k, v in spec.items()}
        form["status"] = "PAUSED"  # never ACTIVE from here, whatever the spec says
        made = self.post_json(path, data=form)
        return str(require(made, "id", self.vendor, f"POST {path}"))

    def ensure_paused_ad_set(self, account_id: str, spec: Mapping[str, Any]) -> tuple[str, bool]:
        """The ad set named `spec["name"]` (created paused when missing), and whether it was created."""
        found = self.find_ad_set(account_id, str(spec["name"]))
        if found is not None:
            return str(found["id"]), False
        return self.create_paused_ad_set(account_id, spec), True


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
    "AudienceStatus",
    "UploadResult",
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
