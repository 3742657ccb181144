"""DMS exports: daily deal, repair-order, customer and vehicle CSV files dropped in a landing zone, each loaded once.

A dealer management system (CDK, Reynolds, Dealertrack...) has no API we may
call, so each rooftop's DMS drops one CSV per export kind per business day:

    incoming/sales_<dealer_id>_<YYYYMMDD>.csv      deals posted that day (a lease deal with its term and maturity)
    incoming/service_<dealer_id>_<YYYYMMDD>.csv    repair orders closed that day
    incoming/customers_<dealer_id>_<YYYYMMDD>.csv  customer records created or changed that day
    incoming/vehicles_<dealer_id>_<YYYYMMDD>.csv   vehicle-master records (VIN x owner) created or changed that day

Locally the landing zone is a folder (data/landing/dms/); in prod a GCS bucket
prefix (`GcsLanding`, a thin wrapper over google-cloud-storage that is not
exercised offline). Layout below the root:

    incoming/                  where the DMS drops files
    loaded/<YYYY-MM-DD>/       files accepted for that export date (re-read on every re-run)
    quarantine/                rejected files, each with <name>.reason.txt beside it
    duplicates/                re-dropped copies of a file already seen
    _manifest/<sha256>.json    one record per distinct file (see manifest_key): name, status, rows

Load-once: a file is identified by the SHA-256 of its bytes (a header-only
file, which every quiet day repeats byte for byte, by its name and bytes). A
content already in the manifest is a duplicate (moved aside, never loaded twice); a new one is
claimed in the manifest with an exclusive create, schema-checked, then moved
to loaded/ or quarantine/. Re-running a day re-reads loaded/<day>/, so the raw
partition is rebuilt from exactly the files accepted for it. A later export of
the same dealer, kind and day (same name, new content) replaces the earlier
one in loaded/: the latest export wins.

Schema check on arrival: file-level (readable UTF-8 CSV, every required column
present) quarantines the whole file; row-level (missing values, types, VIN
check digit, dealer mismatch, negative money) quarantines the row unless more
than `max_bad_fraction` of the file's rows fail, which means a systematic
problem (a shifted column), so the whole file goes to quarantine.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol, cast

import pandas as pd

from journey_assets.journey.quality import missing_fields
from journey_assets.journey.vin import normalize_vin, vin_problem

INCOMING, LOADED, QUARANTINE, DUPLICATES, MANIFEST = "incoming", "loaded", "quarantine", "duplicates", "_manifest"
FILE_NAME = re.compile(r"^(?P<kind>sales|service|customers|vehicles)_(?P<dealer_id>[A-Za-z0-9-]+)_(?P<day>\d{8})\.csv$")


@dataclass(frozen=True)
class ExportKind:
    name: str
    key: tuple[str, ...]  # the columns naming one record
    columns: Mapping[str, str]  # column -> type (string, timestamp, date, float, int)
    required: tuple[str, ...]
    non_negative: tuple[str, ...] = ()
    pii: tuple[str, ...] = ()  # personal data: a rejection names the column, never its value

    def record_key(self, raw: Mapping[str, Any]) -> str | None:
        parts = [(raw.get(c) or "").strip() for c in self.key]
        return "|".join(parts) if any(parts) else None


SALES = ExportKind(
    name="sales",
    key=("deal_id",),
    columns={
        "deal_id": "string",
        "dealer_id": "string",
        "customer_id": "string",
        "vehicle_uuid": "string",
        "vin": "string",
        "sold_at": "timestamp",
        "sale_type": "string",
        "price": "float",
        "gross_profit": "float",
        "lead_id": "string",
        # the vehicle sold, and for a lease its term and maturity (optional: older exports lack them)
        "condition": "string",
        "year": "int",
        "make": "string",
        "model": "string",
        "lease_term_months": "int",
        "lease_maturity_date": "date",
    },
    required=("deal_id", "dealer_id", "vin", "sold_at", "sale_type", "price"),
    non_negative=("price", "lease_term_months"),
)
SERVICE = ExportKind(
    name="service",
    key=("repair_order_id",),
    columns={
        "repair_order_id": "string",
        "customer_id": "string",
        "dealer_id": "string",
        "vin": "string",
        "visit_date": "date",
        "mileage": "int",
        "service_type": "string",
        "amount": "float",
    },
    required=("repair_order_id", "dealer_id", "vin", "visit_date", "service_type", "amount"),
    non_negative=("mileage", "amount"),
)
CUSTOMERS = ExportKind(
    name="customers",
    key=("customer_id",),
    columns={
        "customer_id": "string",
        "dealer_id": "string",
        "first_name": "string",
        "last_name": "string",
        "email": "string",
        "phone": "string",
        "address": "string",
        "city": "string",
        "state": "string",
        "zip": "string",
        "birth_year": "int",
        "created_at": "timestamp",
    },
    required=("customer_id", "dealer_id"),
    pii=("first_name", "last_name", "email", "phone", "address", "zip", "birth_year"),
)
VEHICLES = ExportKind(
    name="vehicles",
    key=("vin", "customer_id"),
    columns={
        "vin": "string",
        "customer_id": "string",
        "dealer_id": "string",
        "year": "int",
        "make": "string",
        "model": "string",
        "trim": "string",
        "oil_type": "string",
        "acquisition": "string",  # purchase | lease; empty when bought elsewhere (serviced here)
        "acquired_date": "date",
        "lease_maturity_date": "date",
    },
    required=("vin", "customer_id", "dealer_id"),
)
KINDS = {k.name: k for k in (SALES, SERVICE, CUSTOMERS, VEHICLES)}


# --- landing zones ---------------------------------------------------------------


class Landing(Protocol):
    def list(self, folder: str) -> list[str]: ...
    def read(self, folder: str, name: str) -> bytes: ...
    def write(self, folder: str, name: str, data: bytes) -> None: ...
    def create_exclusive(self, folder: str, name: str, data: bytes) -> bool: ...
    def move(self, folder: str, name: str, to_folder: str, to_name: str | None = None) -> None: ...
    def exists(self, folder: str, name: str) -> bool: ...
    def subfolders(self, folder: str) -> builtins.list[str]: ...


class LocalLanding:
    """A folder on disk (the local environment, and tests)."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def _path(self, folder: str, name: str = "") -> Path:
        return self.root / folder / name if name else self.root / folder

    def list(self, folder: str) -> list[str]:
        base = self._path(folder)
        return sorted(p.name for p in base.iterdir() if p.is_file()) if base.is_dir() else []

    def read(self, folder: str, name: str) -> bytes:
        return self._path(folder, name).read_bytes()

    def write(self, folder: str, name: str, data: bytes) -> None:
        path = self._path(folder, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # readers never see half a file

    def create_exclusive(self, folder: str, name: str, data: bytes) -> bool:
        path = self._path(folder, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "xb") as handle:
                handle.write(data)
        except FileExistsError:
            return False
        return True

    def move(self, folder: str, name: str, to_folder: str, to_name: str | None = None) -> None:
        target = self._path(to_folder, to_name or name)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._path(folder, name), target)

    def exists(self, folder: str, name: str) -> bool:
        return self._path(folder, name).is_file()

    def subfolders(self, folder: str) -> builtins.list[str]:
        base = self._path(folder)
        return sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []


class GcsLanding:
    """A bucket prefix in Google Cloud Storage (prod). Untested offline: no bucket is reachable from CI.

    `create_exclusive` uses the `if_generation_match=0` precondition, so two runs
    never both claim one file; `move` is copy then delete (GCS has no rename).
    """

    def __init__(self, bucket: str, prefix: str = "dms", client: Any = None):
        import google.cloud.storage as storage  # imported here: only prod needs it

        self._client = client or storage.Client()
        self._bucket = self._client.bucket(bucket)
        self.prefix = prefix.strip("/")

    def _key(self, folder: str, name: str = "") -> str:
        return "/".join(p for p in (self.prefix, folder, name) if p)

    def list(self, folder: str) -> list[str]:
        prefix = self._key(folder) + "/"
        names = (b.name[len(prefix) :] for b in self._client.list_blobs(self._bucket, prefix=prefix))
        return sorted(n for n in names if n and "/" not in n)

    def read(self, folder: str, name: str) -> bytes:
        return self._bucket.blob(self._key(folder, name)).download_as_bytes()

    def write(self, folder: str, name: str, data: bytes) -> None:
        self._bucket.blob(self._key(folder, name)).upload_from_string(data)

    def create_exclusive(self, folder: str, name: str, data: bytes) -> bool:
        from google.api_core.exceptions import PreconditionFailed

        try:
            self._bucket.blob(self._key(folder, name)).upload_from_string(data, if_generation_match=0)
        except PreconditionFailed:
            return False
        return True

    def move(self, folder: str, name: str, to_folder: str, to_name: str | None = None) -> None:
        source = self._bucket.blob(self._key(folder, name))
        self._bucket.copy_blob(source, self._bucket, self._key(to_folder, to_name or name))
        source.delete()

    def exists(self, folder: str, name: str) -> bool:
        return self._bucket.blob(self._key(folder, name)).exists()

    def subfolders(self, folder: str) -> builtins.list[str]:
        prefix = self._key(folder) + "/"
        blobs = self._client.list_blobs(self._bucket, prefix=prefix, delimiter="/")
        list(blobs)  # the prefixes are known once the listing was read
        return sorted(p[len(prefix) :].rstrip("/") for p in blobs.prefixes)


# --- one file ----------------------------------------------------------------------


@dataclass
class FileOutcome:
    name: str
    kind: str | None
    dealer_id: str | None
    export_date: date
    checksum: str
    status: str  # loaded | reloaded | duplicate | quarantined
    reason: str | None = None
    rows: int = 0
    rejected_rows: int = 0


@dataclass
class DayLoad:
    day: date
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {k: [] for k in KINDS})
    rejections: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {k: [] for k in KINDS})
    files: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)


@dataclass
class ParsedFile:
    kind: ExportKind
    dealer_id: str
    rows: list[dict[str, Any]]
    rejections: list[dict[str, Any]]
    problem: str | None = None  # set when the whole file must be quarantined


def parse_name(name: str) -> tuple[str, str, date] | None:
    match = FILE_NAME.match(name)
    if not match:
        return None
    try:
        day = datetime.strptime(match["day"], "%Y%m%d").date()
    except ValueError:
        return None
    return match["kind"], match["dealer_id"], day


def _typed(value: str, kind: str) -> Any:
    if kind == "string":
        return value
    if kind == "float":
        return float(value)
    if kind == "int":
        number = float(value)
        if number != int(number):
            raise ValueError("not a whole number")
        return int(number)
    if kind == "timestamp":
        if not value[:4].isdigit():  # refuse pandas' "now" / "today"
            raise ValueError("not a timestamp")
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):
            raise ValueError("not a timestamp")
        return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    if kind == "date":
        return date.fromisoformat(value[:10])
    raise ValueError(f"unknown type {kind}")


def row_problems(kind: ExportKind, dealer_id: str, raw: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The row typed, and what is wrong with it (empty when it can be loaded)."""
    values = {c: (raw.get(c) or "").strip() or None for c in kind.columns}
    problems = missing_fields(values, kind.required)
    typed: dict[str, Any] = {}
    for column, type_name in kind.columns.items():
        value = values[column]
        if value is None:
            typed[column] = None
            continue
        try:
            typed[column] = _typed(value, type_name)
        except (ValueError, TypeError, OverflowError):
            typed[column] = None
            shown = "" if column in kind.pii else f" {value!r}"
            problems.append(f"{column}{shown} is not a {type_name}")
    if values.get("vin") is not None:
        reason = vin_problem(values["vin"])
        if reason:
            problems.append(reason)
        else:
            typed["vin"] = normalize_vin(values["vin"])
    if values["dealer_id"] is not None and values["dealer_id"] != dealer_id:
        problems.append(f"dealer_id {values['dealer_id']!r} does not match the file's dealer {dealer_id!r}")
    for column in kind.non_negative:
        if isinstance(typed.get(column), (int, float)) and typed[column] < 0:
            problems.append(f"{column} {typed[column]} is negative")
    return typed, problems


def parse_file(name: str, data: bytes, *, max_bad_fraction: float = 0.5) -> ParsedFile | str:
    """The file's rows and row rejections, or the reason the whole file is refused."""
    parts = parse_name(name)
    if parts is None:
        return "file name does not follow <sales|service|customers|vehicles>_<dealer_id>_<YYYYMMDD>.csv"
    kind, dealer_id = KINDS[parts[0]], parts[1]
    try:
        text = data.decode("utf-8-sig")
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except UnicodeDecodeError:
        return "file is not UTF-8 text"
    except pd.errors.EmptyDataError:
        return "file is empty (not even a header row)"
    except pd.errors.ParserError as exc:
        return f"file is not a readable CSV: {str(exc).splitlines()[0]}"
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in kind.required if c not in frame.columns]
    if missing:
        return f"missing required columns: {', '.join(missing)}"
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicated:
        return f"columns appear more than once: {', '.join(duplicated)}"
    rows, rejections = [], []
    for number, raw in enumerate(cast(list[dict[str, str]], frame.to_dict("records")), start=2):  # line 1 is the header
        typed, problems = row_problems(kind, dealer_id, raw)
        if problems:
            rejections.append(
                {
                    "dealer_id": dealer_id,
                    "record_key": kind.record_key(raw),
                    "reason": f"{name} line {number}: " + "; ".join(problems),
                    "payload": json.dumps(raw, sort_keys=True),
                }
            )
        else:
            rows.append(typed)
    total = len(rows) + len(rejections)
    if total and len(rejections) / total > max_bad_fraction:
        first = rejections[0]["reason"]
        return f"{len(rejections)} of {total} rows failed validation (first: {first})"
    return ParsedFile(kind, dealer_id, rows, rejections)


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_key(name: str, data: bytes, digest: str) -> str:
    """The manifest's key for a file: its content's checksum, which makes a re-dropped copy a duplicate under any
    name. A file without a data row is the exception: every quiet day's export is the same header, byte for byte,
    so it is known by its name and content (a re-drop under the same name is still a duplicate)."""
    if data.strip().count(b"\n") > 0:
        return digest
    return checksum(name.encode() + b"\n" + data)


# --- one day -----------------------------------------------------------------------


class DmsLoader:
    """Applies the load-once protocol to a landing zone for one export date at a time."""

    def __init__(
        self,
        landing: Landing,
        *,
        max_bad_fraction: float = 0.5,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.landing = landing
        self.max_bad_fraction = max_bad_fraction
        self.clock = clock

    def manifest(self, digest: str) -> dict[str, Any] | None:
        name = f"{digest}.json"
        return json.loads(self.landing.read(MANIFEST, name)) if self.landing.exists(MANIFEST, name) else None

    def _record(self, outcome: FileOutcome, key: str, *, exclusive: bool = False) -> bool:
        entry = {
            **asdict(outcome),
            "export_date": outcome.export_date.isoformat(),
            "recorded_at": self.clock().isoformat(),
        }
        data = json.dumps(entry, sort_keys=True).encode()
        name = f"{key}.json"
        if exclusive:
            return self.landing.create_exclusive(MANIFEST, name, data)
        self.landing.write(MANIFEST, name, data)
        return True

    def pending_days(self) -> dict[date, list[str]]:
        """Export dates with files waiting in incoming/ (what a sensor asks for)."""
        days: dict[date, list[str]] = {}
        for name in self.landing.list(INCOMING):
            parts = parse_name(name)
            if parts:
                days.setdefault(parts[2], []).append(name)
        return days

    def export_days(self, until: date) -> builtins.list[date]:
        """Every export date up to `until` with files waiting or already accepted (a first run loads them all)."""
        accepted = set()
        for folder in self.landing.subfolders(LOADED):
            try:
                accepted.add(date.fromisoformat(folder))
            except ValueError:
                continue
        return sorted(d for d in accepted | set(self.pending_days()) | {until} if d <= until)

    def load_day(self, day: date) -> DayLoad:
        result = DayLoad(day)
        loaded_folder = f"{LOADED}/{day.isoformat()}"
        arrived: dict[str, ParsedFile] = {}  # parsed on arrival: not parsed again below
        for name in self.landing.list(INCOMING):
            if name.startswith("."):
                continue  # a drop still being written
            parts = parse_name(name)
            if parts is not None and parts[2] != day:
                continue  # another export date: its own partition loads it
            outcome, parsed_on_arrival = self._arrive(name, day, loaded_folder)
            result.files.append(outcome)
            if outcome.status == "loaded" and parsed_on_arrival is not None:
                arrived[name] = parsed_on_arrival
        for name in self.landing.list(loaded_folder):
            parsed: ParsedFile | str
            if name in arrived:
                parsed, digest = arrived[name], next(f.checksum for f in result.files if f.name == name)
            else:
                data = self.landing.read(loaded_folder, name)
                parsed, digest = parse_file(name, data, max_bad_fraction=self.max_bad_fraction), checksum(data)
            if isinstance(parsed, str):  # accepted before under other rules: say so, load nothing from it
                result.files.append(FileOutcome(name, None, None, day, digest, "quarantined", parsed))
                continue
            result.rows[parsed.kind.name] += [
                {**row, "source_file": name, "file_checksum": digest} for row in parsed.rows
            ]
            result.rejections[parsed.kind.name] += parsed.rejections
            if name in arrived:
                outcome = next(f for f in result.files if f.name == name and f.status == "loaded")
                outcome.rows, outcome.rejected_rows = len(parsed.rows), len(parsed.rejections)
            else:
                result.files.append(
                    FileOutcome(
                        name,
                        parsed.kind.name,
                        parsed.dealer_id,
                        day,
                        checksum(data),
                        "reloaded",
                        rows=len(parsed.rows),
                        rejected_rows=len(parsed.rejections),
                    )
                )
        return result

    def _arrive(self, name: str, day: date, loaded_folder: str) -> tuple[FileOutcome, ParsedFile | None]:
        """What became of a file in incoming/, and its parse when it was loaded."""
        data = self.landing.read(INCOMING, name)
        digest = checksum(data)
        key = manifest_key(name, data, digest)
        parts = parse_name(name)
        kind, dealer_id = (parts[0], parts[1]) if parts else (None, None)
        seen = self.manifest(key)
        if seen and seen.get("status") != "claimed":
            stamp = self.clock().strftime("%Y%m%dT%H%M%S")
            self.landing.move(INCOMING, name, DUPLICATES, f"{stamp}_{name}")
            reason = f"identical to {seen['name']} ({seen['status']} for {seen['export_date']})"
            return FileOutcome(name, kind, dealer_id, day, digest, "duplicate", reason), None
        claim = FileOutcome(name, kind, dealer_id, day, digest, "claimed")
        if not seen and not self._record(claim, key, exclusive=True):
            return FileOutcome(name, kind, dealer_id, day, digest, "duplicate", "claimed by a concurrent run"), None
        parsed = parse_file(name, data, max_bad_fraction=self.max_bad_fraction)
        if isinstance(parsed, str):
            self.landing.move(INCOMING, name, QUARANTINE)
            self.landing.write(QUARANTINE, f"{name}.reason.txt", (parsed + "\n").encode())
            outcome = FileOutcome(name, kind, dealer_id, day, digest, "quarantined", parsed)
        else:
            self.landing.move(INCOMING, name, loaded_folder)
            outcome = FileOutcome(
                name,
                kind,
                dealer_id,
                day,
                digest,
                "loaded",
                rows=len(parsed.rows),
                rejected_rows=len(parsed.rejections),
            )
        self._record(outcome, key)
        return outcome, None if isinstance(parsed, str) else parsed


def file_log_rows(load: DayLoad, loaded_at: datetime) -> list[dict[str, Any]]:
    return [{**asdict(f), "loaded_at": loaded_at} for f in load.files]


__all__: Sequence[str] = (
    "SALES",
    "SERVICE",
    "CUSTOMERS",
    "VEHICLES",
    "KINDS",
    "LocalLanding",
    "GcsLanding",
    "DmsLoader",
    "DayLoad",
    "FileOutcome",
    "parse_file",
    "parse_name",
    "checksum",
    "file_log_rows",
)
