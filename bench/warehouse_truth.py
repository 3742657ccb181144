"""Score the warehouse's marts against the sandbox world's ground truth (identity and segments).

Shared by bench/bench_warehouse_truth.py (the medium world, printed) and the small-world test
(tests/defs/transform/test_warehouse_truth.py, with floors), so both measure the same thing:

- identity: pairwise precision, recall and F1 over CRM and DMS source records. A truth pair is
  two records of the same person (truth_identity.person_id); a predicted pair, two records with
  the same customer_key in marts.customer_identity_map. A CRM contact and a DMS customer with
  the same id are two records (of one person).
- segments: for every CRM and DMS source record, predicted = its customer's value in
  marts.customer_segments_current, truth = truth_customer's value for that customer id.
  Booleans: precision and recall of True; service_state: accuracy, and precision and recall
  per state. A record whose customer has no segments row counts as False (and state missing).

Only the sandbox and these benchmarks may read truth_* tables; the pipeline never does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

BOOLEAN_SEGMENTS = ("service_due", "dormant", "lease_end_window", "high_value", "at_risk")
SERVICE_STATES = ("active", "recently_lost", "defected", "never")
PERSON_SOURCES = ("crm", "dms")


@dataclass(frozen=True)
class Score:
    """Precision and recall of one predicted set against its truth, with the counts behind them."""

    true_positives: int
    predicted: int
    actual: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.actual if self.actual else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, name: str) -> str:
        return (
            f"{name:<28} precision {self.precision:.4f}  recall {self.recall:.4f}  f1 {self.f1:.4f}"
            f"  (tp {self.true_positives:,}, predicted {self.predicted:,}, actual {self.actual:,})"
        )


@dataclass
class IdentityReport:
    score: Score
    records: int
    persons: int
    customers: int
    false_merges: pd.DataFrame = field(repr=False)  # records in a cluster holding more than one person
    missed: pd.DataFrame = field(repr=False)  # records of a person split over more than one cluster


@dataclass
class SegmentReport:
    booleans: dict[str, Score]
    service_state_accuracy: float
    service_states: dict[str, Score]
    records: int
    unsegmented_records: int  # records whose customer has no row in customer_segments_current
    joined: pd.DataFrame = field(repr=False)  # per record: customer_id, predicted and truth columns


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def read_identity_map(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return db.execute(
            "select source, source_record_id, customer_key, match_rule from marts.customer_identity_map"
        ).df()


def read_segments(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return db.execute("select * from marts.customer_segments_current").df()


def score_identity(identity_map: pd.DataFrame, truth_identity: pd.DataFrame) -> IdentityReport:
    """Pairwise precision/recall/F1 of customer_key against person_id over CRM and DMS records."""
    records = identity_map[identity_map["source"].isin(PERSON_SOURCES)]
    joined = records.merge(
        truth_identity[["customer_id", "person_id"]], left_on="source_record_id", right_on="customer_id", how="left"
    )
    if joined["person_id"].isna().any():
        unknown = joined.loc[joined["person_id"].isna(), "source_record_id"].head(5).tolist()
        raise ValueError(f"source records the world does not know, e.g. {unknown}")
    true_positives = _pairs(joined.groupby(["customer_key", "person_id"]).size())
    predicted = _pairs(joined.groupby("customer_key").size())
    actual = _pairs(joined.groupby("person_id").size())
    persons_per_cluster = joined.groupby("customer_key")["person_id"].transform("nunique")
    clusters_per_person = joined.groupby("person_id")["customer_key"].transform("nunique")
    return IdentityReport(
        score=Score(true_positives, predicted, actual),
        records=len(joined),
        persons=joined["person_id"].nunique(),
        customers=joined["customer_key"].nunique(),
        false_merges=joined[persons_per_cluster > 1].sort_values(["customer_key", "person_id"]),
        missed=joined[clusters_per_person > 1].sort_values(["person_id", "customer_key"]),
    )


def score_segments(identity_map: pd.DataFrame, segments: pd.DataFrame, truth_customer: pd.DataFrame) -> SegmentReport:
    """Each segment per source record: its customer's predicted value against the record's truth."""
    records = identity_map.loc[identity_map["source"].isin(PERSON_SOURCES), ["source_record_id", "customer_key"]]
    columns = [c for c in (*BOOLEAN_SEGMENTS, "service_state") if c in segments.columns]
    predicted = segments[["customer_key", *columns]].drop_duplicates("customer_key")
    joined = records.merge(predicted, on="customer_key", how="left", indicator=True)
    unsegmented = int((joined.pop("_merge") == "left_only").sum())
    truth = truth_customer[["customer_id", *BOOLEAN_SEGMENTS, "service_state"]].add_prefix("truth_")
    joined = joined.merge(truth, left_on="source_record_id", right_on="truth_customer_id", how="left")
    if joined["truth_customer_id"].isna().any():
        unknown = joined.loc[joined["truth_customer_id"].isna(), "source_record_id"].head(5).tolist()
        raise ValueError(f"source records the world does not know, e.g. {unknown}")

    booleans = {}
    for column in BOOLEAN_SEGMENTS:
        if column not in columns:
            continue
        guess = joined[column].fillna(False).astype(bool)
        actual = joined["truth_" + column].astype(bool)
        booleans[column] = Score(int((guess & actual).sum()), int(guess.sum()), int(actual.sum()))

    states: dict[str, Score] = {}
    accuracy = float("nan")
    if "service_state" in columns:
        guess, actual = joined["service_state"], joined["truth_service_state"]
        accuracy = float((guess == actual).mean())
        for state in SERVICE_STATES:
            states[state] = Score(
                int(((guess == state) & (actual == state)).sum()),
                int((guess == state).sum()),
                int((actual == state).sum()),
            )
    return SegmentReport(booleans, accuracy, states, len(joined), unsegmented, joined)


def score_warehouse(warehouse: Path, world_directory: Path) -> tuple[IdentityReport, SegmentReport | None]:
    """Both reports for a built warehouse and the world it was loaded from (segments None until that mart exists)."""
    identity_map = read_identity_map(warehouse)
    truth_identity = pd.read_parquet(world_directory / "truth_identity.parquet")
    identity = score_identity(identity_map, truth_identity)
    try:
        segments = read_segments(warehouse)
    except duckdb.CatalogException:
        return identity, None
    truth_customer = pd.read_parquet(world_directory / "truth_customer.parquet")
    return identity, score_segments(identity_map, segments, truth_customer)


def report_lines(identity: IdentityReport, segments: SegmentReport | None) -> list[str]:
    lines = [
        f"identity over {identity.records:,} CRM+DMS records: {identity.persons:,} persons in truth,"
        f" {identity.customers:,} customers predicted",
        identity.score.line("pairwise"),
        f"  records in clusters holding more than one person: {len(identity.false_merges):,};"
        f" records of a person split over clusters: {len(identity.missed):,}",
    ]
    if segments is None:
        return [*lines, "segments: marts.customer_segments_current not built"]
    lines.append(
        f"segments over {segments.records:,} records ({segments.unsegmented_records:,} whose customer has no row)"
    )
    lines += [score.line(name) for name, score in segments.booleans.items()]
    if segments.service_states:
        lines.append(f"{'service_state':<28} accuracy {segments.service_state_accuracy:.4f}")
        lines += [score.line("  " + state) for state, score in segments.service_states.items()]
    return lines
