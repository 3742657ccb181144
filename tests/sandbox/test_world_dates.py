"""The world's dates and seed: recent by default, kept with the cached world, published to the local partitions."""

from __future__ import annotations

import shutil
import warnings
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
import requests

from journey_assets import cli
from journey_assets import settings as settings_module
from journey_assets.sandbox import world as world_module
from journey_assets.sandbox.run import start_sandbox
from journey_assets.sandbox.world import ensure_world, world_dir
from journey_assets.settings import SettingError, WorldDates, load_settings


@pytest.fixture
def local_data(tmp_path, monkeypatch, small_world_data_dir) -> Path:
    """A local data dir holding the tests' small world, with no world day or seed pinned by the environment."""
    shutil.copytree(Path(small_world_data_dir) / "world", tmp_path / "world")
    monkeypatch.setenv("JOURNEY_ENV", "local")
    monkeypatch.setenv("JOURNEY_DATA_DIR", str(tmp_path))
    for name in ("JOURNEY_WORLD_LAST_DAY", "JOURNEY_WORLD_SEED", "JOURNEY_WORLD_SIZE", "JOURNEY_PARTITIONS_START"):
        monkeypatch.delenv(name, raising=False)
    for name in ("JOURNEY_ROOFTOPS_FILE", "JOURNEY_SALESPEOPLE_FILE", "JOURNEY_DMS_LANDING_DIR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_a_new_world_ends_the_day_before_it_is_generated_and_then_stays(tmp_path):
    world = ensure_world(tmp_path, "small", 7, today=date(2027, 3, 10))
    assert world.as_of == date(2027, 3, 9)
    assert world.directory == world_dir(tmp_path, "small", 7, date(2027, 3, 9))
    stamp = (world.directory / "world.json").stat().st_mtime_ns

    # Days later the cached world is served as it is (same tables), not regenerated for a new day.
    later = ensure_world(tmp_path, "small", 7, today=date(2027, 3, 20))
    assert later.as_of == date(2027, 3, 9)
    assert (later.directory / "world.json").stat().st_mtime_ns == stamp

    # Asked for another last day, a second world is cached beside the first, and becomes the newest.
    moved = ensure_world(tmp_path, "small", 7, date(2027, 3, 19))
    assert moved.directory != world.directory and moved.as_of == date(2027, 3, 19)
    assert moved.table("web_sessions")["date"].max() == pd.Timestamp(2027, 3, 19)
    assert ensure_world(tmp_path, "small", 7).as_of == date(2027, 3, 19)


def test_the_worlds_windows_are_the_settings_windows(small_world):
    # Production code reads the windows from settings; the sandbox owns them. They must not drift apart.
    assert settings_module.WORLD_WEB_DAYS == world_module.WEB_DAYS
    assert settings_module.WORLD_HISTORY_DAYS == world_module.HISTORY_DAYS
    dates = WorldDates.ending(small_world.as_of)
    assert (dates.first_day, dates.web_first_day) == (small_world.first_day, small_world.web_first_day)
    sessions = small_world.table("web_sessions")["date"]
    assert sessions.min() == pd.Timestamp(small_world.web_first_day)
    assert sessions.max() == pd.Timestamp(small_world.as_of)
    visits = small_world.table("service_visits")["visit_date"]
    assert visits.min() >= pd.Timestamp(small_world.first_day)


def test_the_local_partitions_end_on_the_served_worlds_last_day(local_data, small_world):
    # Before any sandbox ran, the partitions end where a world generated today would: yesterday.
    yesterday = date.today() - timedelta(days=1)
    start, end = load_settings().partitions_window()
    assert end == date.today().isoformat()
    assert start == (yesterday - timedelta(days=89)).isoformat()

    server = start_sandbox(load_settings(), size="small", seed=7)
    try:
        served = server.world
    finally:
        server.stop()
    assert served.as_of == small_world.as_of  # the cached world, not a new one for today
    published = WorldDates.from_json(load_settings().world_dates_file.read_text())
    assert (published.size, published.seed, published.last_day) == ("small", 7, served.as_of)
    start, end = load_settings().partitions_window()
    assert start == served.web_first_day.isoformat()
    assert end == (served.as_of + timedelta(days=1)).isoformat()  # end_date is exclusive


def test_partitions_start_after_the_world_is_a_clear_error(local_data, monkeypatch):
    monkeypatch.setenv("JOURNEY_WORLD_LAST_DAY", "2026-11-23")
    monkeypatch.setenv("JOURNEY_PARTITIONS_START", "2026-12-01")
    with pytest.raises(SettingError, match="JOURNEY_PARTITIONS_START 2026-12-01 is after the sandbox world's last day"):
        load_settings().partitions_window()
    monkeypatch.setenv("JOURNEY_PARTITIONS_START", "2026-11-01")
    assert load_settings().partitions_window() == ("2026-11-01", "2026-11-24")


def test_prod_partitions_keep_their_start_and_roll(monkeypatch):
    monkeypatch.setenv("JOURNEY_ENV", "prod")
    monkeypatch.setenv("JOURNEY_PARTITIONS_START", "2026-08-01")
    assert load_settings().partitions_window() == ("2026-08-01", None)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("JOURNEY_WORLD_SEED", "seven", "JOURNEY_WORLD_SEED must be a whole number, not 'seven'"),
        ("JOURNEY_WORLD_SIZE", "huge", "JOURNEY_WORLD_SIZE must be one of small, medium, large, not 'huge'"),
        ("JOURNEY_WORLD_LAST_DAY", "23/11/2026", "JOURNEY_WORLD_LAST_DAY must be a date as YYYY-MM-DD"),
    ],
)
def test_unreadable_world_settings_name_the_variable(local_data, monkeypatch, capsys, name, value, message):
    monkeypatch.setenv(name, value)
    assert cli.main(["sandbox", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_seed_is_a_setting_printed_with_the_worlds_dates(local_data, monkeypatch, capsys, small_world):
    monkeypatch.setenv("JOURNEY_WORLD_SEED", "8")
    monkeypatch.setenv("JOURNEY_WORLD_SIZE", "small")
    monkeypatch.setenv("JOURNEY_WORLD_LAST_DAY", small_world.as_of.isoformat())
    monkeypatch.setenv("JOURNEY_SANDBOX_URL", "")  # restored after: _use_sandbox points the process at the sandbox
    server = cli._use_sandbox(None, None, 0)
    try:
        world = server.world
        health = requests.get(f"{server.url}/_sandbox/health", timeout=5)
    finally:
        server.stop()
    assert health.ok
    assert (world.size, world.seed, world.as_of) == ("small", 8, small_world.as_of)
    # Another seed is another dealer group: other customers.
    assert not world.table("customers")["last_name"].equals(small_world.table("customers")["last_name"])
    out = capsys.readouterr().out
    assert "seed 8" in out
    assert f"history {world.first_day} .. {world.as_of}, web and ads from {world.web_first_day}" in out


def test_the_sandbox_drops_the_dms_exports_of_the_whole_history(local_data, small_world):
    server = start_sandbox(load_settings(), size="small", seed=7)
    server.stop()
    incoming = load_settings().dms_landing_dir / "incoming"
    rooftops = list(small_world.table("rooftops")["dealer_id"])
    # One onboarding export per rooftop and kind for the history before the web window, then one file a day.
    onboarding = small_world.web_first_day - timedelta(days=1)
    daily = [small_world.web_first_day + timedelta(days=n) for n in range(90)]
    for kind in ("sales", "service"):
        expected = {f"{kind}_{dealer}_{day:%Y%m%d}.csv" for dealer in rooftops for day in [onboarding, *daily]}
        assert {p.name for p in incoming.glob(f"{kind}_*.csv")} == expected
    dropped = pd.concat(pd.read_csv(p, dtype=str) for p in incoming.glob("sales_*.csv"))
    assert sorted(dropped["deal_id"]) == sorted(small_world.table("sales")["deal_id"])  # each deal once
    services = pd.concat(pd.read_csv(p, dtype=str) for p in incoming.glob("service_*.csv"))
    assert sorted(services["repair_order_id"]) == sorted(small_world.table("service_visits")["repair_order_id"])
    history = pd.read_csv(incoming / f"sales_{rooftops[0]}_{onboarding:%Y%m%d}.csv")
    assert pd.to_datetime(history["sold_at"]).min().date() <= small_world.first_day + timedelta(days=30)


def test_another_world_starts_an_empty_dms_landing(local_data, small_world, monkeypatch):
    start_sandbox(load_settings(), size="small", seed=7).stop()
    landing = load_settings().dms_landing_dir
    (landing / "loaded" / "2026-11-20").mkdir(parents=True)
    (landing / "loaded" / "2026-11-20" / "sales_D01_20261120.csv").write_text("deal_id\nX-from-seed-7\n")

    monkeypatch.setenv("JOURNEY_WORLD_LAST_DAY", (small_world.as_of - timedelta(days=1)).isoformat())
    start_sandbox(load_settings(), size="small", seed=7).stop()
    assert not (landing / "loaded").exists()  # nothing of the first world is left to re-read
    assert sorted(p.name for p in landing.glob(".sandbox-drops-*")) == [
        f".sandbox-drops-small-7-{small_world.as_of - timedelta(days=1)}"
    ]


def test_meta_fake_serves_lead_times_to_the_second_without_warnings(small_world, tmp_path):
    from journey_assets.sandbox.server import SandboxServer

    leads = small_world.table("leads")
    meta_leads = leads[(leads["source"] == "meta_lead_ad") & leads["meta_form_id"].notna()]
    assert (pd.to_datetime(meta_leads["created_at"]).dt.nanosecond != 0).any()  # the world has sub-second times
    form = str(meta_leads["meta_form_id"].iloc[0])
    server = SandboxServer(small_world, record_path=tmp_path / "requests.sqlite3").start()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            body = requests.get(
                f"{server.vendor_url('meta')}/v21.0/{form}/leads",
                params={"access_token": "test-token", "fields": "created_time,id", "limit": 500},
                timeout=10,
            ).json()
    finally:
        server.stop()
    assert body["data"], body
    assert all(len(lead["created_time"]) == len("2026-11-23T14:03:07+0000") for lead in body["data"])
    assert [str(w.message) for w in caught if "nanoseconds" in str(w.message)] == []
