"""The model's input: the columns of `marts.fct_customer_features_daily` it reads, and their types.

Every engine (the batch scorer, the response plane's real-time scorer, BQML) feeds a model a frame with
exactly :data:`FEATURE_COLUMNS`; :func:`prepare` checks and coerces one so a model never sees a column
out of order or a boolean as an object.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# latest_lead_type_30d takes these values (the CRM's lead types); anything else is "none" to the model
LEAD_TYPES: tuple[str, ...] = ("form", "chat", "phone", "trade_in", "credit_app", "test_drive")
CATEGORICAL_COLUMNS: tuple[str, ...] = ("latest_lead_type_30d",)

# counts: the linear model reads log(1 + count), as a count's tenth unit matters less than its first
COUNT_COLUMNS: tuple[str, ...] = (
    "vdp_views_30d",
    "sessions_30d",
    "email_sessions_60d",
    "leads_90d",
    "prior_purchases",
    "vehicles_held",
)
# already on a 0..1 scale (0 when the person has no lease / no service visit), or a flag
UNIT_COLUMNS: tuple[str, ...] = ("lease_closeness", "service_recency", "purchased_180d")
# day counts, null when there is nothing to count from (never touched)
DAY_COLUMNS: tuple[str, ...] = ("days_since_last_touch", "tenure_days")

NUMERIC_COLUMNS: tuple[str, ...] = COUNT_COLUMNS + UNIT_COLUMNS + DAY_COLUMNS
FEATURE_COLUMNS: tuple[str, ...] = NUMERIC_COLUMNS + CATEGORICAL_COLUMNS

# the keys that travel with a feature row but are not the model's input
KEY_COLUMNS: tuple[str, ...] = ("customer_key", "dealer_id", "feature_date")


class FeatureFrameError(ValueError):
    """A frame handed to a model lacks a feature column."""


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame's feature columns in :data:`FEATURE_COLUMNS` order: numbers as float (null -> NaN), the lead
    type as a string with no lead (or an unknown type) as "none". Extra columns are dropped."""
    missing = [column for column in FEATURE_COLUMNS if column not in frame.columns]
    if missing:
        raise FeatureFrameError(f"feature columns missing: {', '.join(missing)}")
    out = pd.DataFrame(index=frame.index)
    for column in NUMERIC_COLUMNS:
        out[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    lead_type = frame["latest_lead_type_30d"].astype(object)
    known = lead_type.isin(LEAD_TYPES)
    out["latest_lead_type_30d"] = np.where(known, lead_type, "none").astype(object)
    return out
