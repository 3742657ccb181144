"""Session-wide fixtures: the small synthetic world, generated once per test run."""

from __future__ import annotations

import pytest

from journey_assets.sandbox.world import World, ensure_world


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
    ensure_world(data_dir, "small", 7)
    return str(data_dir)


@pytest.fixture(scope="session")
def small_world(small_world_data_dir) -> World:
    from pathlib import Path

    from journey_assets.sandbox.world import world_dir

    return World.load(world_dir(Path(small_world_data_dir), "small", 7))
