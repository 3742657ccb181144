"""The demo on the small world: its first run loads the history in one partition-range run, then dbt; later runs one day."""

from __future__ import annotations

import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from journey_assets.demo import RANGE_END_TAG, RANGE_START_TAG, demo_plan, next_steps, run_demo, world_id
from journey_assets.sandbox.mail_sink import read_mailbox
from journey_assets.sandbox.run import sandbox_mailbox, start_sandbox
from journey_assets.settings import load_settings

# The tests' calendar (tests/conftest.py pins it).
TEST_PARTITIONS_START = date.fromisoformat(os.environ["JOURNEY_PARTITIONS_START"])
TEST_WORLD_LAST_DAY = date.fromisoformat(os.environ["JOURNEY_WORLD_LAST_DAY"])
# The history run's first days of the calendar: partition one (CRM and DMS from the beginning), the days
# before the world's web window, and its first three days. The demo itself runs them all.
WEB_FIRST_DAY = TEST_WORLD_LAST_DAY - timedelta(days=89)
DAYS = (WEB_FIRST_DAY - TEST_PARTITIONS_START).days + 3


@pytest.fixture
def demo_env(small_world_data_dir, tmp_path, monkeypatch):
    shutil.copytree(Path(small_world_data_dir) / "world", tmp_path / "world")
    monkeypatch.setenv("JOURNEY_ENV", "local")
    monkeypatch.setenv("JOURNEY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JOURNEY_DUCKDB_PATH", str(tmp_path / "journey.duckdb"))
    for name in ("JOURNEY_ROOFTOPS_FILE", "JOURNEY_SALESPEOPLE_FILE", "JOURNEY_DMS_LANDING_DIR"):
        monkeypatch.delenv(name, raising=False)
    server = start_sandbox(load_settings(), size="small", seed=7)
    monkeypatch.setenv("JOURNEY_SANDBOX_URL", server.url)
    yield load_settings(), server
    server.stop()


def _local_days(frame: pd.DataFrame, column: str, rooftops: pd.DataFrame) -> pd.Series:
    zones = dict(zip(rooftops["dealer_id"], rooftops["timezone"], strict=True))
    stamps = pd.to_datetime(frame[column], utc=True)
    return pd.Series(
        [s.tz_convert(zones[d]).date() for s, d in zip(stamps, frame["dealer_id"], strict=True)], index=frame.index
    )


def test_first_demo_loads_the_history_in_one_range_run_then_dbt(demo_env, tmp_path):
    settings, server = demo_env
    world = server.world
    (tmp_path / "journey.duckdb").write_bytes(b"")  # what an earlier world left: the first load starts afresh
    lines: list[str] = []
    with dg.DagsterInstance.ephemeral() as instance:
        assert demo_plan(instance, world_id(world)) == "history"
        result = run_demo(settings, server, instance=instance, say=lines.append, history_days=DAYS, weekly_report=True)
        history = instance.get_run_by_id(result.run_ids["history"])
        dbt = instance.get_run_by_id(result.run_ids["dbt"])
        report = instance.get_run_by_id(result.run_ids["report"])
        # Once loaded, the next demo of this world is the nightly load of one day; another world starts over.
        assert demo_plan(instance, world_id(world)) == "nightly"
        assert demo_plan(instance, "small-8-" + world.as_of.isoformat()) == "history"
    assert result.plan == "history"

    # One run over the range, as a single-run backfill launches it.
    assert world.web_first_day == WEB_FIRST_DAY
    first = TEST_PARTITIONS_START
    last = first + timedelta(days=DAYS - 1)
    assert history.tags[RANGE_START_TAG] == first.isoformat()
    assert history.tags[RANGE_END_TAG] == last.isoformat()
    assert history.status == dg.DagsterRunStatus.SUCCESS and dbt.status == dg.DagsterRunStatus.SUCCESS
    # `make demo` ends with the weekly report: its files, one mail in the sandbox's sink, one post in Slack
    assert report.status == dg.DagsterRunStatus.SUCCESS
    assert len(list(settings.report_dir.glob("*/weekly-report-group.html"))) == 1
    assert len(read_mailbox(sandbox_mailbox(settings))) == 1
    assert sum(p["text"].startswith("Weekly report: the dealer group") for p in server.fakes["slack"].messages) == 1

    rooftops = world.table("rooftops")
    sales = world.table("sales")
    deals_by_then = set(sales.loc[_local_days(sales, "sold_at", rooftops) <= last, "deal_id"])
    leads = world.table("leads")
    leads_by_then = set(leads.loc[pd.to_datetime(leads["updated_at"], utc=True).dt.date <= last, "lead_id"])
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as db:
        deals = {r[0] for r in db.execute("select deal_id from raw.dms_sales").fetchall()}
        crm_leads = {r[0] for r in db.execute("select lead_id from raw.crm_leads").fetchall()}
        ga4_days = db.execute("select count(distinct date_day) from raw.ga4_sessions").fetchone()[0]
        in_mart = db.execute("select count(*) from marts.dim_inventory_vehicles").fetchone()[0]
        people = {
            table: db.execute(f"select count(*) from {table}").fetchone()[0]
            for table in (
                "staging.stg_crm__contacts",
                "staging.stg_dms__customers",
                "staging.stg_dms__vehicles",
                "staging.stg_dealer__rooftops",
                "staging.stg_reference__zip_centroids",
            )
        }
        vehicle_leases = dict(
            db.execute(
                "select vin, lease_maturity_date from staging.stg_dms__vehicles where acquisition = 'lease'"
            ).fetchall()
        )
    # CRM and DMS: everything since the beginning of the world's three years, not one day.
    assert deals == deals_by_then
    assert len(deals) > 10 * DAYS
    assert crm_leads == leads_by_then
    assert ga4_days == 3  # the web window's first three days
    assert in_mart > 0
    # The people sources: CRM contacts, DMS customers and vehicles, the rooftops and every US ZIP.
    assert all(people.values()), people
    assert (
        people["staging.stg_dealer__rooftops"] == len(rooftops)
        and people["staging.stg_reference__zip_centroids"] > 40_000
    )
    # A lease signed before the three years of deals, maturing within six months: only the vehicle master has it.
    owned = world.table("owned_vehicles")
    old_lease = owned[
        (owned["acquisition"] == "lease")
        & (owned["acquired_date"] < pd.Timestamp(world.first_day))
        & (owned["lease_maturity_date"] <= pd.Timestamp(world.as_of) + pd.Timedelta(days=183))
        & (owned["lease_maturity_date"] > pd.Timestamp(world.as_of))
    ].iloc[0]
    assert old_lease["vin"] not in set(sales["vin"])
    assert vehicle_leases[old_lease["vin"]] == old_lease["lease_maturity_date"].date()

    # The terminal gets the stages, not Dagster's event stream, dbt's chatter or warnings.
    text = "\n".join(lines)
    assert len(lines) < 30, text
    for noise in ("WARNING", "Warning", "Traceback", "Skipping DuckDB write", "nanoseconds", " of 1"):
        assert noise not in text, text
    assert any(line.startswith("demo: dbt build (models and tests):") for line in lines), text
    assert set(result.times.seconds) == {
        "load the definitions",
        "Customer.io's email history to the intake",
        f"ingest the history ({first} .. {last})",
        "dbt build (models and tests)",
        "the weekly report and the analyst",
    }
    # ...and everything else is in the log.
    log = (settings.data_dir / "logs" / "demo.log").read_text()
    assert "Running dbt command" in log and "fetched and checked" in log


def test_the_demo_ends_with_what_to_do_next(demo_env):
    settings, _ = demo_env
    text = next_steps(settings)
    assert "make dev" in text and "http://127.0.0.1:3000" in text
    assert "duckdb -readonly" in text and "journey.duckdb" in text and "read_only=True" in text
