"""The sync engine's fixtures: the sandbox on a loopback port (its Customer.io fake over real HTTP), a small
hand-built DuckDB file with just the tables the syncs read, and a Track client for the fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.activation_sync import AS_OF, Sandbox, Tables, people_frame

from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import World


@pytest.fixture(scope="module")
def sandbox_server(tmp_path_factory) -> Iterator[SandboxServer]:
    world = World(size="small", seed=1, as_of=AS_OF, tables={})
    server = SandboxServer(world, port=0, record_path=tmp_path_factory.mktemp("sandbox") / "requests.sqlite3")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[Sandbox]:
    view = Sandbox(sandbox_server)
    yield view
    sandbox_server.clear_faults()


@pytest.fixture
def tables(tmp_path) -> Tables:
    found = Tables(str(tmp_path / "warehouse.duckdb"))
    found.write("marts.activation_people", people_frame(30))
    return found
