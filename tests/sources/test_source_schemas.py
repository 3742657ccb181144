"""The declared sources against the SQL and dbt that describe the same tables, and every sql/ file as BigQuery.

sql/raw/<table>.sql, sql/ops/*.sql and the dbt source YAMLs are written by hand for readers; these tests hold
them to the specs in journey_assets/sources column for column (name, order, type, NOT NULL). sql/ml holds the
BigQuery ML engine's steps (CREATE MODEL, ML.EVALUATE, ML.PREDICT); its tables are written from queries (CREATE
TABLE ... AS SELECT), not declared.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
import yaml
from sqlglot import exp

from journey_assets.sources.catalog import declared_tables
from journey_assets.sources.spec import BIGQUERY_TYPES

REPO = Path(__file__).resolve().parents[2]
SQL_FILES = sorted((REPO / "sql").rglob("*.sql"))
TABLES = {f"{t.schema}.{t.name}": t for t in declared_tables()}


# sqlglot reads ML.PREDICT's arguments (MODEL name, a query, an optional STRUCT) but not ML.EVALUATE's, which
# are the same (BigQuery ML reference); the rest of the statement is parsed as written.
_ML_EVALUATE = re.compile(r"\bML\.EVALUATE\s*\(\s*MODEL\b", re.IGNORECASE)


def bigquery_statements(path: Path) -> list[exp.Expression]:
    text = _ML_EVALUATE.sub("ML.PREDICT(MODEL", path.read_text())
    return [s for s in sqlglot.parse(text, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE) if s]


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_sql_file_parses_as_bigquery(path):
    """Issue 8 item 4: a file BigQuery cannot run (scripting sqlglot cannot read falls back to a Command)."""
    statements = bigquery_statements(path)
    assert statements and not [s for s in statements if isinstance(s, exp.Command)]


def _ddl_tables() -> dict[str, list[tuple[str, str, bool]]]:
    found = {}
    for path in SQL_FILES:
        for statement in bigquery_statements(path):
            if not isinstance(statement, exp.Create) or statement.kind != "TABLE":
                continue
            if statement.expression is not None:  # CREATE TABLE ... AS SELECT: a result, not a declared table
                continue
            schema = statement.this
            table = schema.this
            columns = []
            for column in schema.expressions:
                if not isinstance(column, exp.ColumnDef):
                    continue
                not_null = any(
                    isinstance(c.args.get("kind"), exp.NotNullColumnConstraint)
                    and not c.args["kind"].args.get("allow_null")
                    for c in column.constraints
                )
                columns.append((column.name, column.kind.sql("bigquery").lower(), not_null))
            found[f"{table.db}.{table.name}"] = columns
    return found


DDL = _ddl_tables()


def test_every_declared_table_has_ddl_and_every_ddl_a_spec():
    assert set(DDL) == set(TABLES)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_ddl_matches_the_spec_column_for_column(name):
    table = TABLES[name]
    declared = [(c, BIGQUERY_TYPES[kind], c in table.not_null) for c, kind in table.columns.items()]
    assert DDL[name] == declared


# dbt sources no declared source spec writes: the vendor writes them in prod.
NOT_DECLARED = {"ga4_export": "Google writes the BigQuery export; locally defs/ingest/ga4_export.py lands it"}


def _source_yaml_tables() -> dict[str, dict]:
    tables = {}
    for path in (REPO / "dbt_project" / "models" / "staging").rglob("_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            if source["name"] in NOT_DECLARED:
                continue
            schema = "ops" if source["name"] == "ops" else "raw"  # the pipeline's own tables (staging/ops)
            for table in source["tables"]:
                tables[f"{schema}.{table['name']}"] = table
    return tables


def test_every_raw_table_is_a_dbt_source():
    raw = {name for name, t in TABLES.items() if t.schema == "raw"}
    assert {name for name in _source_yaml_tables() if name.startswith("raw.")} == raw


def test_every_ops_source_is_a_declared_table_and_the_ingest_sources_macro_names_every_source():
    """Issue 12: dbt's ops source (vendor calls, quarantines, the response ledger) reads declared tables only,
    and macros/ingest_sources.sql lists exactly the catalog's sources (it unions their ops tables)."""
    from journey_assets.sources.catalog import SOURCES

    ops = {name for name in _source_yaml_tables() if name.startswith("ops.")}
    assert ops and ops <= set(TABLES)
    assert {f"ops.vendor_calls_{s.name}" for s in SOURCES} | {f"ops.quarantine_{s.name}" for s in SOURCES} <= ops
    macro = (REPO / "dbt_project" / "macros" / "ingest_sources.sql").read_text()
    listed = macro.split("return([", 1)[1].split("])", 1)[0]
    assert [name.strip(" '") for name in listed.split(",")] == [s.name for s in SOURCES]


@pytest.mark.parametrize("name", sorted(n for n, t in TABLES.items() if t.schema == "raw"))
def test_dbt_source_columns_are_declared_columns(name):
    """The source YAML documents a subset of the columns (those with tests); each one it names is declared."""
    table = TABLES[name]
    named = [column["name"] for column in _source_yaml_tables()[name].get("columns", [])]
    assert [c for c in named if c not in table.columns] == []
