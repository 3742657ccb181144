"""A sync declared as configuration (`activation/syncs.yml`), and the registry of destination kinds.

A sync names its source (a SQL select over warehouse tables, or a model plus an optional filter), the primary
key column, the field mapping `{destination_field: source_column}`, the mode (contract.Mode), the destination
kind and its params, and the failed share above which a run fails. `optional_joins` left-join a table only when
it exists (the propensity scores are a Python asset that a short history may not have built yet); its columns
are null otherwise, so a sync never waits on, or fails for, an optional input.

Destination kinds are registered by the module that implements them (`register_destination`), so a new kind
(the Meta audience) touches no file here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from journey_assets.activation.contract import Destination, Mode

SYNCS_FILE = Path(__file__).with_name("syncs.yml")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TABLE = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
_ENV = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::-(?P<default>[^}]*))?\}")


class SyncSpecError(ValueError):
    """A sync's configuration cannot be used; the message names the sync and the field."""


@dataclass(frozen=True)
class OptionalJoin:
    """`left join <table> using (<on>)` when the table exists; `columns` {alias: column of that table}."""

    table: str
    on: str  # a column both the source and the table have
    columns: Mapping[str, str]


@dataclass(frozen=True)
class SyncSpec:
    name: str
    destination: str  # a registered kind
    primary_key: str
    mapping: Mapping[str, str]  # destination field -> source column
    mode: Mode = Mode.UPSERT
    sql: str | None = None
    model: str | None = None  # `schema.table`
    filter: str | None = None  # a SQL condition on the model's columns
    params: Mapping[str, Any] = field(default_factory=dict)
    optional_joins: tuple[OptionalJoin, ...] = ()
    max_failed_share: float = 0.05  # the run fails when more than this share of the sent rows failed
    full_refresh_share: float = 0.5  # a FullRefresh destination is replaced when the diff is larger than this
    description: str = ""

    @property
    def source_sql(self) -> str:
        if self.sql:
            return self.sql.strip().rstrip(";")
        where = f" where {self.filter}" if self.filter else ""
        return f"select * from {self.model}{where}"

    def source_tables(self) -> list[str]:
        """The `schema.table`s the source reads (the asset's upstream keys); optional joins are not among them."""
        if self.model:
            return [self.model]
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(self.source_sql, read="duckdb")
        ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
        tables = {f"{t.db}.{t.name}" for t in tree.find_all(exp.Table) if t.db and t.name not in ctes}
        return sorted(tables)


DestinationFactory = Callable[[SyncSpec, Mapping[str, Any]], Destination]
_REGISTRY: dict[str, DestinationFactory] = {}


def register_destination(kind: str, factory: DestinationFactory) -> None:
    """`factory(spec, clients)` builds the destination; `clients` holds what the caller has (e.g. `customerio`)."""
    _REGISTRY[kind] = factory


def destination_kinds() -> list[str]:
    _load_builtin_destinations()
    return sorted(_REGISTRY)


def build_destination(spec: SyncSpec, clients: Mapping[str, Any]) -> Destination:
    _load_builtin_destinations()
    if spec.destination not in _REGISTRY:
        raise SyncSpecError(f"sync {spec.name!r}: destination {spec.destination!r} is not registered")
    return _REGISTRY[spec.destination](spec, clients)


def _load_builtin_destinations() -> None:
    # importing registers them; a missing optional module (another engineer's) is simply not registered
    import importlib

    for module in ("journey_assets.activation.customerio", "journey_assets.activation.meta_audience"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise


def _env(value: Any) -> Any:
    """`${VAR}` / `${VAR:-default}` in a string param, so prod ids (a segment id) come from the environment."""
    if not isinstance(value, str):
        return value

    def sub(match: re.Match[str]) -> str:
        found = os.environ.get(match["name"])
        if found is None and match["default"] is None:
            raise KeyError(match["name"])
        return found if found is not None else str(match["default"])

    return _ENV.sub(sub, value)


def _parse_one(name: str, raw: Any) -> SyncSpec:
    def bad(what: str) -> SyncSpecError:
        return SyncSpecError(f"sync {name!r}: {what}")

    if not _NAME.match(name):
        raise bad("the name must be lower_snake_case (it becomes an asset key)")
    if not isinstance(raw, dict):
        raise bad("must be a mapping of settings")
    known = {
        "destination",
        "primary_key",
        "mapping",
        "mode",
        "sql",
        "model",
        "filter",
        "params",
        "optional_joins",
        "max_failed_share",
        "full_refresh_share",
        "description",
    }
    unknown = sorted(set(raw) - known)
    if unknown:
        raise bad(f"unknown field(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}")
    for required in ("destination", "primary_key"):
        if not isinstance(raw.get(required), str) or not raw[required].strip():
            raise bad(f"field {required!r} is required (a string)")
    sql, model = raw.get("sql"), raw.get("model")
    if bool(sql) == bool(model):
        raise bad("give exactly one of 'sql' (a select) or 'model' (schema.table)")
    if model is not None and (not isinstance(model, str) or not _TABLE.match(model)):
        raise bad(f"field 'model' must be schema.table, not {model!r}")
    if sql is not None and (not isinstance(sql, str) or not sql.strip().lower().startswith(("select", "with"))):
        raise bad("field 'sql' must be a select statement")
    if raw.get("filter") is not None and not model:
        raise bad("field 'filter' goes with 'model' (put the condition in the sql otherwise)")
    mapping = raw.get("mapping") or {}
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise bad("field 'mapping' must map destination field names to source column names")
    try:
        mode = Mode(raw.get("mode", "upsert"))
    except ValueError:
        raise bad(f"field 'mode' must be one of {', '.join(m.value for m in Mode)}, not {raw.get('mode')!r}") from None
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise bad("field 'params' must be a mapping")
    try:
        params = {k: _env(v) for k, v in params.items()}
    except KeyError as missing:
        raise bad(f"field 'params' reads ${{{missing.args[0]}}}, which is not set and has no default") from None
    shares = {}
    for share in ("max_failed_share", "full_refresh_share"):
        value = raw.get(share, SyncSpec.__dataclass_fields__[share].default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise bad(f"field {share!r} must be a number between 0 and 1, not {value!r}")
        shares[share] = float(value)
    joins = []
    for n, join in enumerate(raw.get("optional_joins") or []):
        if not isinstance(join, dict) or set(join) != {"table", "using", "columns"}:
            raise bad(f"optional_joins[{n}] needs exactly table, using, columns")
        if not isinstance(join["table"], str) or not _TABLE.match(join["table"]):
            raise bad(f"optional_joins[{n}].table must be schema.table, not {join['table']!r}")
        if not isinstance(join["columns"], dict) or not join["columns"]:
            raise bad(f"optional_joins[{n}].columns must map an alias to a column of {join['table']}")
        joins.append(OptionalJoin(join["table"], str(join["using"]), dict(join["columns"])))
    return SyncSpec(
        name=name,
        destination=raw["destination"].strip(),
        primary_key=raw["primary_key"].strip(),
        mapping=dict(mapping),
        mode=mode,
        sql=sql,
        model=model,
        filter=raw.get("filter"),
        params=params,
        optional_joins=tuple(joins),
        description=str(raw.get("description") or ""),
        **shares,
    )


def parse_syncs(document: Any, *, source: str = "syncs.yml", check_destinations: bool = True) -> list[SyncSpec]:
    if not isinstance(document, dict) or not isinstance(document.get("syncs"), dict):
        raise SyncSpecError(f"{source}: expected a top-level 'syncs:' mapping of sync name -> settings")
    specs = [_parse_one(str(name), raw) for name, raw in document["syncs"].items()]
    if check_destinations:
        kinds = destination_kinds()
        for spec in specs:
            if spec.destination not in kinds:
                raise SyncSpecError(
                    f"sync {spec.name!r}: field 'destination' is {spec.destination!r}; known kinds: {', '.join(kinds)}"
                )
    return specs


def load_syncs(path: Path | str = SYNCS_FILE, *, check_destinations: bool = True) -> list[SyncSpec]:
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise SyncSpecError(f"{path}: not valid YAML: {error}") from None
    return parse_syncs(document, source=str(path), check_destinations=check_destinations)
