"""The predict stage on the small world's warehouse (the demo's first run trains, promotes and scores)."""

from __future__ import annotations

import duckdb
import pandas as pd

from journey_assets.propensity.store import ModelStore
from journey_assets.propensity.tiers import Tier


def query(warehouse, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as db:
        return db.execute(sql).df()


def test_the_demo_trains_a_champion_with_its_metrics(small_warehouse):
    store = ModelStore(small_warehouse.settings.model_uri)
    champion = store.champion()
    assert champion is not None
    record = store.champion_record()
    assert record["reason"] == "no champion yet: the first model promotes itself"
    manifest = champion.manifest
    assert manifest["candidate"] in {"logistic", "boosted"}
    assert set(manifest["candidates_holdout_metrics"]) == {"logistic", "boosted"}
    # the small world's holdout has a few dozen buyers: too few for a quality floor (the medium bench has it)
    for metrics in [*manifest["candidates_holdout_metrics"].values(), manifest["rules_holdout_metrics"]]:
        assert 0.0 <= metrics["roc_auc"] <= 1.0 and metrics["positives"] > 0
    assert manifest["holdout_metrics"] == manifest["candidates_holdout_metrics"][manifest["candidate"]]
    window = manifest["training_window"]
    assert window["train_feature_dates"] and max(window["train_feature_dates"]) < window["holdout_feature_date"]


def test_training_labels_never_overlap_the_holdout(small_warehouse):
    dates = query(
        small_warehouse,
        "select split, min(feature_date) as first, max(feature_date) as last, count(*) as n, sum(bought_30d) as buyers "
        "from marts.ml_propensity_training_set group by split",
    ).set_index("split")
    assert (dates.loc["holdout", "first"] - dates.loc["train", "last"]).days >= 30
    assert (pd.Timestamp(small_warehouse.world.as_of) - dates.loc["holdout", "first"]).days == 30
    assert (dates["buyers"] > 0).all()


def test_customer_scores_cover_every_person_with_a_probability_decile_and_tier(small_warehouse):
    people = query(small_warehouse, "select customer_key from marts.dim_customers")
    scores = query(small_warehouse, "select * from marts.customer_scores")
    assert sorted(scores["customer_key"]) == sorted(people["customer_key"])
    assert scores["score"].between(0, 1).all()
    # Deciles by rank, ties sharing one: a calibrated tree gives the small world's people few distinct scores
    # (600 of 1,900 share one), so a decile can be empty, but a tie never spans two and the order holds.
    assert 10 in set(scores["decile"]) and set(scores["decile"]) <= set(range(1, 11))
    assert (scores.groupby("score")["decile"].nunique() == 1).all()
    spans = scores.groupby("decile")["score"].agg(["min", "max"]).sort_index()
    assert (spans["max"].to_numpy()[:-1] < spans["min"].to_numpy()[1:]).all()
    assert set(scores["tier"]) <= {t.value for t in Tier}
    assert scores["model_version"].nunique() == 1
    champion = ModelStore(small_warehouse.settings.model_uri).champion()
    assert scores["model_version"].iloc[0] == champion.version
    # the top decile holds the highest scores
    assert scores.loc[scores["decile"] == 10, "score"].min() >= scores.loc[scores["decile"] == 9, "score"].max()


def test_lead_scores_hold_every_open_lead_with_its_persons_score(small_warehouse):
    open_leads = query(small_warehouse, "select * from marts.ml_open_leads")
    leads = query(small_warehouse, "select * from marts.lead_scores")
    assert len(open_leads) > 0
    assert sorted(leads["lead_id"]) == sorted(open_leads["lead_id"])
    people = query(small_warehouse, "select customer_key, score from marts.customer_scores")
    merged = leads.merge(people, on="customer_key", suffixes=("", "_person"))
    assert (merged["score"] == merged["score_person"]).all()
