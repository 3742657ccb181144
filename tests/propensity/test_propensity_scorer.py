"""`ModelScorer`: the champion's probability x 100 with the band of its tier, the event's own signals in the model's
input, and the rules (saying why) when there is no champion, a champion that will not load, or an unknown person."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from support.propensity_model import promote_champion

from journey_assets.journey.scoring import KnownPerson, LeadEvent, LeadFeatures, RuleBasedScorer
from journey_assets.propensity.features import FEATURE_COLUMNS
from journey_assets.propensity.scorer import ModelScorer, model_input
from journey_assets.propensity.store import ModelStore
from journey_assets.propensity.tiers import TierThresholds, tier_for

AT = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
FEATURE_DAY = date(2026, 11, 29)
WAREHOUSE = {
    "vdp_views_30d": 2,
    "sessions_30d": 3,
    "email_sessions_60d": 0,
    "leads_90d": 0,
    "latest_lead_type_30d": None,
    "months_to_lease_maturity": 2.0,
    "lease_closeness": 0.83,
    "months_since_service": 4.0,
    "service_recency": 0.7,
    "prior_purchases": 1,
    "purchased_180d": False,
    "vehicles_held": 1,
    "days_since_last_touch": 12,
    "tenure_days": 700,
}


def lead(event_type: str, *, person: bool = True, earlier: list[LeadEvent] | None = None) -> LeadFeatures:
    events = [*(earlier or []), LeadEvent(event_type, AT)]
    return LeadFeatures.from_events(
        events,
        as_of=AT,
        lease_maturity_date=FEATURE_DAY + timedelta(days=61) if person else None,
        prior_service_customer=person,
        event_type=event_type,
        person=KnownPerson(FEATURE_DAY, WAREHOUSE) if person else None,
        known_until=datetime(2026, 11, 30, 6, 0, tzinfo=UTC) if person else None,
    )


@pytest.fixture(scope="module")
def champion(tmp_path_factory):
    return promote_champion(tmp_path_factory.mktemp("models"))


def test_the_lead_brings_the_warehouse_features_up_to_now():
    earlier = [LeadEvent("vdp_view", AT - timedelta(hours=5)), LeadEvent("price_request", AT - timedelta(days=4))]
    row = model_input(lead("test_drive_request", earlier=earlier))
    assert set(row) == set(FEATURE_COLUMNS)
    assert row["latest_lead_type_30d"] == "test_drive"  # the event's type is the latest lead type
    assert row["leads_90d"] == 1  # this lead; the price request of 4 days ago is already in the warehouse's count
    assert row["vdp_views_30d"] == 3  # the view since the feature date
    assert row["days_since_last_touch"] == 0 and row["tenure_days"] == 702
    assert row["lease_closeness"] == 0.83 and row["purchased_180d"] is False


def test_a_vdp_triggered_lead_counts_as_a_lead_and_keeps_the_latest_type():
    row = model_input(lead("vdp_view"))
    assert row["leads_90d"] == 1 and row["latest_lead_type_30d"] is None


def test_the_champion_scores_the_probability_with_the_band_of_its_tier(champion):
    store, version = champion
    thresholds = TierThresholds(hot=0.5, warm=0.2)
    scorer = ModelScorer(store, thresholds)
    features = lead("test_drive_request")
    result = scorer.score(features)
    probability = store.load(version).predict_proba(pd.DataFrame([model_input(features)]))[0]
    assert result.model == f"propensity-{version}" and scorer.name == result.model
    assert result.score == round(probability * 100)
    assert result.band.value == tier_for(probability, thresholds).value
    assert result.reasons[0].code == "propensity" and version in result.reasons[0].detail
    # the rules' facts stay as talking points, worth nothing to the score
    codes = {r.code: r.points for r in result.reasons[1:]}
    assert codes == {"test_drive_request": 0, "lease_maturity": 0, "prior_service_customer": 0}


def test_the_model_ranks_a_test_drive_above_a_price_request(champion):
    scorer = ModelScorer(champion[0])
    assert scorer.score(lead("test_drive_request")).score > scorer.score(lead("price_request")).score


def test_without_a_champion_the_rules_decide_and_say_why(tmp_path):
    result = ModelScorer(ModelStore(tmp_path / "empty")).score(lead("test_drive_request"))
    assert result.model == "rules-v1"
    assert result.reasons[0].code == "scored_by_rules" and "no propensity champion" in result.reasons[0].detail
    ruled = RuleBasedScorer().score(lead("test_drive_request"))
    assert (result.score, result.band) == (ruled.score, ruled.band) and result.reasons[1:] == ruled.reasons


def test_an_unknown_person_is_scored_by_the_rules(champion):
    result = ModelScorer(champion[0]).score(lead("test_drive_request", person=False))
    assert result.model == "rules-v1" and "does not know this person" in result.reasons[0].detail


def test_a_tampered_champion_is_refused_and_the_rules_decide(tmp_path):
    store, version = promote_champion(tmp_path / "models")
    model_file = tmp_path / "models" / "propensity" / version / "model.skops"
    model_file.write_bytes(model_file.read_bytes() + b"tampered")
    result = ModelScorer(store).score(lead("test_drive_request"))
    assert result.model == "rules-v1" and "could not be loaded" in result.reasons[0].detail


def test_a_promotion_reaches_a_running_scorer_after_the_refresh_interval(tmp_path):
    now = [0.0]
    scorer = ModelScorer(ModelStore(tmp_path / "models"), refresh_seconds=60, clock=lambda: now[0])
    assert scorer.score(lead("test_drive_request")).model == "rules-v1"
    _, version = promote_champion(tmp_path / "models")
    now[0] = 30.0
    assert scorer.score(lead("test_drive_request")).model == "rules-v1"  # not re-read yet
    now[0] = 61.0
    assert scorer.score(lead("test_drive_request")).model == f"propensity-{version}"
