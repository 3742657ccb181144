"""JOURNEY_DUCKDB_MEMORY_LIMIT reaches every writer of the local warehouse: the IO manager's connection, the GA4
export landing and dbt's profile (decision 0901: DuckDB's default of 80 % of the machine ignores the Python heap)."""

from __future__ import annotations

import duckdb
import yaml

from journey_assets.defs.resources import ingest_resources, warehouse_resources
from journey_assets.defs.transform.project import DBT_PROJECT_DIR
from journey_assets.settings import load_settings


def _limit(connection: duckdb.DuckDBPyConnection) -> str:
    return connection.execute("select current_setting('memory_limit')").fetchone()[0]


def test_the_memory_limit_setting_reaches_the_warehouse_writers(monkeypatch, tmp_path):
    monkeypatch.setenv("JOURNEY_ENV", "local")
    monkeypatch.setenv("JOURNEY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JOURNEY_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("JOURNEY_DUCKDB_MEMORY_LIMIT", "3GB")
    settings = load_settings()
    assert settings.duckdb_memory_limit == "3GB"

    config = warehouse_resources(settings)["io_manager"].connection_config
    landing = ingest_resources(settings)["ga4_export_landing"]
    assert config == {"memory_limit": "3GB"} and landing.memory_limit == "3GB"
    with duckdb.connect(str(tmp_path / "w.duckdb"), config=config) as connection:
        assert _limit(connection) == "2.7 GiB"  # DuckDB's reading of 3 GB

    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())
    local = profile["dealer_journey"]["outputs"]["local"]
    assert "JOURNEY_DUCKDB_MEMORY_LIMIT" in local["settings"]["memory_limit"]


def test_unset_it_is_duckdbs_own_default(monkeypatch, tmp_path):
    monkeypatch.delenv("JOURNEY_DUCKDB_MEMORY_LIMIT", raising=False)
    monkeypatch.setenv("JOURNEY_DATA_DIR", str(tmp_path))
    with (
        duckdb.connect() as default,
        duckdb.connect(config={"memory_limit": load_settings().duckdb_memory_limit}) as ours,
    ):
        assert _limit(ours) == _limit(default)
