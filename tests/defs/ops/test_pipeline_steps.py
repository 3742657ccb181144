"""Issue 12: processing speed comes from the runs' own step timings and the rows their outputs reported."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
import duckdb

from journey_assets.defs.io_managers import WarehouseDuckDBIOManager
from journey_assets.defs.ops.pipeline_steps import pipeline_steps, step_rows


@dg.asset
def loads_rows():
    return dg.Output(5, metadata={"rows": 1200})


@dg.asset
def says_nothing():
    return 1


@dg.asset
def fails():
    raise RuntimeError("boom")


def test_steps_of_finished_runs_are_copied_with_their_rows_and_seconds(tmp_path):
    with dg.DagsterInstance.ephemeral() as instance:
        assert dg.materialize([loads_rows, says_nothing], instance=instance).success
        assert not dg.materialize([fails], instance=instance, raise_on_error=False).success
        rows = step_rows(instance, datetime.now(UTC))
        by_step = {r["step_key"]: r for r in rows}
        assert set(by_step) == {"loads_rows", "says_nothing", "fails"}
        assert (by_step["loads_rows"]["rows_written"], by_step["loads_rows"]["assets_written"]) == (1200, 1)
        assert by_step["says_nothing"]["rows_written"] is None and by_step["says_nothing"]["assets_written"] == 1
        assert by_step["fails"]["status"] == "FAILURE" and by_step["loads_rows"]["status"] == "SUCCESS"
        assert all(r["seconds"] >= 0 and r["started_at"] <= r["finished_at"] for r in rows)
        assert len({r["run_id"] for r in rows}) == 2

        database = tmp_path / "warehouse.duckdb"
        resources = {"io_manager": WarehouseDuckDBIOManager(database=str(database))}
        assert dg.materialize([pipeline_steps], instance=instance, resources=resources).success
    with duckdb.connect(str(database), read_only=True) as con:
        landed = con.execute("select step_key, rows_written from ops.pipeline_steps order by 1").fetchall()
    assert landed == [("fails", None), ("loads_rows", 1200), ("says_nothing", None)]
