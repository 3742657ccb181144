"""A propensity champion for the response plane's tests: the ml helper's logistic candidate fitted on a synthetic
frame whose buyers are the people with a test-drive lead, more leads and a near lease, saved and promoted in a real
`ModelStore` (skops file, manifest, champion record)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from journey_assets.propensity.candidates import logistic
from journey_assets.propensity.features import COUNT_COLUMNS, FEATURE_COLUMNS, LEAD_TYPES, prepare
from journey_assets.propensity.store import ModelStore


def synthetic_people(n: int = 3000, seed: int = 11) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({column: rng.poisson(1.0, n).astype(float) for column in COUNT_COLUMNS})
    frame["lease_closeness"] = np.where(rng.random(n) < 0.3, rng.random(n), 0.0)
    frame["service_recency"] = np.where(rng.random(n) < 0.5, rng.random(n), 0.0)
    frame["purchased_180d"] = (rng.random(n) < 0.05).astype(float)
    frame["days_since_last_touch"] = rng.integers(0, 200, n).astype(float)
    frame["tenure_days"] = rng.integers(0, 1500, n).astype(float)
    frame["latest_lead_type_30d"] = np.where(rng.random(n) < 0.4, rng.choice(LEAD_TYPES, n), None)
    z = (
        -3.5
        + 3.0 * (frame["latest_lead_type_30d"] == "test_drive")
        + 1.2 * np.log1p(frame["leads_90d"])
        + 2.0 * frame["lease_closeness"]
    )
    probability = 1 / (1 + np.exp(-z.to_numpy(dtype=float)))
    return frame[list(FEATURE_COLUMNS)], (rng.random(n) < probability).astype(int)


def promote_champion(root: Path | str) -> tuple[ModelStore, str]:
    store = ModelStore(root)
    frame, label = synthetic_people()
    model = logistic().fit(prepare(frame), label)
    version = store.save(model, {"engine": "sklearn", "features": list(FEATURE_COLUMNS), "note": "test champion"})
    store.promote(version, "the tests' synthetic champion")
    return store, version
