"""Every declared source, in one list: what the warehouse creates and the schema tests hold to the SQL and dbt."""

from __future__ import annotations

from journey_assets.sources import (
    crm,
    customerio_reporting,
    dealer_inventory,
    dms,
    ga4,
    gbp,
    google_ads,
    meta,
    metricool,
    pagespeed,
    pipeline,
    reference,
    response,
)
from journey_assets.sources.spec import Source, Table

SOURCES: tuple[Source, ...] = (
    dealer_inventory.SOURCE,
    ga4.SOURCE,
    google_ads.SOURCE,
    gbp.SOURCE,
    pagespeed.SOURCE,
    meta.INSIGHTS_SOURCE,
    meta.LEADS_SOURCE,
    metricool.SOURCE,
    crm.SOURCE,
    dms.SOURCE,
)


def declared_tables() -> list[Table]:
    """Every raw and ops table the sources write, quarantine and vendor-call tables included, and the reference tables."""
    return (
        [t for s in SOURCES for t in (*s.tables, s.quarantine, s.vendor_calls)]
        + list(reference.TABLES)
        + list(customerio_reporting.TABLES)
        + list(response.TABLES)
        + list(pipeline.TABLES)
    )


def ddl(table: Table, types: dict[str, str]) -> str:
    """`create table if not exists` for `table` with the given kind -> SQL type mapping."""
    columns = ",\n".join(
        f"    {name} {types[kind]}{' not null' if name in table.not_null else ''}"
        for name, kind in table.columns.items()
    )
    return f"create table if not exists {table.schema}.{table.name} (\n{columns}\n)"
