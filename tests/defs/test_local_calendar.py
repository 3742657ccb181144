"""Locally the partitions, the UI's latest partition and the nightly schedule all target the sandbox world's days."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import yaml

from journey_assets.definitions import defs
from journey_assets.defs.partitions import daily_partitions
from journey_assets.settings import REPO_ROOT


def test_the_partitions_end_on_the_worlds_last_day(small_world):
    # The latest partition is the world's last day: "materialize latest" loads a day the world has.
    assert daily_partitions.get_last_partition_key() == small_world.as_of.isoformat()
    # (the tests pin JOURNEY_PARTITIONS_START; unset, the start is the world's first web day)
    assert daily_partitions.get_first_partition_key() == os.environ["JOURNEY_PARTITIONS_START"]
    # Still so on a later day: the calendar ends with the world, not with the clock.
    later = datetime.combine(small_world.as_of + timedelta(days=40), datetime.min.time(), tzinfo=UTC)
    with dg.partition_loading_context(effective_dt=later):
        assert daily_partitions.get_last_partition_key() == small_world.as_of.isoformat()


def test_the_nightly_schedule_asks_for_the_worlds_last_day(small_world):
    schedule = defs.get_schedule_def("nightly_schedule")
    tick = datetime.combine(small_world.as_of + timedelta(days=8), datetime.min.time(), tzinfo=UTC).replace(hour=3)
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_schedule_context(instance=instance, scheduled_execution_time=tick)
        requests = schedule.evaluate_tick(context).run_requests
    assert [r.partition_key for r in requests] == [small_world.as_of.isoformat()]


def test_the_local_instance_has_no_community_modal(tmp_path, monkeypatch):
    config = yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text())
    assert config["nux"] == {"enabled": False}
    # Dagster reads it as such (relative storage paths land in tmp_path).
    shutil.copy(REPO_ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.chdir(tmp_path)
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.nux_enabled is False


def test_dagster_home_files_are_ignored():
    ignored = (REPO_ROOT / ".gitignore").read_text().splitlines()
    assert ".nux/" in ignored
    assert Path(REPO_ROOT / "data").name + "/" in ignored
