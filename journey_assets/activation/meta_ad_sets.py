"""Paused Meta ad sets for the retargeting audiences (decision 1142): pure planning plus one ensure loop.

One ad set per (retargeting sync, rooftop ad account), targeting that account's audience of the sync
(`"<audience_name> <rooftop>"`, decision 1141), excluding the account's exclusion audiences, with a frequency
cap (`frequency_control_specs`, which Meta applies only under the REACH goal, so the goal is REACH billed by
impressions). Created PAUSED, found again by name on later runs (never created twice), never activated or
edited here: a person reviews it in Ads Manager.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from journey_assets.activation.spec import SyncSpec
from journey_assets.connectors.http import VendorError

AD_SETS_FILE = Path(__file__).with_name("ad_sets.yml")
CAMPAIGN_ENV = "JOURNEY_META_RETARGETING_CAMPAIGN_"
COUNTRIES = ["US"]  # Meta requires geo_locations; the group's rooftops are in the US


class AdSetConfigError(ValueError):
    pass


@dataclass(frozen=True)
class AdSetPlan:
    sync: str
    propose: bool
    daily_budget: int
    max_frequency: int
    interval_days: int


@dataclass(frozen=True)
class AdSetConfig:
    plans: dict[str, AdSetPlan]
    exclude_syncs: list[str]
    campaign_ids: dict[str, str]

    def campaign_for(self, account: str, env: Mapping[str, str] | None = None) -> str | None:
        env = os.environ if env is None else env
        digits = str(account).removeprefix("act_")
        return env.get(CAMPAIGN_ENV + digits) or self.campaign_ids.get(digits) or None


def parse_ad_sets(document: Any, specs: Mapping[str, SyncSpec]) -> AdSetConfig:
    """The config, checked against the syncs it names: a bad entry is an error naming it, at load time."""
    if not isinstance(document, dict) or not isinstance(document.get("ad_sets"), dict):
        raise AdSetConfigError("ad_sets.yml: an 'ad_sets' mapping is required")
    plans = {}
    for name, entry in document["ad_sets"].items():
        where = f"ad_sets.{name}"
        if name not in specs or "audience_name" not in specs[name].params:
            raise AdSetConfigError(f"{where}: not a Meta audience sync in syncs.yml")
        entry = entry or {}
        cap = entry.get("frequency_cap") or {}
        try:
            plan = AdSetPlan(
                name,
                bool(entry.get("propose", False)),
                int(entry["daily_budget"]),
                int(cap["max_frequency"]),
                int(cap["interval_days"]),
            )
        except (KeyError, TypeError, ValueError):
            raise AdSetConfigError(
                f"{where}: needs daily_budget and frequency_cap {{max_frequency, interval_days}} (integers)"
            ) from None
        if plan.daily_budget <= 0 or not (1 <= plan.max_frequency <= 90 and 1 <= plan.interval_days <= 90):
            raise AdSetConfigError(
                f"{where}: daily_budget > 0, max_frequency and interval_days in 1..90 (Meta's range)"
            )
        plans[name] = plan
    excludes = list(document.get("exclude_syncs") or [])
    for name in excludes:
        if name not in specs or "audience_name" not in specs[name].params:
            raise AdSetConfigError(f"exclude_syncs: {name!r} is not a Meta audience sync in syncs.yml")
    campaigns = {str(k).removeprefix("act_"): str(v) for k, v in (document.get("campaign_ids") or {}).items() if v}
    return AdSetConfig(plans, excludes, campaigns)


def load_ad_sets(specs: Mapping[str, SyncSpec], path: Path | str = AD_SETS_FILE) -> AdSetConfig:
    return parse_ad_sets(yaml.safe_load(Path(path).read_text()), specs)


def audience_name(spec: SyncSpec, rooftop: str) -> str:
    return f"{spec.params['audience_name']} {rooftop}"  # as MetaAudiencesByAccount names them (decision 1141)


def ad_set_body(name: str, campaign_id: str, plan: AdSetPlan, audience_id: str, excluded: list[str]) -> dict:
    """The `POST /act_{id}/adsets` fields (status PAUSED is added by the client, always)."""
    return {
        "name": name,
        "campaign_id": campaign_id,
        "billing_event": "IMPRESSIONS",
        "optimization_goal": "REACH",  # the only goal under which Meta applies frequency_control_specs
        "daily_budget": plan.daily_budget,
        "targeting": {
            "geo_locations": {"countries": COUNTRIES},
            "custom_audiences": [{"id": audience_id}],
            "excluded_custom_audiences": [{"id": i} for i in excluded],
        },
        "frequency_control_specs": [
            {"event": "IMPRESSIONS", "interval_days": plan.interval_days, "max_frequency": plan.max_frequency}
        ],
    }


@dataclass
class AdSetOutcome:
    sync: str
    account: str
    rooftop: str
    outcome: str  # created | existing | skipped | failed
    ad_set_id: str | None = None
    reason: str = ""


@dataclass
class AdSetReport:
    outcomes: list[AdSetOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)


def ensure_ad_sets(
    client: Any,
    config: AdSetConfig,
    specs: Mapping[str, SyncSpec],
    rooftops: Iterable[tuple[str, str]],
    *,
    env: Mapping[str, str] | None = None,
) -> AdSetReport:
    """Ensure a paused ad set per proposed sync and (rooftop, account); one account's refusal spoils no other."""
    report = AdSetReport()
    for rooftop, account in sorted(set(rooftops)):
        campaign = config.campaign_for(account, env)
        for plan in config.plans.values():
            if not plan.propose:
                continue
            spec = specs[plan.sync]
            out = AdSetOutcome(plan.sync, str(account), rooftop, "skipped")
            report.outcomes.append(out)
            if campaign is None:
                out.reason = f"no campaign id for act_{account} ({CAMPAIGN_ENV}{account} or ad_sets.yml campaign_ids)"
                continue
            try:
                audience = client.find_audience(account, audience_name(spec, rooftop))
                if audience is None:
                    out.reason = f"audience {audience_name(spec, rooftop)!r} not created yet (its sync sends first)"
                    continue
                excluded = []
                for name in config.exclude_syncs:
                    found = client.find_audience(account, audience_name(specs[name], rooftop))
                    if found is not None:
                        excluded.append(str(found["id"]))
                name = f"{audience_name(spec, rooftop)} (review)"
                body = ad_set_body(name, campaign, plan, str(audience["id"]), excluded)
                out.ad_set_id, created = client.ensure_paused_ad_set(account, body)
                out.outcome = "created" if created else "existing"
                missing = len(config.exclude_syncs) - len(excluded)
                out.reason = f"excludes {len(excluded)} audience(s)" + (
                    f", {missing} not created yet" if missing else ""
                )
            except VendorError as exc:  # this (sync, account) fails; the others go on
                out.outcome, out.reason = "failed", str(exc)
    return report
