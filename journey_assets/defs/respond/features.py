"""The nightly copy of each known person's latest features into the response plane's own store.

The responder scores a lead in-process within milliseconds and must never wait for the warehouse, so after
dbt builds `marts.fct_customer_features_daily` this asset copies its newest day, keyed by the same hashed
identity keys the ledger uses (normalized email, E.164 phone, CRM/DMS customer id, GA4 client id: see
`response/contact.py`), into `respond_features` (SQLite locally, Postgres in prod; `response/features.py`).
Raw emails and phones are hashed as they are read and reach no log, metadata or error.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg

from journey_assets.response.contact import identity_key
from journey_assets.response.features import FeatureStore, PersonFeatures
from journey_assets.response.features_factory import open_feature_store

FEATURES_MART = dg.AssetKey(["marts", "fct_customer_features_daily"])
IDENTITY_MAP = dg.AssetKey(["marts", "customer_identity_map"])
SOURCE_RECORDS = dg.AssetKey(["intermediate", "int_identity__source_records"])

# Plain SQL both DuckDB and BigQuery run; `{marts}` and `{intermediate}` are the datasets (schemas).
LATEST_FEATURES_SQL = """
select *
from {marts}.fct_customer_features_daily
where feature_date = (select max(feature_date) from {marts}.fct_customer_features_daily)
"""

# Every identifier a person's records hold, as (customer_key, kind, value): the kinds of contact.identity_key.
IDENTITY_KEYS_SQL = """
with records as (
    select m.customer_key, r.dealer_id, r.source_record_id, r.email_normalized, r.phone_e164
    from {marts}.customer_identity_map as m
    inner join {intermediate}.int_identity__source_records as r
        on m.source = r.source and m.source_record_id = r.source_record_id
)
select customer_key, 'email' as kind, email_normalized as value from records where email_normalized is not null
union all
select customer_key, 'phone' as kind, phone_e164 as value from records where phone_e164 is not null
union all
select customer_key, 'customer' as kind, concat(dealer_id, ':', source_record_id) as value from records
union all
select customer_key, 'client' as kind, source_record_id as value
from {marts}.customer_identity_map
where source = 'ga4'
"""

KEY_COLUMNS = ("customer_key", "feature_date", "dealer_id")


class WarehouseReaderResource(dg.ConfigurableResource):
    """Reads query results from the warehouse: the local DuckDB file (read-only), or BigQuery in prod."""

    duckdb_path: str = ""
    gcp_project: str = ""
    bq_location: str = ""

    def rows(self, sql: str) -> list[dict[str, Any]]:
        if self.duckdb_path:
            import duckdb

            with duckdb.connect(self.duckdb_path, read_only=True) as db:
                result = db.execute(sql)
                names = [d[0] for d in result.description]
                return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        from google.cloud import bigquery

        client = bigquery.Client(project=self.gcp_project or None, location=self.bq_location or None)
        return [dict(row.items()) for row in client.query(sql).result()]


class FeatureStoreResource(dg.ConfigurableResource):
    """The response plane's feature store: a SQLite path or `postgresql://user@host/db` (no password in it)."""

    spec: str

    def open(self) -> FeatureStore:
        return open_feature_store(self.spec)


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, decimals and numpy scalars as floats/ints."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return float(value)


def people_with_keys(features: list[dict[str, Any]], keys: list[dict[str, Any]]) -> Iterator[PersonFeatures]:
    """Join the feature rows with their people's hashed keys (the raw identifiers are dropped here)."""
    hashed: dict[str, set[str]] = {}
    for row in keys:
        if row["value"] is not None and str(row["value"]).strip():
            hashed.setdefault(row["customer_key"], set()).add(identity_key(row["kind"], str(row["value"])))
    for row in features:
        feature_date = row["feature_date"]
        if isinstance(feature_date, datetime):
            feature_date = feature_date.date()
        elif isinstance(feature_date, str):
            feature_date = date.fromisoformat(feature_date)
        values = {k: _plain(v) for k, v in row.items() if k not in KEY_COLUMNS}
        yield PersonFeatures(
            row["customer_key"],
            row.get("dealer_id"),
            feature_date,
            values,
            tuple(sorted(hashed.get(row["customer_key"], ()))),
        )


@dg.asset(
    key=["respond", "person_features"],
    deps=[FEATURES_MART, IDENTITY_MAP, SOURCE_RECORDS],
    group_name="respond",
    kinds={"python"},
    description="Each known person's latest features (the newest day of marts.fct_customer_features_daily), "
    "keyed by hashed email, phone, customer id and web client id, copied into the response plane's own store "
    "so a lead is scored without waiting for the warehouse.",
)
def person_features(
    context: dg.AssetExecutionContext,
    respond_warehouse: WarehouseReaderResource,
    respond_features: FeatureStoreResource,
) -> dg.MaterializeResult:
    datasets = {"marts": "marts", "intermediate": "intermediate"}
    features = respond_warehouse.rows(LATEST_FEATURES_SQL.format(**datasets))
    keys = respond_warehouse.rows(IDENTITY_KEYS_SQL.format(**datasets))
    people = list(people_with_keys(features, keys))
    with respond_features.open() as store:
        load = store.replace(people, datetime.now(UTC))
    feature_day = max((p.feature_date for p in people), default=None)
    unkeyed = sum(1 for p in people if not p.keys)
    context.log.info(
        f"person_features: {load.people} people, {load.keys} keys ({load.ambiguous_keys} shared, left out), "
        f"features of {feature_day}"
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": load.people,
            "identity_keys": load.keys,
            "shared_keys_left_out": load.ambiguous_keys,
            "people_without_keys": unkeyed,
            "feature_date": str(feature_day) if feature_day else "none",
        }
    )
