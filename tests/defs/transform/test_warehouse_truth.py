"""The small world's warehouse scored against its ground truth, with the benchmark's own scoring (bench/warehouse_truth.py).

The demo loads the whole history and builds dbt once for the module; the floors are looser than the
medium world's targets (identity F1 0.98, segments 0.99, printed by bench/bench_warehouse_truth.py),
so a regression fails here without the test depending on the last few records of a small world.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import dagster as dg
import pytest

from journey_assets.demo import run_demo
from journey_assets.sandbox.run import start_sandbox
from journey_assets.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO_ROOT / "bench"))

from warehouse_truth import BOOLEAN_SEGMENTS, report_lines, score_warehouse  # noqa: E402

IDENTITY_F1_FLOOR = 0.95
SEGMENT_FLOOR = 0.9
SEGMENTS_MART = REPO_ROOT / "dbt_project" / "models" / "marts" / "segments" / "customer_segments_current.sql"


@pytest.fixture(scope="module")
def scored_small_world(small_world_data_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("truth-demo")
    shutil.copytree(Path(small_world_data_dir) / "world", data / "world")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JOURNEY_ENV", "local")
        env.setenv("JOURNEY_DATA_DIR", str(data))
        env.setenv("JOURNEY_DUCKDB_PATH", str(data / "journey.duckdb"))
        for name in ("JOURNEY_ROOFTOPS_FILE", "JOURNEY_SALESPEOPLE_FILE", "JOURNEY_DMS_LANDING_DIR"):
            env.delenv(name, raising=False)
        server = start_sandbox(load_settings(), size="small", seed=7)
        env.setenv("JOURNEY_SANDBOX_URL", server.url)
        try:
            with dg.DagsterInstance.ephemeral() as instance:
                run_demo(load_settings(), server, instance=instance, say=lambda _: None)
        finally:
            server.stop()
        assert server.world.directory is not None
        identity, segments = score_warehouse(data / "journey.duckdb", server.world.directory)
    print("\n".join(report_lines(identity, segments)))
    return identity, segments


def test_identity_finds_the_people_behind_the_records(scored_small_world):
    identity, _ = scored_small_world
    assert identity.records > identity.persons > 0  # the world has duplicates to find
    assert identity.score.f1 >= IDENTITY_F1_FLOOR, report_lines(identity, None)
    assert identity.score.precision >= IDENTITY_F1_FLOOR and identity.score.recall >= IDENTITY_F1_FLOOR


@pytest.mark.skipif(not SEGMENTS_MART.exists(), reason="marts.customer_segments_current is not in this branch yet")
def test_each_segment_agrees_with_the_truth(scored_small_world):
    identity, segments = scored_small_world
    assert segments is not None
    lines = report_lines(identity, segments)
    assert set(segments.booleans) == set(BOOLEAN_SEGMENTS), lines
    for name, score in segments.booleans.items():
        assert score.actual > 0, f"the small world has no {name} customers to find"
        assert score.precision >= SEGMENT_FLOOR and score.recall >= SEGMENT_FLOOR, (name, lines)
    assert segments.service_state_accuracy >= SEGMENT_FLOOR, lines
