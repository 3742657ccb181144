import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from journey_assets.propensity.evaluation import (
    deciles,
    evaluate,
    expected_calibration_error,
    feature_psi,
    lift_table,
    population_stability_index,
)


@pytest.fixture(scope="module")
def draws():
    rng = np.random.default_rng(7)
    probability = rng.beta(1, 12, 20_000)
    return probability, (rng.random(len(probability)) < probability).astype(int)


def test_metrics_match_scikit_learn(draws):
    probability, label = draws
    result = evaluate(label, probability)
    assert result.roc_auc == pytest.approx(roc_auc_score(label, probability))
    assert result.pr_auc == pytest.approx(average_precision_score(label, probability))
    assert result.brier == pytest.approx(brier_score_loss(label, probability))
    assert result.log_loss == pytest.approx(log_loss(label, probability))
    assert result.rows == len(label) and result.positives == label.sum()


def test_true_probabilities_are_calibrated_and_a_shifted_score_is_not(draws):
    probability, label = draws
    assert expected_calibration_error(label, probability) < 0.01
    assert expected_calibration_error(label, np.clip(probability * 2, 0, 1)) > 0.05


def test_deciles_rank_scores_into_ten_equal_buckets():
    scores = np.arange(1000) / 1000
    result = deciles(scores)
    assert result.min() == 1 and result.max() == 10
    assert (np.bincount(result)[1:] == 100).all()
    assert (result[scores >= 0.9] == 10).all()


def test_lift_and_capture_by_decile_by_hand():
    # 100 people, 10 buyers, all in the top decile: lift 10 there, capture 100% from the first decile on
    scores = np.arange(100) / 100
    labels = (scores >= 0.9).astype(int)
    table = lift_table(labels, scores)
    assert list(table["decile"]) == list(range(10, 0, -1))
    assert table.iloc[0]["lift"] == pytest.approx(10.0)
    assert table.iloc[0]["capture"] == pytest.approx(1.0)
    assert table.iloc[1:]["lift"].eq(0).all()


def test_psi_is_zero_for_the_same_population_and_large_for_a_shift():
    rng = np.random.default_rng(3)
    base = rng.normal(0, 1, 10_000)
    assert population_stability_index(base, rng.normal(0, 1, 10_000)) < 0.02
    assert population_stability_index(base, rng.normal(1, 1, 10_000)) > 0.25
    # a feature with few distinct values: its own bins
    counts = rng.poisson(0.3, 10_000).astype(float)
    assert population_stability_index(counts, counts) == pytest.approx(0.0)


def test_feature_psi_compares_categories_by_share():
    expected = pd.DataFrame({"lead": ["form"] * 50 + [None] * 50, "n": np.arange(100.0)})
    same = feature_psi(expected, expected)
    shifted = feature_psi(expected, pd.DataFrame({"lead": ["form"] * 95 + [None] * 5, "n": np.arange(100.0)}))
    assert same["lead"] == pytest.approx(0.0) and shifted["lead"] > 0.25


def test_evaluate_refuses_a_holdout_without_buyers():
    with pytest.raises(ValueError, match="buyers"):
        evaluate(np.zeros(10, dtype=int), np.linspace(0, 1, 10))
