"""Nightly batch scores with the champion: every person (`marts.customer_scores`) and every open lead
(`marts.lead_scores`), in the shape the BQML engine writes too; and the champion's monitoring check."""

from datetime import UTC, datetime

import dagster as dg
import numpy as np
import pandas as pd

from journey_assets.defs.predict.resources import PropensityResource
from journey_assets.defs.predict.train import CHAMPION_KEY, TRAINING_SET
from journey_assets.propensity.evaluation import deciles, evaluate, feature_psi, population_stability_index
from journey_assets.propensity.features import prepare
from journey_assets.propensity.store import LoadedModel
from journey_assets.propensity.tiers import tier_for
from journey_assets.propensity.training import LABEL, split

SCORING_FEATURES = dg.AssetKey(["marts", "ml_scoring_features"])
OPEN_LEADS = dg.AssetKey(["marts", "ml_open_leads"])
CUSTOMER_SCORES = dg.AssetKey(["marts", "customer_scores"])
SCORE_COLUMNS = ["score", "decile", "tier", "model_version", "scored_at"]


def _champion(propensity: PropensityResource) -> LoadedModel:
    champion = propensity.store().champion()
    if champion is None:
        raise dg.Failure("no champion propensity model: materialize ml/propensity_champion first")
    return champion


def score_people(features: pd.DataFrame, champion: LoadedModel, propensity: PropensityResource) -> pd.DataFrame:
    """One row per person: the champion's probability, its decile among tonight's people, the tier."""
    scores = champion.predict_proba(features) if len(features) else np.array([], dtype=float)
    thresholds = propensity.thresholds()
    return pd.DataFrame(
        {
            "customer_key": features["customer_key"].to_numpy(),
            "dealer_id": features["dealer_id"].to_numpy(),
            "score": scores.astype(float),
            "decile": deciles(scores).astype("int64"),
            "tier": [str(tier_for(s, thresholds)) for s in scores],
            "model_version": champion.version,
            "scored_at": pd.Timestamp(datetime.now(UTC)).tz_localize(None),
        }
    )


@dg.asset(
    key=CUSTOMER_SCORES,
    group_name="predict",
    ins={"features": dg.AssetIn(key=SCORING_FEATURES)},
    deps=[CHAMPION_KEY],
    description="Every person's propensity (P(buys or leases within 30 days)) as of the last loaded day, "
    "scored by the champion: score, decile (10 = highest), tier (settings.propensity_tiers), model_version.",
)
def customer_scores(
    context: dg.AssetExecutionContext, features: pd.DataFrame, propensity: PropensityResource
) -> dg.Output[pd.DataFrame]:
    champion = _champion(propensity)
    scores = score_people(features, champion, propensity)
    tiers = scores["tier"].value_counts().to_dict()
    return dg.Output(
        scores,
        metadata={
            "dagster/row_count": len(scores),
            "model_version": champion.version,
            "mean_score": float(scores["score"].mean()) if len(scores) else 0.0,
            "tiers": dg.MetadataValue.json({str(k): int(v) for k, v in tiers.items()}),
        },
    )


@dg.asset(
    key=dg.AssetKey(["marts", "lead_scores"]),
    group_name="predict",
    ins={"open_leads": dg.AssetIn(key=OPEN_LEADS), "people": dg.AssetIn(key=CUSTOMER_SCORES)},
    description="Every open CRM lead with its person's propensity (customer_scores): the order a sales team "
    "works its open leads in.",
)
def lead_scores(open_leads: pd.DataFrame, people: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    scored = open_leads[["lead_id", "customer_key", "dealer_id"]].merge(
        people[["customer_key", *SCORE_COLUMNS]], on="customer_key", how="inner"
    )
    return dg.Output(
        scored, metadata={"dagster/row_count": len(scored), "unscored_leads": len(open_leads) - len(scored)}
    )


@dg.asset_check(
    asset=CUSTOMER_SCORES,
    additional_ins={
        "training_set": dg.AssetIn(key=TRAINING_SET),
        "features": dg.AssetIn(key=dg.AssetKey(["marts", "ml_scoring_features"])),
    },
    description="Fails when the champion's ROC AUC on the latest matured window is under min_champion_auc; "
    "warns when a feature's or the score's population stability index (tonight vs that window) passes max_psi.",
)
def propensity_champion_health(
    customer_scores: pd.DataFrame, training_set: pd.DataFrame, features: pd.DataFrame, propensity: PropensityResource
) -> dg.AssetCheckResult:
    champion = _champion(propensity)
    _, matured = split(training_set)
    reference = champion.predict_proba(matured)
    evaluation = evaluate(matured[LABEL].to_numpy(dtype=int), reference)
    psi = feature_psi(prepare(matured), prepare(features))
    psi["score"] = population_stability_index(reference, customer_scores["score"].to_numpy())
    drifted = {name: round(value, 3) for name, value in psi.items() if value > propensity.max_psi}
    metadata = {
        "champion_version": champion.version,
        "matured_window": str(matured["feature_date"].max())[:10],
        "roc_auc": round(evaluation.roc_auc, 4),
        "min_champion_auc": propensity.min_champion_auc,
        "psi": dg.MetadataValue.json({k: round(v, 4) for k, v in psi.items()}),
        "drifted": dg.MetadataValue.json(drifted),
    }
    if evaluation.roc_auc < propensity.min_champion_auc:
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR, metadata=metadata)
    if drifted:
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, metadata=metadata)
    return dg.AssetCheckResult(passed=True, metadata=metadata)
