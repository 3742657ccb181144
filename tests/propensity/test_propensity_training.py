import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from journey_assets.propensity import charts
from journey_assets.propensity.baseline import rule_scores
from journey_assets.propensity.evaluation import evaluate
from journey_assets.propensity.features import prepare
from journey_assets.propensity.model_card import model_card
from journey_assets.propensity.training import LABEL, decide, refit, train_candidates, untrainable_because, window


@pytest.fixture(scope="module")
def training_set(make_synthetic):
    train, _, train_label = make_synthetic(4000, seed=11)
    holdout, holdout_probability, holdout_label = make_synthetic(3000, seed=12)
    frame = pd.concat(
        [
            train.assign(feature_date=pd.Timestamp("2026-09-01"), bought_30d=train_label, split="train"),
            holdout.assign(feature_date=pd.Timestamp("2026-11-01"), bought_30d=holdout_label, split="holdout"),
        ],
        ignore_index=True,
    )
    return frame, holdout_probability


@pytest.fixture(scope="module")
def result(training_set):
    return train_candidates(training_set[0])


def test_candidates_learn_the_planted_function_on_the_holdout(result, training_set):
    _, truth = training_set
    holdout_label = training_set[0].query("split == 'holdout'")["bought_30d"]
    oracle = roc_auc_score(holdout_label, truth)
    assert set(result.candidates) == {"logistic", "boosted"}
    for candidate in result.candidates.values():
        assert candidate.evaluation.roc_auc > oracle - 0.05
        assert candidate.evaluation.ece < 0.05
    assert result.best in result.candidates
    assert (
        result.candidates["logistic"].importance["vdp_views_30d"]
        > result.candidates["logistic"].importance["tenure_days"]
    )
    assert result.row_counts == {
        "train_rows": 4000,
        "train_positives": int(training_set[0].query("split == 'train'")["bought_30d"].sum()),
        "holdout_rows": 3000,
        "holdout_positives": int(holdout_label.sum()),
    }
    assert window(training_set[0]) == {"train_feature_dates": ["2026-09-01"], "holdout_feature_date": "2026-11-01"}


def test_rule_score_reads_the_same_features(training_set):
    frame = training_set[0].head(4).copy()
    frame["latest_lead_type_30d"] = ["test_drive", "form", None, "chat"]
    frame["lease_closeness"] = [0.0, 0.0, 0.75, 0.0]  # 0.75: the lease matures in 3 months
    frame["service_recency"] = [0.0, 0.5, 0.0, 0.0]
    frame["vdp_views_30d"] = [0, 0, 0, 5]
    assert list(rule_scores(frame)) == [0.50, 0.35, 0.20, 0.15]


def test_refit_uses_every_matured_row(training_set, result):
    # with every holdout person a buyer, a model refitted on both splits predicts far more buying
    frame = training_set[0].copy()
    frame.loc[frame["split"] == "holdout", "bought_30d"] = 1
    features = prepare(frame)
    refitted = refit("logistic", frame).predict_proba(features)[:, 1].mean()
    train_only = result.candidates["logistic"].estimator.predict_proba(features)[:, 1].mean()
    assert refitted > train_only + 0.2


def test_champion_decision_needs_a_real_gain():
    rng = np.random.default_rng(5)
    p = rng.beta(1, 10, 5000)
    y = (rng.random(5000) < p).astype(int)
    good, noisy = evaluate(y, p), evaluate(y, np.clip(p + rng.normal(0, 0.1, 5000), 0, 1))
    assert decide(good, None).promote and "first model" in decide(good, None).reason
    assert decide(good, noisy).promote
    kept = decide(noisy, good)
    assert not kept.promote and "champion kept" in kept.reason
    assert not decide(good, good).promote  # no gain, no promotion


def test_charts_are_png_and_the_card_names_the_window(result):
    evaluations = {name: c.evaluation for name, c in result.candidates.items()}
    assert charts.calibration_png(evaluations).startswith(b"\x89PNG")
    assert charts.lift_png(evaluations).startswith(b"\x89PNG")
    card = model_card({"version": "v1", "training_window": result.window, "holdout_metrics": {"roc_auc": 0.8}})
    assert "2026-11-01" in card and "| roc_auc | 0.8 |" in card


def test_a_history_too_short_to_train_is_named_not_trained(training_set):
    training_set, _ = training_set
    assert untrainable_because(training_set) is None
    no_holdout = training_set[training_set["split"] == "train"]
    assert "no holdout rows" in untrainable_because(no_holdout)
    no_buyer = training_set.assign(**{LABEL: 0})
    assert "one outcome only" in untrainable_because(no_buyer)
