"""Small synthetic feature frames with a known purchase function, for the propensity library's tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journey_assets.propensity.features import COUNT_COLUMNS, DAY_COLUMNS, LEAD_TYPES


def synthetic_features(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A feature frame, its true probabilities and one draw of the label (more VDP views, a test-drive
    lead and a near lease raise the chance; a purchase in the last 180 days lowers it)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({column: rng.poisson(1.0, n).astype(float) for column in COUNT_COLUMNS})
    frame["lease_closeness"] = np.where(rng.random(n) < 0.2, rng.random(n), 0.0)
    frame["service_recency"] = np.where(rng.random(n) < 0.5, rng.random(n), 0.0)
    frame["purchased_180d"] = rng.random(n) < 0.05
    for column in DAY_COLUMNS:
        frame[column] = np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 900, n))
    frame["latest_lead_type_30d"] = np.where(rng.random(n) < 0.2, rng.choice(LEAD_TYPES, n), None)
    z = (
        -3.0
        + 0.9 * np.log1p(frame["vdp_views_30d"])
        + 2.0 * (frame["latest_lead_type_30d"] == "test_drive")
        + 1.5 * frame["lease_closeness"]
        - 2.0 * frame["purchased_180d"]
    )
    probability = 1 / (1 + np.exp(-z.to_numpy(dtype=float)))
    return frame, probability, (rng.random(n) < probability).astype(int)


@pytest.fixture(scope="session")
def synthetic_train():
    return synthetic_features(4000, seed=1)


@pytest.fixture(scope="session")
def synthetic_holdout():
    return synthetic_features(3000, seed=2)


@pytest.fixture(scope="session")
def fitted_logistic(synthetic_train):
    from journey_assets.propensity.candidates import logistic
    from journey_assets.propensity.features import prepare

    frame, _, label = synthetic_train
    return logistic().fit(prepare(frame), label)
