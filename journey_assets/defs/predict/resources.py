"""The predict stage's resource: where model versions live, the tiers, and the monitoring thresholds.

Local: the model store under data/models; prod: JOURNEY_MODEL_URI (gs://bucket/prefix, written with
google-cloud-storage under the run's service account). Tiers: JOURNEY_PROPENSITY_TIERS.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

import dagster as dg

from journey_assets.propensity.store import ModelStore
from journey_assets.propensity.tiers import TierThresholds
from journey_assets.settings import REPO_ROOT, Settings


class PropensityResource(dg.ConfigurableResource):
    model_uri: str
    tiers: str = str(TierThresholds())
    # the asset check fails under this champion ROC AUC on the latest matured window
    min_champion_auc: float = 0.70
    # and warns when a feature's or the score's population stability index passes this
    max_psi: float = 0.25
    # a challenger replaces the champion only with at least this ROC AUC gain on the same holdout
    min_auc_gain: float = 0.005
    # the stored model is refitted on these rows of the training set: all (training and holdout dates) or
    # holdout (the latest matured date only); docs/decisions/1001 has the measurement behind the default
    refit_rows: str = "holdout"

    def store(self) -> ModelStore:
        return ModelStore(self.model_uri)

    def thresholds(self) -> TierThresholds:
        return TierThresholds.parse(self.tiers)


def code_version() -> str:
    """The commit the code location runs (JOURNEY_CODE_VERSION in a deployed image, else git), for manifests."""
    explicit = os.getenv("JOURNEY_CODE_VERSION")
    if explicit:
        return explicit
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def predict_resources(settings: Settings) -> dict[str, Any]:
    return {"propensity": PropensityResource(model_uri=settings.model_uri, tiers=str(settings.propensity_tiers))}
