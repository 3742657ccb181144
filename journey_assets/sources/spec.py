"""What a source declares once: its raw tables (columns, key, partition column, row rules) and how to fetch a day.

Everything else is derived from a `Source` (defs/ingest/factory.py builds the
multi-asset, its quarantine table and checks; the local warehouse creates the
declared tables; tests hold sql/raw/*.sql and the dbt source YAML to it).
Nothing here imports Dagster: a source is plain data plus pure functions.

Columns named in `pii` hold personal data: the BigQuery DDL marks them (sql/raw,
docs/decisions/0801), the staging YAMLs attach the PII policy tag to them, and
no log line, metadata or error message carries their values.

Column kinds: string, int, float, bool, date (a day at midnight, DATETIME in
BigQuery, see sql/raw/ga4_sessions.sql for why), timestamp (UTC instant).
Typed frames come from a pandera schema derived from the columns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import pandera.pandas as pa

from journey_assets.journey.quality import split_records, split_repeats

PANDAS_DTYPES = {
    "string": "string",
    "int": "Int64",
    "float": "float64",
    "bool": "boolean",
    "date": "datetime64[ns]",
    "timestamp": pd.DatetimeTZDtype(tz="UTC"),
}
BIGQUERY_TYPES = {
    "string": "string",
    "int": "int64",
    "float": "float64",
    "bool": "bool",
    "date": "datetime",
    "timestamp": "timestamp",
}
DUCKDB_TYPES = {
    "string": "varchar",
    "int": "bigint",
    "float": "double",
    "bool": "boolean",
    "date": "timestamp",
    "timestamp": "timestamptz",
}


@dataclass(frozen=True)
class Window:
    """The days a fetch covers, inclusive. A one-day window is a nightly partition; `first=None` is "since ever"."""

    first: date | None
    last: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and (self.first is None or self.first <= day) and day <= self.last

    def __str__(self) -> str:
        if self.first == self.last:
            return f"the requested day {self.last}"
        return f"the requested days up to {self.last}" if self.first is None else f"{self.first}..{self.last}"

    def outside(self, what: str, value: Any) -> list[str]:
        """The row-rule message for a day that does not belong to this window."""
        return [] if value in self else [f"{what} {value} is outside {self}"]


RowRule = Callable[[Mapping[str, Any], Window], list[str]]


def no_rules(row: Mapping[str, Any], window: Window) -> list[str]:
    return []


@dataclass(frozen=True)
class Table:
    """One raw table: its columns and types, its key, its partition column and the rules a row must pass."""

    name: str  # the table in schema `raw` (or `ops` when `schema` says so)
    description: str
    columns: Mapping[str, str]
    partition_column: str | None  # None: an unpartitioned table a run replaces whole (reference data)
    key: Sequence[str]  # columns naming one record; a repeat of the key in a batch is quarantined
    rules: RowRule = no_rules
    what: str = "record"  # how a repeat names the record: "<what> appears more than once ..."
    key_prefix: str = ""  # prepended to the record key in the quarantine (several tables share one)
    not_null: Sequence[str] = ()  # declared NOT NULL in the warehouse DDL
    schema: str = "raw"
    quarantined: bool = True  # False: a log table with no rules, no quarantine and no check of its own
    pii: Sequence[str] = ()  # columns holding personal data

    def __post_init__(self) -> None:
        unknown = {kind for kind in self.columns.values() if kind not in PANDAS_DTYPES}
        named = (*([self.partition_column] if self.partition_column else []), *self.key, *self.not_null, *self.pii)
        missing = [c for c in named if c not in self.columns]
        if unknown or missing:
            raise ValueError(f"table {self.name}: unknown kinds {unknown or ''} or undeclared columns {missing or ''}")

    @property
    def key_path(self) -> list[str]:
        return [self.schema, self.name]

    def pandera_schema(self) -> pa.DataFrameSchema:
        """The table as a pandera schema: exactly these columns, in this order, coerced to their types."""
        return pa.DataFrameSchema(
            {
                name: pa.Column(PANDAS_DTYPES[kind], nullable=name not in self.not_null, coerce=True)
                for name, kind in self.columns.items()
            },
            name=f"{self.schema}.{self.name}",
            strict="filter",  # helper fields (record keys, raw values) are not loaded
            ordered=False,
            coerce=True,
        )

    def frame(self, rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
        """Rows as a typed frame with the declared columns in order (also when there are none)."""
        frame = pd.DataFrame(list(rows), columns=list(self.columns))
        return self.pandera_schema().validate(frame)[list(self.columns)]

    def record_key(self, row: Mapping[str, Any]) -> str:
        return self.key_prefix + "|".join(str(row.get(c)) for c in self.key)


@dataclass
class Batch:
    """Rows of one table fetched for one partition day (usually one rooftop's), before the row rules ran.

    `rejected` holds records the fetch already refused (a DMS row in a file it
    parsed); `dealer_id` names the rooftop the rejects belong to when the rows
    themselves may not say.
    """

    table: str
    day: date
    rows: list[dict[str, Any]]
    dealer_id: str | None = None
    rejected: list[dict[str, Any]] = field(default_factory=list)
    window: Window | None = None  # the days the rows may fall on; `day` alone by default


@dataclass
class Fetch:
    """What a source's fetch gets for one run: the days it covers, the vendor's resource, the rooftops, inputs, a log.

    A run covers the partition range `first_day..last_day` (one day for the nightly run). A source whose
    vendor answers for a date range reads it in one go (GA4, Google Ads, Meta, CRM); a snapshot source
    (inventory, PageSpeed, Metricool, reviews) walks `days()`.
    """

    first_day: date
    last_day: date
    vendor: Any  # the configured resource (it builds the client); sources call only its documented methods
    rooftops: Sequence[Mapping[str, Any]]
    log: Any
    calendar_start: date | None = None  # the first partition: sources with a history load all of it there
    inputs: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    def days(self) -> Iterator[date]:
        return days(self.first_day, self.last_day)

    def is_first_partition(self, day: date) -> bool:
        return day == self.calendar_start

    @property
    def from_beginning(self) -> bool:
        """The run includes the first partition: read the source's whole history."""
        return self.is_first_partition(self.first_day)

    def rooftops_with(self, setting: str) -> Iterator[tuple[str, Any, Mapping[str, Any]]]:
        """(dealer_id, value, rooftop) of each rooftop that configures `setting`; the others are logged and skipped."""
        for rooftop in self.rooftops:
            value = rooftop.get(setting)
            if value in (None, ""):
                self.log.warning(f"{rooftop['dealer_id']}: no {setting} in the rooftop config; skipped")
                continue
            yield rooftop["dealer_id"], value, rooftop

    @property
    def range(self) -> Window:
        """The run's days, for a vendor read of the whole range."""
        return Window(self.first_day, self.last_day)

    @property
    def window(self) -> Window:
        """The days rows may fall on: the run's range, and everything before it on a first run."""
        return Window(None if self.from_beginning else self.first_day, self.last_day)


@dataclass(frozen=True)
class Source:
    """A source: its tables, its quarantine and how to fetch one partition day."""

    name: str  # ops.quarantine_<name>, and the `source` column of its rejects
    tables: Sequence[Table]
    fetch: Callable[[Fetch], Iterator[Batch]]
    resource: str  # the Dagster resource key of the vendor
    uses_rooftops: bool = True
    inputs: Mapping[str, Sequence[str]] = field(default_factory=dict)  # name -> upstream asset key
    history_before_start: bool = False  # the first partition also holds the history before it
    quarantine_sources: Mapping[str, str] = field(default_factory=dict)  # table -> `source` column, if not `name`

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    @property
    def quarantine(self) -> Table:
        return quarantine_table(self.name)

    @property
    def vendor_calls(self) -> Table:
        return vendor_calls_table(self.name)


def quarantine_table(source: str) -> Table:
    return Table(
        name=f"quarantine_{source}",
        schema="ops",
        description=f"Rows from {source} that failed validation, with the reason and the full payload.",
        columns={
            "snapshot_date": "date",
            "source": "string",
            "dealer_id": "string",
            "record_key": "string",
            "reason": "string",
            "payload": "string",
            "loaded_at": "timestamp",
        },
        partition_column="snapshot_date",
        key=("record_key",),
        not_null=("snapshot_date", "source", "reason", "payload", "loaded_at"),
        quarantined=False,
    )


def vendor_calls_table(source: str) -> Table:
    """The vendor calls a run of `source` made (connectors/http.py `VendorCall`), one row per call.

    One table per source, as for the quarantine: an asset writes its own table, and a re-run of a
    partition range replaces the calls stamped on it (see docs/decisions/1211).
    """
    return Table(
        name=f"vendor_calls_{source}",
        schema="ops",
        description=f"Every vendor API call the {source} ingest made, per run: endpoint template, status, attempts.",
        columns={
            "partition_date": "date",
            "source": "string",
            "run_id": "string",
            "vendor": "string",
            "method": "string",
            "endpoint": "string",
            "status": "int",
            "outcome": "string",
            "attempts": "int",
            "retries": "int",
            "latency_ms": "float",
            "called_at": "timestamp",
        },
        partition_column="partition_date",
        key=("run_id", "vendor", "endpoint", "called_at"),
        not_null=(
            "partition_date",
            "source",
            "run_id",
            "vendor",
            "method",
            "endpoint",
            "outcome",
            "attempts",
            "retries",
            "latency_ms",
            "called_at",
        ),
        quarantined=False,
    )


@dataclass
class TableLoad:
    """One table's outcome over a run: the rows to load and the rejects, each with its reason."""

    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)


def apply_rules(table: Table, batch: Batch, source: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows to load, quarantine rows) of one batch: the table's row rules, then one record per key."""
    if not table.quarantined:
        return [dict(r) for r in batch.rows], []
    window = batch.window or Window(batch.day, batch.day)
    keyed = [{**row, "_record_key": table.record_key(row)} for row in batch.rows]
    good, bad = split_records(keyed, lambda row: table.rules(row, window), key="_record_key")
    good, repeats = split_repeats(good, key="_record_key", what=table.what)
    rejects = [*batch.rejected, *(_without_helper(r) for r in bad + repeats)]
    loaded_at = datetime.now(UTC)
    return [_strip(r) for r in good], [
        {
            **r,
            "dealer_id": r.get("dealer_id") or batch.dealer_id or _payload_dealer(r),
            "source": source,
            "snapshot_date": batch.day,
            "loaded_at": loaded_at,
        }
        for r in rejects
    ]


def _strip(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("_record_key", None)
    return row


def _without_helper(rejection: dict[str, Any]) -> dict[str, Any]:
    payload = json.loads(rejection["payload"])
    payload.pop("_record_key", None)
    return {**rejection, "payload": json.dumps(payload, sort_keys=True)}


def _payload_dealer(rejection: Mapping[str, Any]) -> str | None:
    try:
        return json.loads(rejection["payload"]).get("dealer_id")
    except (ValueError, AttributeError, TypeError):
        return None


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
