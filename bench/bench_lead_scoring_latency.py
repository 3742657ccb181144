"""Single-lead scoring latency in the response plane: the propensity model vs the rules (p50/p95/p99 ms).

What one lead costs on the response path, in process, as `response/leads.score_contact` does it: look the person
up in the response plane's feature store by a hashed identity key, build `LeadFeatures` from the contact's events
and the warehouse's features, score. Timed apart: the look-up, the model's score (`ModelScorer`), the rules' score
(`RuleBasedScorer`), and the whole path with each scorer.

The model is a champion trained here on the warehouse's features mart (the ml helper's logistic and boosted
candidates, labels as sql/ml/training_data.sql: a DMS deal within 30 days after the feature date), unless
--model-uri names a store with a champion already. The features are copied from the same warehouse with the
nightly asset's SQL into a temporary SQLite store (or --features-spec, e.g. a Postgres URL). Asserts nothing.

    .venv/bin/python bench/bench_lead_scoring_latency.py --duckdb data/journey.duckdb [--leads 500]
        [--candidate logistic|boosted] [--model-uri data/models] [--features-spec postgresql://...]

Build the warehouse first (small world: `JOURNEY_WORLD_SIZE=small ... -m journey_assets.cli demo`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb
import numpy as np

from journey_assets.defs.respond.features import IDENTITY_KEYS_SQL, LATEST_FEATURES_SQL, people_with_keys
from journey_assets.journey.scoring import KnownPerson, LeadEvent, LeadFeatures, RuleBasedScorer
from journey_assets.propensity.candidates import boosted, logistic
from journey_assets.propensity.features import FEATURE_COLUMNS, prepare
from journey_assets.propensity.scorer import ModelScorer
from journey_assets.propensity.store import ModelStore
from journey_assets.response.features_factory import open_feature_store

DATASETS = {"marts": "marts", "intermediate": "intermediate"}
TRAINING_SQL = """
select f.*, cast(exists (
    select 1 from intermediate.int_journey__customer_deals d
    where d.customer_key = f.customer_key and d.sold_on > f.feature_date and d.sold_on <= f.feature_date + 30
) as int) as label
from marts.fct_customer_features_daily f
where f.feature_date <= (select max(feature_date) from marts.fct_customer_features_daily) - 30
"""
EVENTS = ("test_drive_request", "price_request", "trade_in_appraisal", "credit_application", "vdp_view")


def rows(db: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    """As the nightly asset reads them (WarehouseReaderResource): plain Python values, None for null."""
    result = db.execute(sql)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def percentiles(samples: list[float]) -> str:
    ms = np.array(samples) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return f"p50 {p50:7.3f}  p95 {p95:7.3f}  p99 {p99:7.3f}  max {ms.max():7.3f}  mean {statistics.fmean(ms):7.3f}"


def train(db: duckdb.DuckDBPyConnection, root: Path, candidate: str) -> tuple[ModelStore, str, float]:
    frame = db.sql(TRAINING_SQL).df()
    started = time.perf_counter()
    model = (boosted() if candidate == "boosted" else logistic()).fit(prepare(frame), frame["label"].to_numpy())
    seconds = time.perf_counter() - started
    store = ModelStore(root)
    version = store.save(model, {"engine": "sklearn", "features": list(FEATURE_COLUMNS), "bench": candidate})
    store.promote(version, "bench_lead_scoring_latency")
    print(
        f"trained {candidate} on {len(frame):,} rows ({frame['label'].mean():.3%} positive) in {seconds:.1f}s",
        flush=True,
    )
    return store, version, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duckdb", type=Path, default=Path("data/journey.duckdb"))
    ap.add_argument("--leads", type=int, default=500)
    ap.add_argument("--candidate", choices=["logistic", "boosted"], default="logistic")
    ap.add_argument("--model-uri", help="a model store whose champion to use (default: train one here)")
    ap.add_argument("--features-spec", help="the feature store (default: a temporary SQLite file)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-scoring-") as tmp, duckdb.connect(str(args.duckdb), True) as db:
        if args.model_uri:
            store = ModelStore(args.model_uri)
            print(f"champion from {args.model_uri}: {store.champion_record()}")
        else:
            store, _, _ = train(db, Path(tmp) / "models", args.candidate)
        features = rows(db, LATEST_FEATURES_SQL.format(**DATASETS))
        people = list(people_with_keys(features, rows(db, IDENTITY_KEYS_SQL.format(**DATASETS))))
        spec = args.features_spec or str(Path(tmp) / "features.sqlite3")
        feature_store = open_feature_store(spec)
        started = time.perf_counter()
        load = feature_store.replace(people, datetime.now(UTC))
        print(
            f"feature store {type(feature_store).__name__}: {load.people:,} people, {load.keys:,} keys "
            f"loaded in {time.perf_counter() - started:.2f}s",
            flush=True,
        )

        rng = np.random.default_rng(args.seed)
        keyed = [p for p in people if p.keys]
        model_scorer, rules = ModelScorer(store, refresh_seconds=3600), RuleBasedScorer()
        now = datetime.now(UTC)
        timings: dict[str, list[float]] = {k: [] for k in ("lookup", "model", "rules", "path_model", "path_rules")}
        decided: dict[str, int] = {}
        for i in range(args.leads + 20):  # the first 20 warm caches and the champion load
            person = keyed[int(rng.integers(len(keyed)))]
            event_type = EVENTS[int(rng.integers(len(EVENTS)))]
            history = [LeadEvent("vdp_view", now - timedelta(hours=h)) for h in range(int(rng.integers(0, 4)))]
            history.append(LeadEvent(event_type, now))
            lookup_keys = [person.keys[int(rng.integers(len(person.keys)))]]
            for which, scorer in (("model", model_scorer), ("rules", rules)):
                t0 = time.perf_counter()
                found = feature_store.lookup(lookup_keys)
                t1 = time.perf_counter()
                lead = LeadFeatures.from_events(
                    history,
                    as_of=now,
                    lease_maturity_date=found.lease_maturity_date if found else None,
                    prior_service_customer=found.prior_service_customer if found else False,
                    event_type=event_type,
                    person=KnownPerson(found.feature_date, found.features) if found else None,
                    known_until=datetime.combine(found.feature_date + timedelta(days=1), datetime.min.time(), UTC)
                    if found
                    else None,
                )
                t2 = time.perf_counter()
                result = scorer.score(lead)
                t3 = time.perf_counter()
                if i >= 20:
                    timings["lookup"].append(t1 - t0)
                    timings[which].append(t3 - t2)
                    timings[f"path_{which}"].append(t3 - t0)
                    if which == "model":
                        decided[result.model] = decided.get(result.model, 0) + 1
            if i >= 20 and (i - 19) % 100 == 0:
                print(f"  {i - 19} leads scored", flush=True)
        feature_store.close()

    print(f"{args.leads:,} leads, one at a time (ms):")
    labels = {
        "lookup": "feature look-up",
        "model": "model score",
        "rules": "rules score",
        "path_model": "whole path, model",
        "path_rules": "whole path, rules",
    }
    for key, label in labels.items():
        print(f"  {label:<20} {percentiles(timings[key])}")
    print(f"  decided by: {decided}")


if __name__ == "__main__":
    main()
