"""Score the champion's nightly customer_scores against the world's hidden 30-day future.

The world records, for the 30 days after its last day, each person's true purchase probability and one
draw of whether they bought (truth_customer.purchase_probability_30d, purchased_30d). This prints, side by
side, the champion's scores (marts.customer_scores, as of the last day), the oracle (the true probability)
and the rule score (rules-v1 from the same features): ROC AUC, top-decile lift, Brier, ECE against the
drawn outcome, and the model's mean absolute error against the true probability. Then the training time
(candidates and refit, on the warehouse's training set) and the batch scoring throughput.
Targets (issue 10): ROC AUC within 0.02 of the oracle's and >= 0.10 above rules; top-decile lift >= 3;
throughput >= 1M people per minute. Asserts nothing.

    .venv/bin/python bench/bench_propensity_truth.py [--size medium] [--seed 7] [--keep DIR]
        runs the demo (the whole history, dbt, training, scoring) into DIR (or a temporary dir)
    .venv/bin/python bench/bench_propensity_truth.py --warehouse DIR/j.duckdb --world DIR/world/<name> --models DIR/models
        scores a built warehouse and its model store (no demo run)

Truth join: a person's truth is the truth_customer row of any of their CRM or DMS records
(marts.customer_identity_map), as in bench/warehouse_truth.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_warehouse_truth import build_warehouse

from journey_assets.propensity.baseline import rule_scores
from journey_assets.propensity.evaluation import evaluate
from journey_assets.propensity.store import ModelStore
from journey_assets.propensity.training import refit, train_candidates

PERSON_SOURCES = ("crm", "dms")
THROUGHPUT_ROWS = 1_000_000


def read(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql).df()


def people_with_truth(warehouse: Path, world_directory: Path) -> pd.DataFrame:
    """customer_scores with each person's features, rule score and truth (one row per customer_key)."""
    scores = read(warehouse, "select * from marts.customer_scores")
    features = read(warehouse, "select * from marts.ml_scoring_features")
    identity = read(warehouse, "select source, source_record_id, customer_key from marts.customer_identity_map")
    truth = pd.read_parquet(world_directory / "truth_customer.parquet")[
        ["customer_id", "purchase_probability_30d", "purchased_30d"]
    ]
    records = identity[identity["source"].isin(PERSON_SOURCES)].merge(
        truth, left_on="source_record_id", right_on="customer_id", how="inner"
    )
    per_person = records.groupby("customer_key", as_index=False).agg(
        purchase_probability_30d=("purchase_probability_30d", "mean"),
        purchased_30d=("purchased_30d", "max"),
        truth_rows=("customer_id", "size"),
    )
    joined = scores.merge(features, on=["customer_key", "dealer_id"], how="inner").merge(
        per_person, on="customer_key", how="inner"
    )
    joined["rule_score"] = rule_scores(joined)
    return joined


def report(people: pd.DataFrame) -> list[str]:
    outcome = people["purchased_30d"].to_numpy(dtype=int)
    rows = {
        "champion": evaluate(outcome, people["score"]),
        "oracle": evaluate(outcome, people["purchase_probability_30d"]),
        "rules-v1": evaluate(outcome, people["rule_score"]),
    }
    lines = [
        f"people scored with a truth: {len(people):,}; bought in the next 30 days: {outcome.sum():,} "
        f"({outcome.mean():.2%}); mean true probability {people['purchase_probability_30d'].mean():.4f}, "
        f"mean score {people['score'].mean():.4f}",
        f"{'':10} {'ROC AUC':>8} {'PR AUC':>8} {'top-10% lift':>13} {'Brier':>9} {'ECE':>8}",
    ]
    for name, e in rows.items():
        lines.append(
            f"{name:10} {e.roc_auc:8.4f} {e.pr_auc:8.4f} {e.top_decile_lift:13.2f} {e.brier:9.5f} {e.ece:8.5f}"
        )
    gap = rows["oracle"].roc_auc - rows["champion"].roc_auc
    over_rules = rows["champion"].roc_auc - rows["rules-v1"].roc_auc
    mae = float(np.mean(np.abs(people["score"] - people["purchase_probability_30d"])))
    corr = float(np.corrcoef(people["score"], people["purchase_probability_30d"])[0, 1])
    lines += [
        f"ROC AUC gap to the oracle: {gap:+.4f} (target <= 0.02); over rules-v1: {over_rules:+.4f} (target >= 0.10); "
        f"top-decile lift {rows['champion'].top_decile_lift:.2f} (target >= 3)",
        f"score vs true probability: mean absolute error {mae:.5f}, correlation {corr:.3f} "
        "(rules-v1's Brier/ECE are of a 0-1 rank, not a probability)",
    ]
    return lines


def timings(warehouse: Path, store: ModelStore, retrain: bool) -> list[str]:
    champion = store.champion()
    assert champion is not None, "no champion in the model store"
    lines = [f"champion {champion.version}: trained in {champion.manifest.get('training_seconds')} s (its manifest)"]
    if retrain:
        lines += retrain_timing(warehouse, champion.manifest.get("refit_rows", "holdout"))
    features = read(warehouse, "select * from marts.ml_scoring_features")
    big = features.sample(THROUGHPUT_ROWS, replace=True, random_state=0).reset_index(drop=True)
    champion.predict_proba(big.head(1000))  # warm up
    started = time.perf_counter()
    champion.predict_proba(big)
    scoring_seconds = time.perf_counter() - started
    return [
        *lines,
        f"batch scoring: {THROUGHPUT_ROWS:,} people in {scoring_seconds:.2f} s = "
        f"{THROUGHPUT_ROWS / scoring_seconds * 60:,.0f} people per minute (target >= 1,000,000)",
    ]


def retrain_timing(warehouse: Path, refit_rows: str) -> list[str]:
    training_set = read(warehouse, "select * from marts.ml_propensity_training_set")
    started = time.perf_counter()
    result = train_candidates(training_set)
    candidates_seconds = time.perf_counter() - started
    started = time.perf_counter()
    refit(result.best, training_set, refit_rows)
    refit_seconds = time.perf_counter() - started
    per_candidate = ", ".join(f"{n} fit {c.fit_seconds:.1f} s" for n, c in result.candidates.items())
    return [
        f"training set: {result.row_counts['train_rows']:,} train rows, {result.row_counts['holdout_rows']:,} holdout "
        f"rows; candidates, calibration and evaluation {candidates_seconds:.1f} s ({per_candidate}); "
        f"refit of {result.best} {refit_seconds:.1f} s",
        "holdout ROC AUC: "
        + ", ".join(f"{n} {c.evaluation.roc_auc:.4f}" for n, c in result.candidates.items())
        + f", rules-v1 {result.rules.roc_auc:.4f}",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--world-cache", type=Path, help="a data dir whose world/ holds the world already")
    ap.add_argument("--keep", type=Path, help="build into this data dir and keep it")
    ap.add_argument("--warehouse", type=Path, help="score this built DuckDB warehouse instead of running the demo")
    ap.add_argument("--world", type=Path, help="with --warehouse: the world directory it was loaded from")
    ap.add_argument("--models", type=Path, help="with --warehouse: the model store (default: beside the warehouse)")
    ap.add_argument("--no-retrain", action="store_true", help="skip timing a fresh training run")
    args = ap.parse_args()

    def run(warehouse: Path, world_directory: Path, models: Path) -> None:
        print(f"\n== propensity against the truth: {world_directory.name} ==")
        print("\n".join(report(people_with_truth(warehouse, world_directory))))
        print("\n".join(timings(warehouse, ModelStore(models), retrain=not args.no_retrain)))

    if args.warehouse:
        if not args.world:
            ap.error("--warehouse needs --world")
        run(args.warehouse, args.world, args.models or args.warehouse.parent / "models")
    elif args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        warehouse, world_directory = build_warehouse(args.size, args.seed, args.world_cache, args.keep)
        run(warehouse, world_directory, args.keep / "models")
    else:
        with tempfile.TemporaryDirectory(prefix="bench-propensity-") as tmp:
            data = Path(tmp) / "data"
            data.mkdir()
            warehouse, world_directory = build_warehouse(args.size, args.seed, args.world_cache, data)
            run(warehouse, world_directory, data / "models")


if __name__ == "__main__":
    main()
