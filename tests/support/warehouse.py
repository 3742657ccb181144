"""`small_warehouse`: the small world's whole history loaded and built by the demo's first run, once per test session.

The tests that read the customer warehouse (identity, segments, journey, docs) share this one build
rather than each running the demo (minutes on this machine). Treat it as read-only: open
`duckdb_path` with `read_only=True`; a test that must change the warehouse builds its own.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from journey_assets.demo import DemoResult, run_demo
from journey_assets.sandbox.run import start_sandbox
from journey_assets.sandbox.world import World
from journey_assets.settings import Settings, load_settings

# The first test to ask for the warehouse pays for its build inside its own time limit (pytest-timeout
# counts fixture setup): minutes on this 2-core machine, more while other jobs share it.
BUILD_TIMEOUT_SECONDS = 1800


def pytest_collection_modifyitems(items):
    for item in items:
        if "small_warehouse" in getattr(item, "fixturenames", ()) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(BUILD_TIMEOUT_SECONDS))


@dataclass(frozen=True)
class SmallWarehouse:
    settings: Settings  # as the demo ran (its data dir holds the world, landing files and logs)
    duckdb_path: Path
    world: World
    demo: DemoResult


@pytest.fixture(scope="session")
def small_warehouse(small_world_data_dir, tmp_path_factory) -> SmallWarehouse:
    data = tmp_path_factory.mktemp("small-warehouse")
    shutil.copytree(Path(small_world_data_dir) / "world", data / "world")
    # Session-scoped, so not the function-scoped monkeypatch; the environment is restored once built.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JOURNEY_ENV", "local")
        env.setenv("JOURNEY_DATA_DIR", str(data))
        env.setenv("JOURNEY_DUCKDB_PATH", str(data / "journey.duckdb"))
        for name in ("JOURNEY_ROOFTOPS_FILE", "JOURNEY_SALESPEOPLE_FILE", "JOURNEY_DMS_LANDING_DIR"):
            env.delenv(name, raising=False)
        server = start_sandbox(load_settings(), size="small", seed=7)
        env.setenv("JOURNEY_SANDBOX_URL", server.url)
        try:
            settings = load_settings()
            with dg.DagsterInstance.ephemeral() as instance:
                demo = run_demo(settings, server, instance=instance, say=lambda _: None)
        finally:
            server.stop()
    return SmallWarehouse(settings=settings, duckdb_path=settings.duckdb_path, world=server.world, demo=demo)
