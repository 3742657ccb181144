"""Meta Graph API (Marketing API insights, Lead Ads), served from the world.

Implemented from Meta's documentation, not from our client:

* Insights: https://developers.facebook.com/docs/marketing-api/insights
  (`GET /v{N}/act_{id}/insights` with `level`, `time_increment`, `fields`,
  `time_range`; cursor paging `paging.cursors.{before,after}` and `paging.next`)
* Async reports: https://developers.facebook.com/docs/marketing-api/insights/best-practices
  (`POST /act_{id}/insights` -> `{"report_run_id"}`, `GET /{report_run_id}` with
  `async_status` Job Not Started / Job Started / Job Running / Job Completed /
  Job Failed / Job Skipped and `async_percent_completion`, then
  `GET /{report_run_id}/insights`; data-per-call limit error code 100,
  subcode 1487534; the `X-FB-Ads-Insights-Throttle` header with
  `app_id_util_pct` and `acc_id_util_pct`)
* Rate limits: https://developers.facebook.com/docs/graph-api/overview/rate-limiting
  (business use case limits, error code 80000 for ads insights, HTTP 400)
* Errors: https://developers.facebook.com/docs/graph-api/guides/error-handling
  (`{"error": {message, type, code, error_subcode, fbtrace_id}}`)
* Lead Ads: https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving
  (`GET /{form_id}/leads` with `filtering` on `time_created`, fields
  `created_time, id, ad_id, form_id, field_data[{name, values}]`; forms from
  `GET /{page_id}/leadgen_forms`; a page an ad account advertises for from
  `GET /act_{id}/promote_pages`; one lead read by the `leadgen_id` a webhook
  carried: `GET /{leadgen_id}` with the same `fields`)

World tables read (lazily): rooftops (dealer_id, name, meta_ad_account_id,
meta_page_id), ad_campaigns / ad_groups / ads / ad_stats_daily (platform
'meta'), leads (source 'meta_lead_ad', meta_form_id, meta_leadgen_id) and
customers (the answers a lead form pre-fills); when the world has an
`inventory` table, a lead's `vehicle_uuid` is answered as the dealer's custom
question `vehicle_of_interest` ("2023 Honda Civic EX").

`GET /{object_id}` answers a report run's status or a lead node, whichever the
id names, else Graph's "does not exist" error (code 100, subcode 33).

Knobs a test may turn on the instance (`server.fakes["meta"]`): `per_call_pct`
(account utilisation one insights call costs inside `window` seconds; at 100 %
calls are refused with code 80000), `async_step` (percent a report run
advances per status poll), `sync_max_rows` (above it a synchronous query is
refused as too much data). Custom audiences (create, read, users, usersreplace, their errors, the
targetable minimum) are in `meta_audiences.py`, mixed in here. Faults: `partial` on a report run's status makes the
run end as "Job Failed"; on a leads page it drops a lead's `field_data`.
"""

from __future__ import annotations

import base64
import collections
import itertools
import json
import threading
import time
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from journey_assets.sandbox.fakes.meta_adsets import MetaAdSetsMixin
from journey_assets.sandbox.fakes.meta_audiences import MetaAudiencesMixin
from journey_assets.sandbox.fakes.meta_world import insights_by_account, lead_index, meta_accounts
from journey_assets.sandbox.server import FakeVendor, SandboxRequest, SandboxResponse, route

VERSION = r"/v(?P<version>\d+\.\d+)"
MAX_LIMIT = 5000
DEFAULT_LIMIT = 25
INSIGHTS_THROTTLE_HEADER = "X-FB-Ads-Insights-Throttle"
ALL_INSIGHTS_FIELDS = (
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


def graph_error(
    status: int,
    message: str,
    code: int,
    *,
    subcode: int | None = None,
    kind: str = "OAuthException",
    transient: bool = False,
) -> SandboxResponse:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": _trace_id()}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient:
        error["is_transient"] = True
    return SandboxResponse(status, {"error": error})


_trace_counter = itertools.count(1)


def _trace_id() -> str:
    return base64.b64encode(f"sandbox-{next(_trace_counter)}".encode()).decode().rstrip("=")


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])
    except (ValueError, IndexError) as exc:
        raise ValueError(f"invalid cursor {cursor!r}") from exc


class MetaFake(MetaAudiencesMixin, MetaAdSetsMixin, FakeVendor):
    name = "meta"

    def __init__(self, world: Any):
        super().__init__(world)
        self.per_call_pct = 0.2
        self.app_per_call_pct = 0.05
        self.window = 60.0
        self.async_step = 50
        self.sync_max_rows = 20_000
        self._lock = threading.Lock()
        self._calls: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self._reports: dict[str, dict[str, Any]] = {}
        self._report_ids = itertools.count(6_100_000_000_000)
        self._stats: dict[str, pd.DataFrame] | None = None
        self._lead_index: dict[str, Any] | None = None
        self._init_audiences()  # custom audiences: meta_audiences.py
        self._init_ad_sets()  # ad sets: meta_adsets.py

    # --- world -------------------------------------------------------------
    def _accounts(self) -> dict[str, str]:
        return meta_accounts(self.world)

    def _stats_by_account(self) -> dict[str, pd.DataFrame]:
        with self._lock:
            if self._stats is None:
                self._stats = insights_by_account(self.world)
            return self._stats

    def _leads(self) -> dict[str, Any]:
        with self._lock:
            if self._lead_index is None:
                self._lead_index = lead_index(self.world)
            return self._lead_index

    # --- auth, throttling --------------------------------------------------
    def _denied(self, request: SandboxRequest) -> SandboxResponse | None:
        header = request.headers.get("Authorization") or request.headers.get("authorization") or ""
        if header.startswith("Bearer ") and header[7:].strip():
            return None
        if request.arg("access_token"):
            return None
        return graph_error(400, "An access token is required to request this resource.", 104)

    def _utilisation(self, key: str, per_call: float, now: float) -> float:
        calls = self._calls[key]
        while calls and calls[0] < now - self.window:
            calls.popleft()
        return len(calls) * per_call

    def _throttled(self, account: str) -> tuple[SandboxResponse | None, dict[str, str]]:
        """Count an insights call against the account and the app; refuse it at 100 %."""
        now = time.monotonic()
        with self._lock:
            acc = self._utilisation(account, self.per_call_pct, now)
            app = self._utilisation("_app", self.app_per_call_pct, now)
            if acc >= 100 or app >= 100:
                refused = graph_error(
                    400,
                    "There have been too many calls from this ad-account. Wait a bit and try again.",
                    80000,
                    subcode=2446079,
                    transient=True,
                )
                refused.headers = self._throttle_header(app, acc)
                return refused, {}
            self._calls[account].append(now)
            self._calls["_app"].append(now)
            return None, self._throttle_header(app + self.app_per_call_pct, acc + self.per_call_pct)

    @staticmethod
    def _throttle_header(app: float, acc: float) -> dict[str, str]:
        value = {
            "app_id_util_pct": round(min(app, 100.0), 2),
            "acc_id_util_pct": round(min(acc, 100.0), 2),
            "ads_api_access_tier": "standard_access",
        }
        return {INSIGHTS_THROTTLE_HEADER: json.dumps(value)}

    # --- insights ----------------------------------------------------------
    def _insights_query(
        self, request: SandboxRequest, params: dict[str, str]
    ) -> tuple[dict[str, Any] | None, SandboxResponse | None]:
        level = params.get("level", "ad")
        if level != "ad":
            return None, graph_error(400, f"(#100) level {level!r} is not served by the sandbox; use level=ad", 100)
        if str(params.get("time_increment", "1")) != "1":
            return None, graph_error(400, "(#100) the sandbox serves time_increment=1 only", 100)
        try:
            time_range = json.loads(params.get("time_range") or "{}")
            since = date.fromisoformat(time_range["since"])
            until = date.fromisoformat(time_range["until"])
        except (ValueError, KeyError, TypeError):
            return None, graph_error(
                400, '(#100) time_range must be {"since": "YYYY-MM-DD", "until": "YYYY-MM-DD"}', 100
            )
        if until < since:
            return None, graph_error(400, "(#100) time_range until is before since", 100)
        fields = [f for f in (params.get("fields") or "").split(",") if f] or [
            "date_start",
            "date_stop",
            "impressions",
            "spend",
        ]
        unknown = sorted(set(fields) - set(ALL_INSIGHTS_FIELDS))
        if unknown:
            return None, graph_error(400, f"(#100) {unknown[0]} is not valid for fields param", 100)
        return {"since": since.isoformat(), "until": until.isoformat(), "fields": fields}, None

    def _rows(self, account: str, query: dict[str, Any]) -> pd.DataFrame:
        frame = self._stats_by_account().get(account)
        if frame is None or frame.empty:
            return pd.DataFrame()
        days = frame["day"].to_numpy()
        lo = int(np.searchsorted(days, query["since"], side="left"))
        hi = int(np.searchsorted(days, query["until"], side="right"))
        return frame.iloc[lo:hi]

    @staticmethod
    def _row(r: Any, fields: list[str]) -> dict[str, Any]:
        full = {
            "account_id": r.account_id,
            "account_currency": "USD",
            "campaign_id": r.campaign_id,
            "campaign_name": r.campaign_name,
            "adset_id": r.adset_id,
            "adset_name": r.adset_name,
            "ad_id": r.ad_id,
            "ad_name": r.ad_name,
            "impressions": str(int(r.impressions)),
            "clicks": str(int(r.clicks)),
            "inline_link_clicks": str(int(r.link_clicks)),
            "spend": f"{r.spend:.2f}",
            "date_start": r.day,
            "date_stop": r.day,
        }
        if r.reach >= 0:
            full["reach"] = str(int(r.reach))
        actions = []
        if r.link_clicks:
            actions.append({"action_type": "link_click", "value": str(int(r.link_clicks))})
        if r.leads:
            # As Meta does: an instant-form lead is reported under `lead` (the total) and again under
            # its narrower, overlapping type, so a client summing the types double-counts.
            for action_type in ("lead", "onsite_conversion.lead_grouped"):
                actions.append({"action_type": action_type, "value": str(int(r.leads))})
        if actions:  # Meta leaves `actions` out of a row that has none
            full["actions"] = actions
        if r.leads_value:
            full["action_values"] = [
                {"action_type": t, "value": f"{r.leads_value:.2f}"} for t in ("lead", "onsite_conversion.lead_grouped")
            ]
        return {f: full[f] for f in fields if f in full}

    def _page(
        self, request: SandboxRequest, rows: pd.DataFrame, fields: list[str], *, extra: dict[str, str]
    ) -> SandboxResponse | dict[str, Any]:
        try:
            limit = min(int(request.arg("limit", str(DEFAULT_LIMIT))), MAX_LIMIT)
            offset = _offset(request.arg("after"))
        except ValueError as exc:
            return graph_error(400, f"(#100) {exc}", 100)
        window = rows.iloc[offset : offset + limit]
        data = [self._row(r, fields) for r in window.itertuples(index=False)]
        body: dict[str, Any] = {"data": data}
        if len(rows):
            paging: dict[str, Any] = {"cursors": {"before": _cursor(offset), "after": _cursor(offset + len(window))}}
            if offset + limit < len(rows):
                query = {**extra, "limit": limit, "after": _cursor(offset + len(window))}
                host = request.headers.get("Host") or request.headers.get("host") or "127.0.0.1"
                paging["next"] = f"http://{host}/{self.name}{request.path}?{urlencode(query)}"
            body["paging"] = paging
        return body

    @route("GET", VERSION + r"/(?P<object_id>act_\d+|\d+)/insights")
    def get_insights(self, request: SandboxRequest) -> SandboxResponse | dict[str, Any]:
        if denied := self._denied(request):
            return denied
        object_id = request.params["object_id"]
        if object_id.startswith("act_"):
            return self._sync_insights(request, object_id[4:])
        return self._report_insights(request, object_id)

    def _sync_insights(self, request: SandboxRequest, account: str) -> SandboxResponse | dict[str, Any]:
        if account not in self._accounts():
            return graph_error(
                400, f"(#100) Unsupported get request. Object with ID 'act_{account}' does not exist", 100, subcode=33
            )
        params = {k: v[0] for k, v in request.query.items()}
        query, error = self._insights_query(request, params)
        if error:
            return error
        refused, headers = self._throttled(account)
        if refused:
            return refused
        rows = self._rows(account, query)
        if len(rows) > self.sync_max_rows:
            response = graph_error(
                400, "Please reduce the amount of data you're asking for, then retry your request", 100, subcode=1487534
            )
            response.headers = headers
            return response
        extra = {k: v for k, v in params.items() if k not in ("after", "limit", "access_token")}
        body = self._page(request, rows, query["fields"], extra=extra)
        if isinstance(body, SandboxResponse):
            return body
        return SandboxResponse(body=body, headers=headers)

    @route("POST", VERSION + r"/act_(?P<account>\d+)/insights")
    def start_report(self, request: SandboxRequest) -> SandboxResponse:
        if denied := self._denied(request):
            return denied
        account = request.params["account"]
        if account not in self._accounts():
            return graph_error(
                400, f"(#100) Unsupported post request. Object with ID 'act_{account}' does not exist", 100, subcode=33
            )
        params = {k: v[0] for k, v in request.query.items()}
        params.update(request.form() if request.body else {})
        query, error = self._insights_query(request, params)
        if error:
            return error
        refused, headers = self._throttled(account)
        if refused:
            return refused
        report_id = str(next(self._report_ids))
        with self._lock:
            self._reports[report_id] = {"account": account, "query": query, "polls": 0, "failed": False}
        return SandboxResponse(body={"report_run_id": report_id}, headers=headers)

    @route("GET", VERSION + r"/(?P<object_id>\d+)")
    def get_object(self, request: SandboxRequest) -> SandboxResponse:
        """A node by id: a custom audience, a report run's status, or a lead (Graph reads all as `GET /{id}`)."""
        if denied := self._denied(request):
            return denied
        object_id = request.params["object_id"]
        with self._audience_lock:
            audience = self.audiences.get(object_id)
            if audience is not None:
                fields = [f for f in (request.arg("fields") or "id").split(",") if f]
                return SandboxResponse(body=self.audience_body(audience, fields))
        with self._lock:
            is_report = object_id in self._reports
        if is_report:
            return self._report_status(request, object_id)
        lead = self._leads()["by_leadgen"].get(object_id)
        if lead is None:
            return graph_error(
                400,
                f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
                "missing permissions, or does not support this operation. Please read the Graph API documentation "
                "at https://developers.facebook.com/docs/graph-api",
                100,
                subcode=33,
                kind="GraphMethodException",
            )
        fields = [f for f in (request.arg("fields") or "created_time,id").split(",") if f]
        body = self._lead(lead, fields)
        if request.fault == "partial":
            body.pop("field_data", None)  # a lead Meta could not return whole
        return SandboxResponse(body=body)

    def _report_status(self, request: SandboxRequest, report_id: str) -> SandboxResponse:
        with self._lock:
            report = self._reports.get(report_id)
            if report is None:
                return graph_error(
                    400, f"(#100) Unsupported get request. Object with ID '{report_id}' does not exist", 100, subcode=33
                )
            report["polls"] += 1
            if request.fault == "partial":
                report["failed"] = True
            percent = min(100, report["polls"] * self.async_step)
            failed = report["failed"]
        if failed:
            state = "Job Failed"
        elif report["polls"] == 1 and percent < 100:
            state = "Job Not Started"
        elif percent < 100:
            state = "Job Running"
        else:
            state = "Job Completed"
        body = {
            "id": report_id,
            "account_id": report["account"],
            "async_status": state,
            "async_percent_completion": 0 if failed else percent,
            "date_start": report["query"]["since"],
            "date_stop": report["query"]["until"],
            "time_ref": int(time.time()),
        }
        if failed:
            body.update({"error_code": 2, "error_message": "Service temporarily unavailable", "error_subcode": 0})
        _, headers = self._throttled(report["account"]) if not failed else (None, {})
        return SandboxResponse(body=body, headers=headers)

    def _report_insights(self, request: SandboxRequest, report_id: str) -> SandboxResponse | dict[str, Any]:
        with self._lock:
            report = self._reports.get(report_id)
        if report is None:
            return graph_error(
                400, f"(#100) Unsupported get request. Object with ID '{report_id}' does not exist", 100, subcode=33
            )
        if report["failed"] or min(100, report["polls"] * self.async_step) < 100:
            return graph_error(400, "(#100) the report run is not complete", 100, subcode=1815107)
        refused, headers = self._throttled(report["account"])
        if refused:
            return refused
        rows = self._rows(report["account"], report["query"])
        body = self._page(request, rows, report["query"]["fields"], extra={})
        if isinstance(body, SandboxResponse):
            return body
        return SandboxResponse(body=body, headers=headers)

    # --- lead ads ----------------------------------------------------------
    @route("GET", VERSION + r"/act_(?P<account>\d+)/promote_pages")
    def promote_pages(self, request: SandboxRequest) -> SandboxResponse | dict[str, Any]:
        if denied := self._denied(request):
            return denied
        dealer = self._accounts().get(request.params["account"])
        if dealer is None:
            return graph_error(400, "(#100) Unsupported get request.", 100, subcode=33)
        index = self._leads()
        pages = [
            {"id": page, "name": index["names"].get(dealer, dealer)}
            for page, d in index["pages"].items()
            if d == dealer
        ]
        return {"data": pages}

    @route("GET", VERSION + r"/(?P<page_id>\d+)/leadgen_forms")
    def leadgen_forms(self, request: SandboxRequest) -> SandboxResponse | dict[str, Any]:
        if denied := self._denied(request):
            return denied
        index = self._leads()
        dealer = index["pages"].get(request.params["page_id"])
        if dealer is None:
            return graph_error(400, "(#100) Unsupported get request.", 100, subcode=33)
        forms = sorted(index["forms_by_dealer"].get(dealer, []))
        name = index["names"].get(dealer, dealer)
        data = [{"id": form, "name": f"{name} lead form {n}", "status": "ACTIVE"} for n, form in enumerate(forms, 1)]
        return {"data": data}

    @route("GET", VERSION + r"/(?P<form_id>\d+)/leads")
    def form_leads(self, request: SandboxRequest) -> SandboxResponse | dict[str, Any]:
        if denied := self._denied(request):
            return denied
        index = self._leads()
        form_id = request.params["form_id"]
        frame = index["forms"].get(form_id)
        if frame is None:
            return graph_error(
                400, f"(#100) Unsupported get request. Object with ID '{form_id}' does not exist", 100, subcode=33
            )
        try:
            filters = json.loads(request.arg("filtering") or "[]")
            limit = min(int(request.arg("limit", str(DEFAULT_LIMIT))), MAX_LIMIT)
            offset = _offset(request.arg("after"))
        except ValueError as exc:
            return graph_error(400, f"(#100) {exc}", 100)
        created = frame["created_at"]
        mask = pd.Series(True, index=frame.index)
        for f in filters:
            if f.get("field") != "time_created":
                return graph_error(400, f"(#100) filtering field {f.get('field')!r} is not supported", 100)
            bound = pd.Timestamp(int(f["value"]), unit="s", tz="UTC")
            op = f.get("operator")
            if op == "GREATER_THAN":
                mask &= created > bound
            elif op == "LESS_THAN":
                mask &= created < bound
            else:
                return graph_error(400, f"(#100) operator {op!r} is not supported for time_created", 100)
        chosen = frame[mask]
        window = chosen.iloc[offset : offset + limit]
        fields = [f for f in (request.arg("fields") or "created_time,id").split(",") if f]
        data = [self._lead(r, fields) for r in window.to_dict("records")]
        if request.fault == "partial" and data:
            data[0].pop("field_data", None)  # a lead Meta could not return whole
        body: dict[str, Any] = {"data": data}
        if len(chosen):
            body["paging"] = {"cursors": {"before": _cursor(offset), "after": _cursor(offset + len(window))}}
            if offset + limit < len(chosen):
                query = {k: v[0] for k, v in request.query.items() if k not in ("after", "access_token")}
                query["after"] = _cursor(offset + len(window))
                host = request.headers.get("Host") or request.headers.get("host") or "127.0.0.1"
                body["paging"]["next"] = f"http://{host}/{self.name}{request.path}?{urlencode(query)}"
        return body

    @staticmethod
    def _lead(r: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        answers = []

        def answer(name: str, value: Any) -> None:
            if value is not None and not (isinstance(value, float) and np.isnan(value)) and str(value) != "":
                answers.append({"name": name, "values": [str(value)]})

        first, last = r.get("first_name"), r.get("last_name")
        full = " ".join(str(p) for p in (first, last) if isinstance(p, str) and p)
        answer("full_name", full or None)
        answer("email", r.get("email"))
        answer("phone_number", r.get("phone"))
        answer("zip_code", r.get("zip"))
        answer("city", r.get("city"))
        answer("vehicle_of_interest", r.get("vehicle_of_interest"))
        created: datetime = r["created_at"].to_pydatetime().astimezone(UTC)
        full_lead = {
            "created_time": created.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "id": str(r.get("meta_leadgen_id") or r.get("lead_id")),
            "form_id": str(r["meta_form_id"]),
            "field_data": answers,
        }
        ad_id = r.get("meta_ad_id") if r.get("meta_ad_id") is not None else r.get("ad_id")
        if ad_id is not None and not (isinstance(ad_id, float) and np.isnan(ad_id)):
            full_lead["ad_id"] = str(ad_id)
        return {f: full_lead[f] for f in fields if f in full_lead}
