"""The candidate estimators: each a scikit-learn pipeline from the prepared feature frame to a calibrated
probability, built only from the types the model store trusts (store.TRUSTED_TYPES).

- ``logistic``: L2-regularized logistic regression on log(1 + counts), the unit-scale features and the
  standardized day counts, the lead type one-hot. A logistic loss fitted on the whole training set is
  calibrated by construction; it is still wrapped in sigmoid calibration so both candidates are
  calibrated the same way on held-out folds.
- ``boosted``: HistGradientBoostingClassifier on the raw values (it handles missing values itself),
  isotonic-calibrated on cross-validation folds, as boosted trees' raw scores are often over-confident.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from journey_assets.propensity.features import (
    CATEGORICAL_COLUMNS,
    COUNT_COLUMNS,
    DAY_COLUMNS,
    LEAD_TYPES,
    NUMERIC_COLUMNS,
    UNIT_COLUMNS,
)

CALIBRATION_FOLDS = 3
RANDOM_STATE = 0


def _lead_type_encoder() -> OneHotEncoder:
    # a fixed category list: every model has the same columns whatever types its training days held
    return OneHotEncoder(categories=[[*LEAD_TYPES, "none"]], handle_unknown="ignore", drop=[["none"]])


def logistic(c: float = 1.0) -> CalibratedClassifierCV:
    columns = ColumnTransformer(
        [
            (
                "counts",
                Pipeline(
                    [
                        ("fill", SimpleImputer(strategy="constant", fill_value=0.0)),
                        ("log1p", FunctionTransformer(np.log1p)),
                    ]
                ),
                list(COUNT_COLUMNS),
            ),
            ("units", SimpleImputer(strategy="constant", fill_value=0.0), list(UNIT_COLUMNS)),
            (
                "days",
                Pipeline([("fill", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
                list(DAY_COLUMNS),
            ),
            ("lead_type", _lead_type_encoder(), list(CATEGORICAL_COLUMNS)),
        ]
    )
    model = Pipeline([("columns", columns), ("classifier", LogisticRegression(C=c, max_iter=2000))])
    return CalibratedClassifierCV(model, method="sigmoid", cv=CALIBRATION_FOLDS)


def boosted(learning_rate: float = 0.05, max_iter: int = 300) -> CalibratedClassifierCV:
    columns = ColumnTransformer(
        [
            ("numbers", "passthrough", list(NUMERIC_COLUMNS)),
            ("lead_type", _lead_type_encoder(), list(CATEGORICAL_COLUMNS)),
        ]
    )
    classifier = HistGradientBoostingClassifier(
        learning_rate=learning_rate,
        max_iter=max_iter,
        max_leaf_nodes=15,
        min_samples_leaf=50,
        l2_regularization=1.0,
        early_stopping=True,
        random_state=RANDOM_STATE,
    )
    model = Pipeline([("columns", columns), ("classifier", classifier)])
    return CalibratedClassifierCV(model, method="isotonic", cv=CALIBRATION_FOLDS)


CANDIDATES: dict[str, Callable[[], Any]] = {"logistic": logistic, "boosted": boosted}
