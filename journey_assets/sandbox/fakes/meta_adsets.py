"""Meta ad sets, as the sandbox plays them; mixed into `MetaFake` (developers.facebook.com/docs/marketing-api/
reference/ad-account/adsets, reference/ad-campaign-frequency-control-specs).

* `POST /act_{id}/adsets`: required `name`, `campaign_id` (a campaign of that account; the sandbox takes any
  id listed in `campaigns[account]`), `billing_event`, `optimization_goal`, `targeting` (JSON with
  `geo_locations`; `custom_audiences` / `excluded_custom_audiences` as `[{"id"}]` of that account's audiences),
  a budget (`daily_budget` or `lifetime_budget`, minor units), `status` ACTIVE or PAUSED.
  `frequency_control_specs`: `[{event: IMPRESSIONS, interval_days 1..90, max_frequency 1..90}]`, only with
  `optimization_goal` REACH (Meta ignores a cap under other goals; the sandbox refuses it, to be plain).
  Answer `{"id"}`; a bad request is a code 100 error naming the parameter.
* `GET /act_{id}/adsets?fields=..&filtering=[{"field": "name", "operator": "EQUAL", "value": ..}]`.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from journey_assets.sandbox.fakes.meta_audiences import VERSION, _error, _json_param, _params
from journey_assets.sandbox.server import SandboxRequest, SandboxResponse, route

BILLING_EVENTS = frozenset({"IMPRESSIONS", "LINK_CLICKS", "THRUPLAY"})
OPTIMIZATION_GOALS = frozenset({"REACH", "IMPRESSIONS", "LINK_CLICKS", "LANDING_PAGE_VIEWS", "LEAD_GENERATION"})
STATUSES = frozenset({"ACTIVE", "PAUSED"})


class MetaAdSetsMixin:
    """The ad-set endpoints; `MetaFake` inherits them. Needs the audiences mixin (the targeting's audiences)."""

    def _init_ad_sets(self) -> None:
        self.campaigns: dict[str, set[str]] = {}  # account -> campaign ids that exist there (tests set them)
        self.ad_sets: dict[str, dict[str, Any]] = {}
        self._ad_set_ids = itertools.count(23_860_000_000_000_001)

    def _check_ad_set(self, account: str, params: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        """The ad set to store, or the error message (Meta's #100 wording: the parameter and what is wrong)."""
        for key in ("name", "campaign_id", "billing_event", "optimization_goal", "targeting", "status"):
            if not str(params.get(key) or "").strip():
                return None, f"The parameter {key} is required"
        if str(params["campaign_id"]) not in self.campaigns.get(account, set()):
            return None, f"Param campaign_id: campaign {params['campaign_id']} does not exist in act_{account}"
        if params["status"] not in STATUSES:
            return None, f"Param status must be one of {sorted(STATUSES)}"
        if params["billing_event"] not in BILLING_EVENTS:
            return None, f"Param billing_event must be one of {sorted(BILLING_EVENTS)}"
        if params["optimization_goal"] not in OPTIMIZATION_GOALS:
            return None, f"Param optimization_goal must be one of {sorted(OPTIMIZATION_GOALS)}"
        budgets = [k for k in ("daily_budget", "lifetime_budget") if params.get(k) not in (None, "")]
        if len(budgets) != 1:
            return None, "Exactly one of daily_budget or lifetime_budget is required"
        try:
            budget = int(params[budgets[0]])
            targeting = _json_param(params["targeting"])
            caps = _json_param(params.get("frequency_control_specs") or "[]")
        except (ValueError, TypeError):
            return None, "Params targeting, frequency_control_specs must be JSON and the budget an integer"
        if budget <= 0:
            return None, f"Param {budgets[0]} must be a positive integer (minor units)"
        if not isinstance(targeting, dict) or not targeting.get("geo_locations"):
            return None, "Param targeting must be a JSON object with geo_locations"
        ours = {a.id for a in self.audiences.values() if a.account == account}  # type: ignore[attr-defined]
        for key in ("custom_audiences", "excluded_custom_audiences"):
            listed = targeting.get(key) or []
            ids = [str(a.get("id")) for a in listed if isinstance(a, dict)] if isinstance(listed, list) else None
            if ids is None or len(ids) != len(listed) or any(i not in ours for i in ids):
                return None, f"Param targeting[{key}] must be [{{id}}] of custom audiences in act_{account}"
        if not isinstance(caps, list):
            return None, "Param frequency_control_specs must be a list"
        for cap in caps:
            ok = isinstance(cap, dict) and cap.get("event") == "IMPRESSIONS"
            ok = ok and all(
                isinstance(cap.get(k), int) and 1 <= cap[k] <= 90 for k in ("interval_days", "max_frequency")
            )
            if not ok:
                return (
                    None,
                    "Param frequency_control_specs: {event: IMPRESSIONS, interval_days 1-90, max_frequency 1-90}",
                )
        if caps and params["optimization_goal"] != "REACH":
            return None, "Param frequency_control_specs is only available with optimization_goal REACH"
        return {
            "account_id": account,
            "name": str(params["name"]),
            "campaign_id": str(params["campaign_id"]),
            "status": params["status"],
            "billing_event": params["billing_event"],
            "optimization_goal": params["optimization_goal"],
            budgets[0]: str(budget),
            "targeting": targeting,
            "frequency_control_specs": caps,
        }, None

    @route("POST", VERSION + r"/act_(?P<account>\d+)/adsets")
    def create_ad_set(self, request: SandboxRequest) -> SandboxResponse | dict[str, Any]:
        if denied := self._denied(request):  # type: ignore[attr-defined]
            return denied
        account = request.params["account"]
        if account not in self._accounts():  # type: ignore[attr-defined]
            return _error(400, f"(#100) Object with ID 'act_{account}' does not exist", 100, 33)
        with self._audience_lock:  # type: ignore[attr-defined]
            ad_set, problem = self._check_ad_set(account, _params(request))
            if problem:
                return _error(400, f"(#100) Invalid parameter: {problem}", 100)
            assert ad_set is not None
            ad_set["id"] = str(next(self._ad_set_ids))
            self.ad_sets[ad_set["id"]] = ad_set
        return {"id": ad_set["id"]}

    @route("GET", VERSION + r"/act_(?P<account>\d+)/adsets")
    def list_ad_sets(self, request: SandboxRequest) -> SandboxResponse | dict[str, Any]:
        if denied := self._denied(request):  # type: ignore[attr-defined]
            return denied
        account = request.params["account"]
        fields = [f for f in (request.arg("fields") or "id").split(",") if f]
        try:
            filters = json.loads(request.arg("filtering") or "[]")
        except ValueError as exc:
            return _error(400, f"(#100) filtering: {exc}", 100)
        with self._audience_lock:  # type: ignore[attr-defined]
            chosen = [a for a in self.ad_sets.values() if a["account_id"] == account]
            for f in filters:
                if f.get("field") != "name" or f.get("operator") != "EQUAL":
                    return _error(400, "(#100) the sandbox filters adsets by name EQUAL", 100)
                chosen = [a for a in chosen if a["name"] == str(f.get("value"))]
            return {"data": [{k: a[k] for k in ["id", *fields] if k in a} for a in chosen]}
