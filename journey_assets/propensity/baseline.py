"""The rule score (journey/scoring.py, rules-v1) from the same feature row, as the model's baseline.

The features mart has what the rules read, except two approximations: it counts VDP views over 30
days, not 7 (so ``3+ VDP views in 7 days`` reads the 30-day count), and a lead form is a lead_type
"form" (the rules' price request; the mart does not tell a Meta lead-ad form apart).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from journey_assets.journey.scoring import LeadFeatures, RuleBasedScorer
from journey_assets.propensity.features import prepare

DAYS_PER_MONTH = 30.44  # dbt var features_days_per_month
LEASE_HORIZON_MONTHS = 12  # dbt var features_lease_horizon_months


def rule_features(row: dict, as_of: datetime) -> LeadFeatures:
    lead_type = row["latest_lead_type_30d"]
    closeness = row["lease_closeness"] or 0.0
    maturity = None
    if closeness > 0:
        # lease_closeness = (H - months to maturity) / H, so the months (and the date) come back out of it
        maturity = (as_of + timedelta(days=LEASE_HORIZON_MONTHS * (1 - closeness) * DAYS_PER_MONTH)).date()
    return LeadFeatures(
        as_of=as_of,
        test_drive_request=lead_type == "test_drive",
        credit_application=lead_type == "credit_app",
        trade_in_appraisal=lead_type == "trade_in",
        price_request=lead_type == "form",
        vdp_views_7d=int(row["vdp_views_30d"] or 0),
        lease_maturity_date=maturity,
        prior_service_customer=(row["service_recency"] or 0.0) > 0,
    )


def rule_scores(frame: pd.DataFrame) -> np.ndarray:
    """rules-v1's 0-100 score / 100 per row (a rank, not a probability)."""
    scorer = RuleBasedScorer()
    as_of = datetime(2000, 1, 1, tzinfo=UTC)  # only differences from as_of matter
    rows = prepare(frame).to_dict("records")
    return np.array([scorer.score(rule_features(row, as_of)).score / 100 for row in rows], dtype=float)
