"""How the respond job chooses its scorer and routing: settings, read into the response plane's resources."""

from __future__ import annotations

import pytest

from journey_assets.defs.respond.resources import respond_resources
from journey_assets.journey.scoring import RuleBasedScorer
from journey_assets.propensity.scorer import ModelScorer
from journey_assets.settings import load_settings


@pytest.fixture
def local(monkeypatch, tmp_path):
    monkeypatch.setenv("JOURNEY_ENV", "local")
    monkeypatch.setenv("JOURNEY_DATA_DIR", str(tmp_path))
    for name in (
        "JOURNEY_RESPONSE_SCORER",
        "JOURNEY_MODEL_URI",
        "JOURNEY_PROPENSITY_TIERS",
        "JOURNEY_TIER_ROUTING",
        "JOURNEY_RESPONSE_FEATURES",
        "JOURNEY_DUCKDB_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch, tmp_path


def test_by_default_the_champion_scores_from_the_local_model_store(local):
    _, tmp = local
    resources = respond_resources(load_settings())
    scorer = resources["respond_settings"].lead_scorer()
    assert isinstance(scorer, ModelScorer) and scorer.store.root == str(tmp / "models")
    assert resources["respond_features"].spec == str(tmp / "response" / "features.sqlite3")
    assert resources["respond_warehouse"].duckdb_path == str(tmp / "journey.duckdb")


def test_the_tiers_and_the_routing_come_from_the_environment(local):
    monkeypatch, _ = local
    monkeypatch.setenv("JOURNEY_PROPENSITY_TIERS", "hot=0.5,warm=0.2")
    monkeypatch.setenv("JOURNEY_TIER_ROUTING", '{"hot": {"sla_minutes": 5}}')
    respond_settings = respond_resources(load_settings())["respond_settings"]
    scorer = respond_settings.lead_scorer()
    assert (scorer.thresholds.hot, scorer.thresholds.warm) == (0.5, 0.2)
    assert respond_settings.routing().rule("hot").sla_minutes == 5


def test_rules_only_when_configured(local):
    monkeypatch, _ = local
    monkeypatch.setenv("JOURNEY_RESPONSE_SCORER", "rules")
    assert isinstance(respond_resources(load_settings())["respond_settings"].lead_scorer(), RuleBasedScorer)


def test_a_bad_routing_fails_the_run_with_the_reason(local):
    monkeypatch, _ = local
    monkeypatch.setenv("JOURNEY_TIER_ROUTING", '{"hot": {"sla_minutes": "soon"}}')
    with pytest.raises(ValueError, match="tier routing for hot: sla_minutes must be a whole number"):
        respond_resources(load_settings())["respond_settings"].routing()


def test_prod_reads_the_features_store_and_bigquery_from_the_environment(monkeypatch):
    monkeypatch.setenv("JOURNEY_ENV", "prod")
    monkeypatch.setenv("JOURNEY_RESPONSE_FEATURES", "postgresql://journey@db.internal/dagster?schema=journey_features")
    resources = respond_resources(load_settings())
    assert resources["respond_features"].spec.startswith("postgresql://journey@db.internal/")
    assert resources["respond_warehouse"].duckdb_path == ""
