"""The small world's warehouse scored against its ground truth, with the benchmark's own scoring (bench/warehouse_truth.py).

The warehouse is the session's `small_warehouse` (tests/support/warehouse.py). The floors are looser
than the medium world's targets (identity F1 0.98, segments 0.99, printed by
bench/bench_warehouse_truth.py), so a regression fails here without the test depending on the last
few records of a small world.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO_ROOT / "bench"))

from warehouse_truth import BOOLEAN_SEGMENTS, report_lines, score_warehouse  # noqa: E402

IDENTITY_F1_FLOOR = 0.95
SEGMENT_FLOOR = 0.9
SEGMENTS_MART = REPO_ROOT / "dbt_project" / "models" / "marts" / "segments" / "customer_segments_current.sql"


@pytest.fixture(scope="module")
def scores(small_warehouse):
    assert small_warehouse.world.directory is not None
    identity, segments = score_warehouse(small_warehouse.duckdb_path, small_warehouse.world.directory)
    print("\n".join(report_lines(identity, segments)))
    return identity, segments


def test_identity_finds_the_people_behind_the_records(scores):
    identity, _ = scores
    assert identity.records > identity.persons > 0  # the world has duplicates to find
    lines = report_lines(identity, None)
    assert identity.score.f1 >= IDENTITY_F1_FLOOR, lines
    assert identity.score.precision >= IDENTITY_F1_FLOOR and identity.score.recall >= IDENTITY_F1_FLOOR, lines


def test_logged_in_browsers_map_to_customers(small_warehouse):
    with duckdb.connect(str(small_warehouse.duckdb_path), read_only=True) as db:
        rules = dict(db.execute("select match_rule, count(*) from marts.customer_identity_map group by 1").fetchall())
        unmapped = db.execute(
            "select count(*) from intermediate.int_ga4__user_stitching as s"
            " left join marts.customer_identity_map as m on m.source = 'ga4' and m.source_record_id = s.user_pseudo_id"
            " where m.customer_key is null"
        ).fetchone()[0]
        customers = db.execute("select count(*), count(distinct customer_key) from marts.dim_customers").fetchone()
    assert rules["ga4_user_id"] > 0 and rules["self"] == customers[0] == customers[1]
    assert unmapped == 0  # every login in the world is a customer the CRM or DMS holds


@pytest.mark.skipif(not SEGMENTS_MART.exists(), reason="marts.customer_segments_current is not in this branch yet")
def test_each_segment_agrees_with_the_truth(scores):
    identity, segments = scores
    assert segments is not None
    lines = report_lines(identity, segments)
    assert set(segments.booleans) == set(BOOLEAN_SEGMENTS), lines
    for name, score in segments.booleans.items():
        assert score.actual > 0, f"the small world has no {name} customers to find"
        assert score.precision >= SEGMENT_FLOOR and score.recall >= SEGMENT_FLOOR, (name, lines)
    assert segments.service_state_accuracy >= SEGMENT_FLOOR, lines
