"""Train the candidates on the training dates, compare them and the rule score on the holdout, decide
champion vs challenger. The training set is dbt's `marts.ml_propensity_training_set` (one row per person
and snapshot date, with `bought_30d` and `split`); see docs/decisions/1001-propensity-training-set.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance

from journey_assets.propensity.baseline import rule_scores
from journey_assets.propensity.candidates import CANDIDATES, RANDOM_STATE
from journey_assets.propensity.evaluation import Evaluation, evaluate
from journey_assets.propensity.features import FEATURE_COLUMNS, prepare

LABEL = "bought_30d"
IMPORTANCE_ROWS = 10_000  # permutation importance on a sample of the holdout: enough for a stable ranking


@dataclass(frozen=True)
class CandidateResult:
    name: str
    estimator: Any  # fitted on the training dates only, evaluated on the holdout
    evaluation: Evaluation
    importance: dict[str, float]  # drop in holdout ROC AUC when the feature is shuffled
    fit_seconds: float


@dataclass(frozen=True)
class TrainingResult:
    candidates: dict[str, CandidateResult]
    rules: Evaluation
    best: str
    window: dict[str, Any]
    row_counts: dict[str, int]
    holdout_features: pd.DataFrame = field(repr=False)
    train_features: pd.DataFrame = field(repr=False)


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str


def split(training_set: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    train = training_set[training_set["split"] == "train"]
    holdout = training_set[training_set["split"] == "holdout"]
    if train.empty or holdout.empty:
        raise ValueError("the training set needs both train and holdout rows (dbt var propensity_snapshot_days_back)")
    return train, holdout


def untrainable_because(training_set: pd.DataFrame) -> str | None:
    """Why this training set cannot train and judge a model (None when it can): a warehouse with too little
    history has no matured holdout, or no buyer on one side of the split."""
    for side in ("train", "holdout"):
        rows = training_set[training_set["split"] == side]
        if rows.empty:
            return f"no {side} rows: the warehouse's history does not reach the snapshot dates yet"
        if rows[LABEL].nunique() < 2:
            return f"the {side} rows have one outcome only ({len(rows)} rows): nothing to learn or judge"
    return None


def window(training_set: pd.DataFrame) -> dict[str, Any]:
    train, holdout = split(training_set)
    return {
        "train_feature_dates": sorted(str(d)[:10] for d in train["feature_date"].unique()),
        "holdout_feature_date": str(holdout["feature_date"].max())[:10],
    }


def train_candidates(training_set: pd.DataFrame, names: tuple[str, ...] = tuple(CANDIDATES)) -> TrainingResult:
    train, holdout = split(training_set)
    x_train, y_train = prepare(train), train[LABEL].to_numpy(dtype=int)
    x_holdout, y_holdout = prepare(holdout), holdout[LABEL].to_numpy(dtype=int)
    results: dict[str, CandidateResult] = {}
    for name in names:
        started = time.perf_counter()
        estimator = CANDIDATES[name]().fit(x_train, y_train)
        fit_seconds = time.perf_counter() - started
        evaluation = evaluate(y_holdout, estimator.predict_proba(x_holdout)[:, 1])
        results[name] = CandidateResult(
            name, estimator, evaluation, importance(estimator, x_holdout, y_holdout), round(fit_seconds, 2)
        )
    best = max(results.values(), key=lambda r: (r.evaluation.roc_auc, -r.evaluation.brier)).name
    return TrainingResult(
        candidates=results,
        rules=evaluate(y_holdout, rule_scores(holdout)),
        best=best,
        window=window(training_set),
        row_counts={
            "train_rows": len(train),
            "train_positives": int(y_train.sum()),
            "holdout_rows": len(holdout),
            "holdout_positives": int(y_holdout.sum()),
        },
        holdout_features=x_holdout,
        train_features=x_train,
    )


def importance(estimator: Any, features: pd.DataFrame, labels: np.ndarray) -> dict[str, float]:
    if len(features) > IMPORTANCE_ROWS:
        sample = np.random.default_rng(RANDOM_STATE).choice(len(features), IMPORTANCE_ROWS, replace=False)
        features, labels = features.iloc[sample], labels[sample]
    if len(np.unique(labels)) < 2:
        return {}
    result = permutation_importance(
        estimator, features, labels, scoring="roc_auc", n_repeats=2, random_state=RANDOM_STATE
    )
    ranked = sorted(zip(FEATURE_COLUMNS, result.importances_mean, strict=True), key=lambda kv: -kv[1])
    return {name: round(float(value), 4) for name, value in ranked}


REFIT_ROWS = ("all", "holdout")


def refit(name: str, training_set: pd.DataFrame, rows: str = "all") -> Any:
    """The chosen candidate refitted, with the configuration the holdout chose, on every matured row (`all`:
    training dates and holdout date) or on the holdout date's rows only (`holdout`: the latest outcomes,
    and the only snapshot whose web features have their full look-back; docs/decisions/1001)."""
    if rows not in REFIT_ROWS:
        raise ValueError(f"refit rows must be one of {REFIT_ROWS}, not {rows!r}")
    if rows == "holdout":
        _, training_set = split(training_set)
    return CANDIDATES[name]().fit(prepare(training_set), training_set[LABEL].to_numpy(dtype=int))


def decide(challenger: Evaluation, champion: Evaluation | None, min_auc_gain: float = 0.005) -> Decision:
    """Challenger vs champion on the same holdout: the challenger wins on a ROC AUC gain of at least
    min_auc_gain without a worse Brier score; with no champion it wins by default."""
    if champion is None:
        return Decision(True, "no champion yet: the first model promotes itself")
    gain = challenger.roc_auc - champion.roc_auc
    if gain >= min_auc_gain and challenger.brier <= champion.brier:
        return Decision(
            True,
            f"challenger ROC AUC {challenger.roc_auc:.4f} vs champion {champion.roc_auc:.4f} (+{gain:.4f}), "
            f"Brier {challenger.brier:.5f} <= {champion.brier:.5f}",
        )
    return Decision(
        False,
        f"champion kept: challenger ROC AUC {challenger.roc_auc:.4f} vs {champion.roc_auc:.4f} "
        f"(gain {gain:+.4f}, needs {min_auc_gain:+.4f}), Brier {challenger.brier:.5f} vs {champion.brier:.5f}",
    )
