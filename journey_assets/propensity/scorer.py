"""`ModelScorer`: the propensity champion behind the response plane's `LeadScorer`, scoring one lead in-process.

The model's input is the person's newest row of the features mart (`LeadFeatures.person`, copied nightly into
the response plane's store) brought up to the moment of the lead with the event's own signals, the way the
mart would count them the next night:

* the lead's type becomes `latest_lead_type_30d` (`LEAD_TYPE_OF_EVENT`: a test-drive request is a
  `test_drive` lead, ...); a repeated-VDP-views lead keeps the person's latest type;
* `leads_90d` counts the intent events since the feature date (this one included; a VDP-triggered lead
  also makes a CRM lead), `vdp_views_30d` the VDP views since;
* the person was touched today (`days_since_last_touch` 0) and is older by the days since
  (`tenure_days`).

The score is the probability x 100 and the band follows the tier (`propensity.tiers`, thresholds from
configuration). With no champion (none trained or promoted yet, or one that will not load) or a person the
warehouse does not know, the rules (`RuleBasedScorer`) decide and the first reason says why. The champion is
re-read when `champion.json` changes (checked at most every `refresh_seconds`), so a promotion reaches a
long-running responder without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import pandas as pd

from journey_assets.journey.scoring import (
    INTENT_EVENTS,
    Band,
    LeadFeatures,
    LeadScorer,
    RuleBasedScorer,
    ScoreReason,
    ScoreResult,
)
from journey_assets.propensity.features import FEATURE_COLUMNS
from journey_assets.propensity.store import LoadedModel, ModelStore, ModelStoreError
from journey_assets.propensity.tiers import TierThresholds, tier_for

log = logging.getLogger("journey_assets.propensity")

MODEL_PREFIX = "propensity-"
# The CRM lead type each intent event becomes (the mart's latest_lead_type_30d values).
LEAD_TYPE_OF_EVENT: Mapping[str, str] = {
    "test_drive_request": "test_drive",
    "credit_application": "credit_app",
    "trade_in_appraisal": "trade_in",
    "price_request": "form",
    "lead_form": "form",
}


def model_input(features: LeadFeatures) -> dict[str, Any]:
    """One row of the model's input: the person's features brought up to the lead (see the module docstring)."""
    if features.person is None:
        raise ValueError("the model needs the warehouse's features for the person")
    values = dict(features.person.values)
    row = {column: values.get(column) for column in FEATURE_COLUMNS}
    days_since = max((features.as_of.date() - features.person.feature_date).days, 0)
    counted_lead = features.new_leads + (features.event_type not in INTENT_EVENTS)
    row["leads_90d"] = float(row.get("leads_90d") or 0) + counted_lead
    row["vdp_views_30d"] = float(row.get("vdp_views_30d") or 0) + features.new_vdp_views
    lead_type = LEAD_TYPE_OF_EVENT.get(features.event_type or "")
    if lead_type is not None:
        row["latest_lead_type_30d"] = lead_type
    row["days_since_last_touch"] = 0.0
    if row.get("tenure_days") is not None:
        row["tenure_days"] = float(row["tenure_days"]) + days_since
    return row


class ModelScorer:
    """The champion's P(buys or leases within 30 days) x 100; the rules when it cannot decide."""

    def __init__(
        self,
        store: ModelStore,
        thresholds: TierThresholds | None = None,
        *,
        fallback: LeadScorer | None = None,
        refresh_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.store = store
        self.thresholds = thresholds or TierThresholds()
        self.fallback = fallback or RuleBasedScorer()
        self.refresh_seconds = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._model: LoadedModel | None = None
        self._champion_version: str | None = None
        self._checked_at: float | None = None
        self._problem = "no champion checked yet"

    @property
    def name(self) -> str:
        model = self.champion()
        return f"{MODEL_PREFIX}{model.version}" if model else getattr(self.fallback, "name", "rules")

    def champion(self) -> LoadedModel | None:
        """The current champion (re-read when its record changed), or None with `_problem` saying why."""
        now = self._clock()
        with self._lock:
            if self._checked_at is not None and now - self._checked_at < self.refresh_seconds:
                return self._model
            self._checked_at = now
            try:
                record = self.store.champion_record()
                version = record["version"] if record else None
                if version is None:
                    self._model, self._champion_version = None, None
                    self._problem = "no propensity champion has been promoted"
                elif version != self._champion_version:
                    self._model, self._champion_version = self.store.load(version), version
            except (ModelStoreError, OSError, ValueError, KeyError) as exc:
                # A champion that will not load leaves the rules in charge; the reason says so (no data in it).
                log.warning(f"propensity: champion not loaded ({type(exc).__name__}: {exc}); scoring by rules")
                self._model, self._champion_version = None, None
                self._problem = f"the propensity champion could not be loaded ({type(exc).__name__})"
            return self._model

    def _by_rules(self, features: LeadFeatures, why: str) -> ScoreResult:
        ruled = self.fallback.score(features)
        return replace(ruled, reasons=(ScoreReason("scored_by_rules", 0, why), *ruled.reasons))

    def score(self, features: LeadFeatures) -> ScoreResult:
        model = self.champion()
        if model is None:
            return self._by_rules(features, f"{self._problem}: scored by rules")
        if features.person is None:
            return self._by_rules(features, "the warehouse does not know this person yet: scored by rules")
        probability = float(model.predict_proba(pd.DataFrame([model_input(features)]))[0])
        tier = tier_for(probability, self.thresholds)
        score = min(100, max(0, int(round(probability * 100))))
        # The rules' reasons stay as the salesperson's talking points; the model alone sets the score.
        signals = tuple(ScoreReason(r.code, 0, r.detail) for r in self.fallback.score(features).reasons)
        headline = ScoreReason(
            "propensity",
            score,
            f"{probability:.0%} chance to buy or lease within 30 days ({tier.value}: model {model.version})",
        )
        return ScoreResult(score, Band(tier.value), (headline, *signals), f"{MODEL_PREFIX}{model.version}")
