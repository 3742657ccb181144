import numpy as np
import pandas as pd
import pytest

from journey_assets.propensity.features import FEATURE_COLUMNS, FeatureFrameError, prepare
from journey_assets.propensity.tiers import Tier, TierThresholds, tier_for
from journey_assets.settings import SettingError, load_settings


def test_prepare_orders_and_types_the_feature_columns(synthetic_train):
    frame, _, _ = synthetic_train
    shuffled = frame[list(reversed(frame.columns))].assign(customer_key="k")
    shuffled.loc[0, "latest_lead_type_30d"] = "carrier_pigeon"
    prepared = prepare(shuffled)
    assert tuple(prepared.columns) == FEATURE_COLUMNS
    assert prepared["purchased_180d"].dtype == float
    assert prepared.loc[0, "latest_lead_type_30d"] == "none"
    assert prepared["latest_lead_type_30d"].isna().sum() == 0
    assert prepared["days_since_last_touch"].isna().sum() == frame["days_since_last_touch"].isna().sum()


def test_prepare_names_missing_columns():
    with pytest.raises(FeatureFrameError, match="vdp_views_30d"):
        prepare(pd.DataFrame({"sessions_30d": [1]}))


@pytest.mark.parametrize(
    ("probability", "tier"),
    [(0.0, Tier.COLD), (0.0999, Tier.COLD), (0.10, Tier.WARM), (0.30, Tier.HOT), (1.0, Tier.HOT)],
)
def test_tier_for_uses_inclusive_lower_cut_offs(probability, tier):
    assert tier_for(probability, TierThresholds(hot=0.30, warm=0.10)) == tier


def test_tier_thresholds_parse_and_refuse():
    assert TierThresholds.parse("hot=0.5, warm=0.2") == TierThresholds(hot=0.5, warm=0.2)
    assert TierThresholds.parse("") == TierThresholds()
    assert TierThresholds.parse(str(TierThresholds(0.4, 0.05))) == TierThresholds(0.4, 0.05)
    for bad in ("hot=0.1,warm=0.2", "hot=high", "lukewarm=0.2", "0.3"):
        with pytest.raises(ValueError):
            TierThresholds.parse(bad)


def test_settings_read_tiers_and_model_uri(monkeypatch, tmp_path):
    monkeypatch.setenv("JOURNEY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JOURNEY_MODEL_URI", raising=False)
    monkeypatch.setenv("JOURNEY_PROPENSITY_TIERS", "hot=0.4,warm=0.15")
    settings = load_settings()
    assert settings.propensity_tiers == TierThresholds(hot=0.4, warm=0.15)
    assert settings.model_uri == str(tmp_path / "models")
    monkeypatch.setenv("JOURNEY_MODEL_URI", "gs://bucket/models")
    assert load_settings().model_uri == "gs://bucket/models"
    monkeypatch.setenv("JOURNEY_PROPENSITY_TIERS", "hot=warm")
    with pytest.raises(SettingError, match="JOURNEY_PROPENSITY_TIERS"):
        _ = load_settings().propensity_tiers


def test_tiers_are_ordered_probabilities():
    assert np.all([tier_for(p) in tuple(Tier) for p in np.linspace(0, 1, 11)])
