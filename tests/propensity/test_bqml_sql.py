"""The BigQuery ML engine as far as a test can reach without BigQuery: every step renders to SQL that parses as
BigQuery with each parameter a literal and the champion named, the steps run in order through a client and the
champion is the better holdout ROC AUC, and JOURNEY_PROPENSITY_ENGINE is validated."""

from __future__ import annotations

from datetime import date

import pytest
import sqlglot
from sqlglot import exp

from journey_assets.propensity import bqml
from journey_assets.propensity.bqml import BqmlParams, choose_champion, render, run_bqml
from journey_assets.propensity.tiers import TierThresholds
from journey_assets.settings import SettingError, load_settings

PARAMS = BqmlParams(date(2026, 12, 1), TierThresholds(hot=0.3, warm=0.1), label_days=30, holdout_days=7)
STEPS = sorted(p.stem for p in bqml.SQL_DIR.glob("*.sql"))


def parsed(sql: str) -> list[exp.Expression]:
    # sqlglot reads ML.PREDICT's arguments but not ML.EVALUATE's (the same grammar): see test_source_schemas.py
    text = sql.replace("ML.EVALUATE(\n    MODEL", "ML.PREDICT(\n    MODEL")
    return [s for s in sqlglot.parse(text, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE) if s]


def test_every_step_the_engine_runs_is_a_file_in_sql_ml():
    assert set(bqml.TRAINING_STEPS + bqml.SCORING_STEPS + ("evaluate", "evaluate_calibration")) == set(STEPS)


@pytest.mark.parametrize("step", STEPS)
def test_a_rendered_step_parses_as_bigquery_with_no_parameter_left(step):
    sql = render(step, PARAMS, champion="boosted_tree")
    statements = parsed(sql)
    assert statements and not [s for s in statements if isinstance(s, exp.Command)]
    assert not [p for s in statements for p in s.find_all(exp.Parameter)]
    assert bqml.CHAMPION_PLACEHOLDER not in sql


def test_the_parameters_become_typed_literals():
    sql = render("training_data", PARAMS)
    assert "date_sub(date '2026-12-01', interval 30 day)" in sql
    assert "interval 30 + 7 day" in sql
    scores = render("predict_customer_scores", PARAMS, champion="logistic_reg")
    assert "MODEL ml.propensity_logistic_reg" in scores
    assert "when score >= 0.3 then 'hot'" in scores and "when score >= 0.1 then 'warm'" in scores
    assert "'bqml-logistic_reg-20261201' as model_version" in scores


def test_both_candidates_are_trained_and_the_scores_have_the_sklearn_engines_shape():
    created = {
        s.this.sql("bigquery"): s.kind
        for step in bqml.TRAINING_STEPS
        for s in parsed(render(step, PARAMS))
        if isinstance(s, exp.Create)
    }
    assert created == {
        "ml.propensity_training_data": "VIEW",
        "ml.propensity_logistic_reg": "MODEL",
        "ml.propensity_boosted_tree": "MODEL",
    }
    for step, table, first in (
        ("predict_customer_scores", "marts.customer_scores", "customer_key"),
        ("predict_lead_scores", "marts.lead_scores", "lead_id"),
    ):
        (create,) = parsed(render(step, PARAMS, champion="boosted_tree"))
        assert create.kind == "TABLE" and create.this.sql("bigquery") == table
        columns = create.expression.named_selects
        rest = ["customer_key", "dealer_id"] if first == "customer_key" else ["lead_id", "customer_key", "dealer_id"]
        assert columns == [*rest, "score", "decile", "tier", "model_version", "scored_at"]


def test_a_step_that_scores_needs_the_champion_and_only_a_known_candidate():
    with pytest.raises(ValueError, match="name the candidate"):
        render("predict_customer_scores", PARAMS)
    with pytest.raises(ValueError, match="no BigQuery ML candidate 'automl'"):
        render("predict_customer_scores", PARAMS, champion="automl")
    with pytest.raises(ValueError, match="no BigQuery ML step"):
        render("../raw/crm_leads", PARAMS)


def test_a_parameter_we_do_not_have_is_an_error_not_an_empty_value(tmp_path):
    (tmp_path / "odd.sql").write_text("-- @as_of_date in a comment is fine\nselect @as_of_date, @dealer_secret;\n")
    with pytest.raises(ValueError, match="needs parameters we do not have: dealer_secret"):
        render("odd", PARAMS, sql_dir=tmp_path)
    (tmp_path / "fine.sql").write_text("-- @unknown_in_a_comment\nselect @as_of_date;\n")
    assert render("fine", PARAMS, sql_dir=tmp_path) == "-- @unknown_in_a_comment\nselect date '2026-12-01';\n"


def test_bad_params_are_refused():
    with pytest.raises(ValueError, match="whole days"):
        BqmlParams(date(2026, 12, 1), holdout_days=0)


class RecordingClient:
    """Stands in for google.cloud.bigquery.Client: records each query and answers ML.EVALUATE's rows."""

    def __init__(self, evaluation):
        self.queries: list[str] = []
        self.evaluation = evaluation

    def query(self, sql):
        self.queries.append(sql)
        rows = self.evaluation if "ML.EVALUATE" in sql else [{"decile": 10, "lift": 3.2, "brier_score": 0.05}]
        return type("Job", (), {"result": lambda _self: [dict(r) for r in rows]})()


def test_the_steps_run_in_order_and_the_better_holdout_auc_scores():
    client = RecordingClient(
        [
            {"candidate": "logistic_reg", "roc_auc": 0.781, "log_loss": 0.2},
            {"candidate": "boosted_tree", "roc_auc": 0.802, "log_loss": 0.19},
        ]
    )
    run = run_bqml(client, PARAMS)
    assert run.champion == "boosted_tree" and run.model_version == "bqml-boosted_tree-20261201"
    assert "0.8020" in run.reason and "logistic_reg 0.7810" in run.reason
    assert run.evaluation["logistic_reg"]["roc_auc"] == 0.781 and run.calibration[0]["lift"] == 3.2
    expected = [render(s, PARAMS) for s in (*bqml.TRAINING_STEPS, "evaluate")] + [
        render(s, PARAMS, "boosted_tree") for s in ("evaluate_calibration", *bqml.SCORING_STEPS)
    ]
    assert client.queries == expected


def test_a_tie_goes_to_the_simpler_model_and_no_auc_is_an_error():
    assert (
        choose_champion({"logistic_reg": {"roc_auc": 0.8}, "boosted_tree": {"roc_auc": 0.80001}})[0] == "logistic_reg"
    )
    with pytest.raises(ValueError, match="no roc_auc"):
        choose_champion({"logistic_reg": {"roc_auc": None}})


def test_the_engine_is_configuration_and_bqml_needs_bigquery(monkeypatch):
    monkeypatch.delenv("JOURNEY_PROPENSITY_ENGINE", raising=False)
    monkeypatch.setenv("JOURNEY_ENV", "prod")
    assert load_settings().propensity_engine == "sklearn"
    monkeypatch.setenv("JOURNEY_PROPENSITY_ENGINE", "BQML")
    assert load_settings().propensity_engine == "bqml"
    monkeypatch.setenv("JOURNEY_PROPENSITY_ENGINE", "xgboost")
    with pytest.raises(SettingError, match="JOURNEY_PROPENSITY_ENGINE must be one of sklearn, bqml, not 'xgboost'"):
        _ = load_settings().propensity_engine
    monkeypatch.setenv("JOURNEY_ENV", "local")
    monkeypatch.setenv("JOURNEY_PROPENSITY_ENGINE", "bqml")
    with pytest.raises(SettingError, match="needs BigQuery"):
        _ = load_settings().propensity_engine


def test_the_response_scorer_is_configuration(monkeypatch):
    monkeypatch.delenv("JOURNEY_RESPONSE_SCORER", raising=False)
    assert load_settings().response_scorer == "model"
    monkeypatch.setenv("JOURNEY_RESPONSE_SCORER", "rules")
    assert load_settings().response_scorer == "rules"
    monkeypatch.setenv("JOURNEY_RESPONSE_SCORER", "coin-flip")
    with pytest.raises(SettingError, match="JOURNEY_RESPONSE_SCORER must be one of model, rules"):
        _ = load_settings().response_scorer
