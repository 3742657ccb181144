"""Session-wide fixtures: the small synthetic world, generated once per test run."""

from __future__ import annotations

import os
import signal
import warnings
from datetime import date

import pytest

from journey_assets.sandbox.world import World, ensure_world

# The hand-built worlds and harnesses that tests in several folders share (tests/support/).
pytest_plugins = [
    "support.google_world",
    "support.inventory_world",
    "support.marketing_world",
    "support.respond_harness",
    "support.warehouse",
]

# The tests' world ends on a fixed day, so its tables (and what tests expect of
# them) do not change with the calendar; the local partitions end on it too, and
# start where the tests were written for (locally they default to the world's
# first web day; tests/sandbox/test_world_dates.py covers that default).
# Set before anything imports the definitions (partitions are built at import).
TEST_WORLD_LAST_DAY = date(2026, 11, 23)
TEST_PARTITIONS_START = date(2026, 8, 1)
os.environ["JOURNEY_WORLD_LAST_DAY"] = TEST_WORLD_LAST_DAY.isoformat()
os.environ["JOURNEY_PARTITIONS_START"] = TEST_PARTITIONS_START.isoformat()
os.environ.pop("JOURNEY_WORLD_SEED", None)


def pytest_configure(config):
    """Parse the dbt project before any test module imports the code location, which reads the manifest.

    Outside `dagster dev` the code location uses the manifest as it finds it (a deployment builds it
    once); tests must see the models as they are now (partial parsing makes this a few seconds).
    """
    from journey_assets.defs.transform.project import parse_dbt_project

    parse_dbt_project()


@pytest.fixture(scope="session")
def small_world_data_dir(tmp_path_factory) -> str:
    """A data dir whose world cache holds the small world (what the sandbox serves)."""
    data_dir = tmp_path_factory.mktemp("world-cache")
    ensure_world(data_dir, "small", 7, TEST_WORLD_LAST_DAY)
    return str(data_dir)


@pytest.fixture(scope="session")
def small_world(small_world_data_dir) -> World:
    from pathlib import Path

    from journey_assets.sandbox.world import world_dir

    return World.load(world_dir(Path(small_world_data_dir), "small", 7, TEST_WORLD_LAST_DAY))


@pytest.fixture(autouse=True)
def _dbt_warehouse_path_restored():
    """Undo a test's JOURNEY_DUCKDB_PATH: `transform_resources` sets it in this process for dbt's subprocess.

    Without this a test that builds the definitions on one data dir leaves its warehouse path to every later
    test's `load_settings()`.
    """
    before = os.environ.get("JOURNEY_DUCKDB_PATH")
    yield
    if before is None:
        os.environ.pop("JOURNEY_DUCKDB_PATH", None)
    else:
        os.environ["JOURNEY_DUCKDB_PATH"] = before


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@pytest.fixture(autouse=True)
def _stop_signals_left_as_found(request):
    """A test that leaves SIGINT or SIGTERM blocked or re-handled in this process is named in a warning and undone.

    Child processes inherit the mask and ignored signals; two shutdown tests once timed out only in full runs.
    """
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    handlers = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    yield
    now_mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    now_handlers = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    if now_mask != mask or now_handlers != handlers:
        warnings.warn(
            f"{request.node.nodeid} left the stop signals changed: blocked {sorted(s.name for s in now_mask)}, "
            f"handlers {[f'{s.name}={h}' for s, h in now_handlers.items()]}; restored",
            stacklevel=1,
        )
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
