from datetime import UTC, date, datetime, timedelta

import pytest

from journey_assets.journey.scoring import (
    Band,
    LeadEvent,
    LeadFeatures,
    LeadScorer,
    RuleBasedScorer,
    RuleWeights,
    ScoreResult,
)

NOW = datetime(2024, 6, 10, 15, 0, tzinfo=UTC)
SCORER = RuleBasedScorer()


def test_rule_scorer_implements_the_protocol():
    assert isinstance(SCORER, LeadScorer)

    class Constant:
        def score(self, features):
            return ScoreResult(50, Band.HOT, (), "constant")

    assert isinstance(Constant(), LeadScorer)


def test_nothing_known_is_cold_zero():
    r = SCORER.score(LeadFeatures(as_of=NOW))
    assert (r.score, r.band, r.reasons) == (0, Band.COLD, ())
    assert r.model == "rules-v1"


@pytest.mark.parametrize(
    "features, score, band",
    [
        ({"test_drive_request": True}, 50, Band.HOT),
        ({"credit_application": True}, 45, Band.HOT),
        ({"trade_in_appraisal": True}, 30, Band.WARM),
        ({"price_request": True}, 25, Band.WARM),
        ({"trade_in_appraisal": True, "price_request": True}, 55, Band.HOT),
        ({"prior_service_customer": True}, 10, Band.COLD),
        ({"vdp_views_7d": 2}, 0, Band.COLD),
        ({"vdp_views_7d": 3}, 15, Band.COLD),
        ({"vdp_views_7d": 3, "prior_service_customer": True}, 25, Band.WARM),
    ],
)
def test_weights_and_bands(features, score, band):
    r = SCORER.score(LeadFeatures(as_of=NOW, **features))
    assert (r.score, r.band) == (score, band)
    assert sum(x.points for x in r.reasons) == score


def test_everything_caps_at_100_and_reasons_are_ordered():
    r = SCORER.score(
        LeadFeatures(
            as_of=NOW,
            test_drive_request=True,
            credit_application=True,
            trade_in_appraisal=True,
            price_request=True,
            vdp_views_7d=9,
            lease_maturity_date=date(2024, 9, 1),
            prior_service_customer=True,
        )
    )
    assert r.score == 100 and r.band is Band.HOT
    assert [x.code for x in r.reasons][:2] == ["test_drive_request", "credit_application"]
    assert len(r.reasons) == 7


def test_lease_maturity_window_is_six_months():
    def lease(d):
        return SCORER.score(LeadFeatures(as_of=NOW, lease_maturity_date=d)).score

    assert lease(date(2024, 6, 10)) == 20
    assert lease(date(2024, 12, 10)) == 20
    assert lease(date(2024, 12, 11)) == 0
    assert lease(date(2024, 6, 9)) == 0  # already matured


def test_features_from_events_respect_windows():
    events = [
        LeadEvent("vdp_view", NOW - timedelta(days=1)),
        LeadEvent("vdp_view", NOW - timedelta(days=3)),
        LeadEvent("vdp_view", NOW - timedelta(days=6, hours=23)),
        LeadEvent("vdp_view", NOW - timedelta(days=8)),  # too old
        LeadEvent("price_request", NOW - timedelta(days=10)),
        LeadEvent("test_drive_request", NOW - timedelta(days=45)),  # too old
        LeadEvent("credit_application", NOW + timedelta(hours=1)),  # future: ignored
    ]
    f = LeadFeatures.from_events(events, NOW, prior_service_customer=True)
    assert f.vdp_views_7d == 3 and f.price_request
    assert not f.test_drive_request and not f.credit_application
    r = SCORER.score(f)
    assert r.score == 25 + 15 + 10 and r.band is Band.HOT


def test_custom_weights():
    scorer = RuleBasedScorer(RuleWeights(price_request=60, hot_at=70, warm_at=50))
    r = scorer.score(LeadFeatures(as_of=NOW, price_request=True))
    assert (r.score, r.band) == (60, Band.WARM)


def test_score_result_bounds():
    with pytest.raises(ValueError):
        ScoreResult(101, Band.HOT, (), "x")
