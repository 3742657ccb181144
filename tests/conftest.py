"""Session-wide fixtures: the small synthetic world, generated once per test run."""

from __future__ import annotations

import pytest

from journey_assets.sandbox.world import World, ensure_world


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
