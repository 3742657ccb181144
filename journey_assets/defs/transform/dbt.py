"""Every dbt model, seed, snapshot and test as Dagster assets and asset checks."""

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from journey_assets.defs.transform.project import dbt_project
from journey_assets.settings import load_settings


class JourneyDbtTranslator(DagsterDbtTranslator):
    """Asset keys are [layer, name] so they line up with the warehouse schemas.

    A source's key is [its schema, its table], e.g. raw/dealer_inventory, the
    key of the ingest asset that loads it; each vendor declares its own dbt
    source name (source('ga4', ...)) over the one raw schema.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # A source whose schema differs between targets (the GA4 export) names its key in meta.
            meta = dbt_resource_props.get("config", {}).get("meta") or dbt_resource_props.get("meta") or {}
            declared = meta.get("dagster", {}).get("asset_key")
            if declared:
                return dg.AssetKey(declared)
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        layer = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([layer, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or "transform"

    def get_asset_check_spec(
        self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        test = manifest["nodes"][unique_id]
        on_source = any(node.startswith("source.") for node in test["depends_on"]["nodes"])
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=spec.asset_key,
            description=spec.description or describe_dbt_test(test, spec.asset_key.to_user_string()),
            additional_deps=spec.additional_deps,
            metadata=spec.metadata,
            # A blocking check on a raw table would hold back the ingest assets that read it
            # (pagespeed reads raw/dealer_inventory) until the dbt step has run, which waits for
            # them: Dagster would split dbt into two steps. dbt itself still skips the models
            # downstream of a failing source test.
            blocking=spec.blocking and not on_source,
        )


def describe_dbt_test(test: Mapping[str, Any], table: str) -> str:
    """The test's own YAML description, else one sentence built from the generic test, its column and table."""
    written = test.get("description") or test.get("meta", {}).get("description")
    if written:
        return written
    generic = test.get("test_metadata") or {}
    kwargs = generic.get("kwargs", {})
    column = kwargs.get("column_name") or test.get("column_name")
    match generic.get("name"):
        case "not_null":
            return f"`{column}` is never null in {table}."
        case "unique":
            return f"`{column}` is unique in {table}."
        case "unique_combination_of_columns":
            return f"Each ({', '.join(kwargs.get('combination_of_columns', []))}) appears once in {table}."
        case "accepted_values":
            return f"`{column}` in {table} is one of: {', '.join(str(v) for v in kwargs.get('values', []))}."
        case "relationships":
            target = re.sub(r"^\w+\(|\)$|'", "", str(kwargs.get("to", "")))  # ref('dim_x') -> dim_x
            return f"Every `{column}` in {table} is a `{kwargs.get('field')}` of {target}."
        case None:
            return f"Singular dbt test `{test['name']}` ({test.get('original_file_path', '')}) on {table}."
        case name:
            on = f"`{column}` of {table}" if column else table
            return f"dbt test `{name}` on {on}."


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=JourneyDbtTranslator(
        # Source tests (not_null on raw columns) are checks on the raw assets the ingest stage writes,
        # rather than observations logged with a warning each.
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_source_tests_as_checks=True)
    ),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    # Segments and features are computed as of the last loaded day, not the clock (see Settings.as_of_day).
    as_of = json.dumps({"as_of_date": load_settings().as_of_day().isoformat()})
    events = dbt.cli(["build", "--vars", as_of], context=context).stream()
    if dbt.target != "local":
        # Row counts of tables as each lands, through the dbt adapter (dagster-dbt skips views).
        yield from events.fetch_row_counts()
        return
    # Not on DuckDB: the adapter's in-process handle stays open with another configuration than the
    # IO manager's, failing the next step that opens the file, and the manifest's relation names carry
    # the file name it was parsed with. So count once dbt has exited and released the file.
    yield from with_duckdb_row_counts(context, list(events), load_settings().duckdb_path)


ROW_COUNT = "dagster/row_count"  # the key the Dagster UI shows as the table's row count


def with_duckdb_row_counts(context: dg.AssetExecutionContext, events: list[Any], database: Path) -> Iterator[Any]:
    """Each table materialization with its `dagster/row_count`; views stay uncounted, as in dagster-dbt."""
    try:
        counts = _table_row_counts(database)
    except duckdb.Error as exc:  # metadata only: a file held by another process must not fail a built run
        context.log.warning(f"no row counts: {database} could not be read ({exc})")
        counts = {}
    for event in events:
        if isinstance(event, dg.Output):
            key = context.asset_key_for_output(event.output_name)
        elif isinstance(event, dg.AssetMaterialization):
            key = event.asset_key
        else:
            key = None
        rows = counts.get(tuple(key.path)) if key is not None else None
        if rows is not None:
            event = event.with_metadata({**event.metadata, ROW_COUNT: rows})
        yield event


def _table_row_counts(database: Path) -> dict[tuple[str, ...], int]:
    """(schema, table) -> rows, for every base table in the DuckDB file."""
    with duckdb.connect(str(database), read_only=True) as db:
        tables = db.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        return {
            (schema, table): db.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            for schema, table in tables
        }
