"""How good a propensity score is: discrimination, calibration, lift, drift. Pure functions over arrays.

scikit-learn computes the standard metrics (ROC AUC, average precision as PR AUC, Brier, log loss, the
calibration curve); lift/capture by decile, expected calibration error and the population stability
index are a few lines each here because scikit-learn has none of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

DECILES = 10
CALIBRATION_BINS = 10
PSI_BINS = 10
_EPS = 1e-6


def deciles(scores: np.ndarray) -> np.ndarray:
    """1..10 by rank, 10 = the highest scores; ties share the rank's decile (equal-count buckets)."""
    scores = np.asarray(scores, dtype=float)
    if len(scores) == 0:
        return np.array([], dtype=int)
    ranks = pd.Series(scores).rank(method="average").to_numpy()
    return np.clip(np.ceil(ranks / len(scores) * DECILES), 1, DECILES).astype(int)


def lift_table(labels: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """Per decile (10 first): people, buyers, their rate, lift over the overall rate, cumulative capture."""
    frame = pd.DataFrame({"decile": deciles(scores), "label": np.asarray(labels, dtype=float)})
    table = frame.groupby("decile")["label"].agg(people="size", buyers="sum").sort_index(ascending=False)
    overall = frame["label"].mean()
    table["rate"] = table["buyers"] / table["people"]
    table["lift"] = table["rate"] / overall if overall > 0 else np.nan
    table["capture"] = table["buyers"].cumsum() / max(table["buyers"].sum(), 1)
    return table.reset_index()


def expected_calibration_error(labels: np.ndarray, scores: np.ndarray, bins: int = CALIBRATION_BINS) -> float:
    """Mean |observed rate - mean score| over equal-count score bins, weighted by the bins' sizes."""
    frame = pd.DataFrame({"label": np.asarray(labels, dtype=float), "score": np.asarray(scores, dtype=float)})
    frame["bin"] = pd.qcut(frame["score"].rank(method="first"), bins, labels=False)
    by_bin = frame.groupby("bin").agg(rate=("label", "mean"), score=("score", "mean"), n=("label", "size"))
    return float((by_bin["n"] * (by_bin["rate"] - by_bin["score"]).abs()).sum() / len(frame))


def population_stability_index(expected: np.ndarray, actual: np.ndarray, bins: int = PSI_BINS) -> float:
    """PSI of `actual` against `expected` over the expected's quantile bins (a value's own bin when a feature
    has few distinct values): sum (a - e) * ln(a / e). Under 0.1 stable, 0.1-0.25 moderate, above 0.25 drift."""
    expected = np.asarray(expected, dtype=float)
    actual = np.asarray(actual, dtype=float)
    expected, actual = expected[~np.isnan(expected)], actual[~np.isnan(actual)]
    if len(expected) == 0 or len(actual) == 0:
        return 0.0
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)[1:-1]))
    e = np.bincount(np.searchsorted(edges, expected, side="right"), minlength=len(edges) + 1) / len(expected)
    a = np.bincount(np.searchsorted(edges, actual, side="right"), minlength=len(edges) + 1) / len(actual)
    e, a = np.maximum(e, _EPS), np.maximum(a, _EPS)
    return float(np.sum((a - e) * np.log(a / e)))


def feature_psi(expected: pd.DataFrame, actual: pd.DataFrame) -> dict[str, float]:
    """PSI per column; a categorical column is compared by its categories' shares."""
    out: dict[str, float] = {}
    for column in expected.columns:
        if pd.api.types.is_numeric_dtype(expected[column]):
            out[column] = population_stability_index(expected[column], actual[column])
        else:
            e = expected[column].fillna("none").value_counts(normalize=True)
            a = actual[column].fillna("none").value_counts(normalize=True)
            e, a = e.reindex(e.index.union(a.index), fill_value=0), a.reindex(e.index.union(a.index), fill_value=0)
            e, a = np.maximum(e.to_numpy(), _EPS), np.maximum(a.to_numpy(), _EPS)
            out[column] = float(np.sum((a - e) * np.log(a / e)))
    return out


@dataclass(frozen=True)
class Evaluation:
    rows: int
    positives: int
    roc_auc: float
    pr_auc: float
    brier: float
    log_loss: float
    ece: float
    top_decile_lift: float
    lift: pd.DataFrame
    calibration: pd.DataFrame  # mean predicted vs observed per quantile bin

    def metrics(self) -> dict[str, float | int]:
        return {
            "rows": self.rows,
            "positives": self.positives,
            "roc_auc": round(self.roc_auc, 4),
            "pr_auc": round(self.pr_auc, 4),
            "brier": round(self.brier, 5),
            "log_loss": round(self.log_loss, 5),
            "ece": round(self.ece, 5),
            "top_decile_lift": round(self.top_decile_lift, 3),
        }


def evaluate(labels: np.ndarray, scores: np.ndarray) -> Evaluation:
    labels = np.asarray(labels, dtype=int)
    scores = np.clip(np.asarray(scores, dtype=float), 0.0, 1.0)
    if len(np.unique(labels)) < 2:
        raise ValueError("evaluation needs both buyers and non-buyers in the holdout")
    lift = lift_table(labels, scores)
    observed, predicted = calibration_curve(labels, scores, n_bins=CALIBRATION_BINS, strategy="quantile")
    return Evaluation(
        rows=len(labels),
        positives=int(labels.sum()),
        roc_auc=float(roc_auc_score(labels, scores)),
        pr_auc=float(average_precision_score(labels, scores)),
        brier=float(brier_score_loss(labels, scores)),
        log_loss=float(log_loss(labels, scores, labels=[0, 1])),
        ece=expected_calibration_error(labels, scores),
        top_decile_lift=float(lift.loc[lift["decile"] == DECILES, "lift"].iloc[0]),
        lift=lift,
        calibration=pd.DataFrame({"predicted": predicted, "observed": observed}),
    )
