"""DMS exports: the day's deals, repair orders, customers and vehicles from the landing zone, each file loaded once.

Every DMS file is one rooftop's export for one business day (the date is in
its name), which is exactly a daily partition: keyed by export_date, a re-run
replaces the day from the files accepted for it (loaded/<day>/). The
load-once protocol and the row rules of a file (which decide whether a file is
refused whole) live with the parser in connectors/dms.py; here the loaded rows
become the raw tables. The first partition also loads every earlier export
date (a first run takes the whole history); those rows keep their own
export_date and the first partition owns them (Source.history_before_start).

Customer records get email_normalized and phone_e164 here (journey/contact.py)
beside the raw values; a value that does not parse keeps its raw value with a
null normalized one, and the record loads.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from journey_assets.connectors.dms import CUSTOMERS, SALES, SERVICE, VEHICLES, ExportKind, file_log_rows
from journey_assets.journey.contact import email_or_none, phone_or_none
from journey_assets.sources.spec import Batch, Fetch, Source, Table

_FILE_COLUMNS = {"export_date": "date", "source_file": "string", "file_checksum": "string"}
_PII_DERIVED = ("email_normalized", "phone_e164")
_TYPES = {"string": "string", "timestamp": "timestamp", "date": "date", "float": "float", "int": "int"}


def _export_table(
    kind: ExportKind, name: str, what: str, description: str, derived: dict[str, str] | None = None
) -> Table:
    """The raw table of one export kind: the file's columns (connectors/dms.py), any derived at ingestion,
    and where each row came from."""
    derived = derived or {}
    return Table(
        name=name,
        description=description,
        columns={
            **_FILE_COLUMNS,
            **{c: _TYPES[t] for c, t in kind.columns.items()},
            **derived,
            "loaded_at": "timestamp",
        },
        partition_column="export_date",
        key=kind.key,
        what=what,
        not_null=(*_FILE_COLUMNS, *kind.required, "loaded_at"),
        pii=(*kind.pii, *(c for c in derived if c in _PII_DERIVED)),
    )


SALES_TABLE = _export_table(
    SALES,
    "dms_sales",
    "deal",
    "Deals from each rooftop's daily DMS sales export, one row per deal, keyed by export_date.",
)
SERVICE_TABLE = _export_table(
    SERVICE,
    "dms_service_visits",
    "repair order",
    "Repair orders from each rooftop's daily DMS service export, keyed by export_date.",
)
CUSTOMERS_TABLE = _export_table(
    CUSTOMERS,
    "dms_customers",
    "DMS customer",
    "Customer records from each rooftop's daily DMS customer export (created or changed that day), "
    "keyed by export_date, with email and phone normalized at ingestion. Holds personal data (the pii columns).",
    derived={"email_normalized": "string", "phone_e164": "string"},
)
VEHICLES_TABLE = _export_table(
    VEHICLES,
    "dms_vehicles",
    "DMS vehicle",
    "The DMS vehicle master from each rooftop's daily export: one row per VIN and owner created or changed "
    "that day (sold or leased here, or serviced here), keyed by export_date.",
)
FILES_TABLE = Table(
    name="dms_file_loads",
    schema="ops",
    description="Every DMS file a run saw: loaded, reloaded, duplicate (skipped) or quarantined, with the reason.",
    columns={
        "export_date": "date",
        "name": "string",
        "kind": "string",
        "dealer_id": "string",
        "checksum": "string",
        "status": "string",
        "reason": "string",
        "rows": "int",
        "rejected_rows": "int",
        "loaded_at": "timestamp",
    },
    partition_column="export_date",
    key=("name", "checksum"),
    not_null=("export_date", "name", "checksum", "status", "loaded_at"),
    quarantined=False,
)
_BY_KIND = {
    SALES.name: SALES_TABLE,
    SERVICE.name: SERVICE_TABLE,
    CUSTOMERS.name: CUSTOMERS_TABLE,
    VEHICLES.name: VEHICLES_TABLE,
}


def _with_normalized_contact(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "email_normalized": email_or_none(row.get("email")), "phone_e164": phone_or_none(row.get("phone"))}


def quarantined_files(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in rows if f.get("status") == "quarantined"]


def fetch(run: Fetch) -> Iterator[Batch]:
    loader = run.vendor.loader()
    export_days = loader.export_days(run.last_day) if run.from_beginning else list(run.days())
    for export_day in export_days:
        load = loader.load_day(export_day)
        loaded_at = datetime.now(UTC)
        stamp = {"export_date": export_day, "loaded_at": loaded_at}
        for kind, table in _BY_KIND.items():
            rows = [{**r, **stamp} for r in load.rows[kind]]
            if kind == CUSTOMERS.name:
                rows = [_with_normalized_contact(r) for r in rows]
            yield Batch(table.name, max(export_day, run.first_day), rows, rejected=load.rejections[kind])
        yield Batch(FILES_TABLE.name, max(export_day, run.first_day), file_log_rows(load, loaded_at))
        for status in ("loaded", "reloaded", "duplicate", "quarantined"):
            if load.count(status):
                run.log.info(f"dms {export_day}: {load.count(status)} files {status}")


SOURCE = Source(
    name="dms",
    tables=(SALES_TABLE, SERVICE_TABLE, CUSTOMERS_TABLE, VEHICLES_TABLE, FILES_TABLE),
    fetch=fetch,
    resource="dms_landing",
    uses_rooftops=False,
    history_before_start=True,
    quarantine_sources={
        "dms_sales": "dms_sales",
        "dms_service_visits": "dms_service",
        "dms_customers": "dms_customers",
        "dms_vehicles": "dms_vehicles",
    },
)
