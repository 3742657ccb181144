"""The sandbox's DMS: writes the world's deals, repair orders, customers and vehicles as a DMS's daily CSV files.

A dealer management system exports, for every rooftop and business day, one
file of deals posted, one of repair orders closed, one of customer records and
one of vehicle-master records created that day, into a landing folder:

    <root>/incoming/sales_<dealer_id>_<YYYYMMDD>.csv
    <root>/incoming/service_<dealer_id>_<YYYYMMDD>.csv
    <root>/incoming/customers_<dealer_id>_<YYYYMMDD>.csv
    <root>/incoming/vehicles_<dealer_id>_<YYYYMMDD>.csv

Which records the DMS holds: the world's customers whose record started there
(`source` dms) and every customer a deal, repair order or vehicle references;
the vehicles the rooftops know of (sold or leased here, or bought elsewhere and
serviced here), one row per VIN and owner. A customer record is created with
the first of its own creation (a dms record) or its first deal, repair order
or vehicle; a vehicle record on its delivery day, or its first repair order
when it was bought elsewhere. The world never changes either afterwards, so
each is exported once. A lease deal carries its term and maturity date (from
the world's owned vehicles), as DMS deal files do.

The business day is the rooftop's local day (its `timezone` in rooftops, UTC
when absent). Every rooftop gets both files for every day in the range, with
only a header on a quiet day, as DMS schedulers do. The history before that
comes as a DMS exports it once when a dealer group starts: one file per rooftop
and kind, named by its last day, holding every deal or repair order up to it
(`as_one_export`; for customers and vehicles it holds everything created up to
its day, also before the deal history began, such as a lease signed four years
ago that matures next spring). Files are written to a
dot-prefixed temporary name and renamed, so a reader never sees half a file.
Prod has no equivalent here: the dealer's DMS writes to the GCS bucket itself.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from journey_assets.sandbox.world import World

SALES_COLUMNS = [
    "deal_id",
    "dealer_id",
    "customer_id",
    "vehicle_uuid",
    "vin",
    "sold_at",
    "sale_type",
    "price",
    "gross_profit",
    "lead_id",
    "condition",
    "year",
    "make",
    "model",
    "lease_term_months",
    "lease_maturity_date",
]
SERVICE_COLUMNS = [
    "repair_order_id",
    "customer_id",
    "dealer_id",
    "vin",
    "visit_date",
    "mileage",
    "service_type",
    "amount",
]


CUSTOMER_COLUMNS = [
    "customer_id",
    "dealer_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "city",
    "state",
    "zip",
    "birth_year",
    "created_at",
]
VEHICLE_COLUMNS = [
    "vin",
    "customer_id",
    "dealer_id",
    "year",
    "make",
    "model",
    "trim",
    "oil_type",
    "acquisition",
    "acquired_date",
    "lease_maturity_date",
]
DAYS_PER_MONTH = 30.44  # the world's lease terms are whole months of this length


def _local_day(frame: pd.DataFrame, column: str, zones: dict[str, str]) -> pd.Series:
    stamps = pd.to_datetime(frame[column], utc=True)
    out = pd.Series(index=frame.index, dtype=object)
    for dealer, rows in frame.groupby("dealer_id").groups.items():
        out.loc[rows] = stamps.loc[rows].dt.tz_convert(zones.get(dealer, "UTC")).dt.date
    return out


def _rendered(frame: pd.DataFrame, columns: list[str], render: dict) -> dict[tuple[str, date], str]:
    """Each (dealer, day)'s CSV body, rendered by pandas once for all rows (one file at a time takes a minute)."""
    frame = frame.sort_values(["dealer_id", "_day"], kind="stable")
    out = frame.reindex(columns=columns)  # a column the world lacks is written empty
    for column, fn in render.items():
        if len(out):
            out[column] = fn(out[column])
    lines = out.to_csv(index=False, header=False, lineterminator="\n").split("\n")[:-1]
    if len(lines) != len(out):  # a value with a line break: render per file instead
        return {
            key: rows.to_csv(index=False, header=False, lineterminator="\n")
            for key, rows in out.groupby([frame["dealer_id"], frame["_day"]])
        }
    bodies: dict[tuple[str, date], str] = {}
    keys = list(zip(frame["dealer_id"], frame["_day"], strict=True))
    start = 0
    for end in range(1, len(keys) + 1):
        if end == len(keys) or keys[end] != keys[start]:
            bodies[keys[start]] = "\n".join(lines[start:end]) + "\n"
            start = end
    return bodies


def _table(world: World, name: str, columns: list[str]) -> pd.DataFrame:
    """A world table with at least `columns` (missing ones empty): hand-built worlds hold only what a test needs."""
    try:
        frame = world.table(name)
    except KeyError:
        frame = pd.DataFrame(columns=columns)
    missing = [c for c in columns if c not in frame.columns]
    return frame.assign(**dict.fromkeys(missing)) if missing else frame


def deals(world: World) -> pd.DataFrame:
    """The world's sales with, for a lease, its term in months and maturity date (from its owned vehicle)."""
    sales = world.table("sales")
    owned = _table(world, "owned_vehicles", [*VEHICLE_COLUMNS, "acquired_here"])
    leases = owned.loc[owned["acquisition"] == "lease", ["vin", "customer_id", "acquired_date", "lease_maturity_date"]]
    out = sales.merge(leases, on=["vin", "customer_id"], how="left")
    out.loc[out["sale_type"] != "lease", ["acquired_date", "lease_maturity_date"]] = pd.NaT
    days = (pd.to_datetime(out["lease_maturity_date"]) - pd.to_datetime(out["acquired_date"])).dt.days
    out["lease_term_months"] = (days / DAYS_PER_MONTH).round().astype("Int64")
    return out.drop(columns=["acquired_date"])


def dms_vehicles(world: World) -> pd.DataFrame:
    """The vehicle master: every owned vehicle sold or leased here, or serviced here, with the day the DMS got it."""
    owned = _table(world, "owned_vehicles", [*VEHICLE_COLUMNS, "acquired_here"])
    first_visit = world.table("service_visits").groupby("vin")["visit_date"].min()
    here = owned["acquired_here"].fillna(False).astype(bool)
    known = owned[here | owned["vin"].isin(first_visit.index)].copy()
    here = here[known.index]
    known["_day"] = pd.to_datetime(known["acquired_date"].where(here, known["vin"].map(first_visit))).dt.date
    known.loc[~here, ["acquisition", "acquired_date"]] = [None, pd.NaT]  # the DMS knows no deal for it
    return known


def _local_noon(frame: pd.DataFrame, column: str, zones: dict[str, str]) -> pd.Series:
    """A local date column as noon of that day at each row's rooftop, in UTC (a time for a day-only record)."""
    out = pd.Series(index=frame.index, dtype="datetime64[ns, UTC]")
    for dealer, rows in frame.groupby("dealer_id").groups.items():
        noon = pd.to_datetime(frame.loc[rows, column]) + pd.Timedelta(hours=12)
        out.loc[rows] = noon.dt.tz_localize(zones.get(dealer, "UTC")).dt.tz_convert("UTC")
    return out


def dms_customers(world: World, vehicles: pd.DataFrame, zones: dict[str, str]) -> pd.DataFrame:
    """The customers the DMS holds, created_at being when the DMS record began, with its local day."""
    customers = _table(world, "customers", [*CUSTOMER_COLUMNS, "source"]).copy()
    customers["created_at"] = pd.to_datetime(customers["created_at"], utc=True)
    sales, service = world.table("sales"), world.table("service_visits")
    # A vehicle delivered before the deal history has no deal to date it: its delivery day, at noon.
    delivered = vehicles.dropna(subset=["acquired_date"])
    delivered_at = _local_noon(delivered, "acquired_date", zones)
    opened = service["opened_at"] if "opened_at" in service.columns else _local_noon(service, "visit_date", zones)
    parts = [
        pd.DataFrame(
            {"customer_id": frame["customer_id"], "at": pd.to_datetime(at, utc=True), "dealer": frame["dealer_id"]}
        )
        for frame, at in ((sales, sales["sold_at"]), (service, opened), (delivered, delivered_at))
        if len(frame)
    ]
    touches = pd.concat(parts) if parts else pd.DataFrame(columns=["customer_id", "at", "dealer"])
    first = touches.dropna(subset=["customer_id"]).sort_values("at").drop_duplicates("customer_id")
    first_touch, first_dealer = first.set_index("customer_id")["at"], first.set_index("customer_id")["dealer"]
    started_here = customers["source"] == "dms"
    touched = customers["customer_id"].map(first_touch)
    held = customers[started_here | touched.notna()].copy()
    created = held["created_at"].where(started_here[held.index], touched[held.index])
    held["created_at"] = created.fillna(touched[held.index]).fillna(pd.Timestamp(world.as_of, tz="UTC"))
    held["dealer_id"] = held["dealer_id"].fillna(held["customer_id"].map(first_dealer))  # where it first came in
    return held.assign(_day=_local_day(held, "created_at", zones))


def write_dms_drops(
    world: World,
    root: Path | str,
    first_day: date | None = None,
    last_day: date | None = None,
    *,
    as_one_export: bool = False,
) -> list[Path]:
    """Write the drops for first_day..last_day (default: the 7 days before the world's as_of) and return them.

    `as_one_export`: one file per rooftop and kind dated last_day, with every row of the range.
    """
    last_day = last_day or world.as_of - timedelta(days=1)
    first_day = first_day or last_day - timedelta(days=6)
    incoming = Path(root) / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    rooftops = world.table("rooftops")
    zones = (
        dict(zip(rooftops["dealer_id"], rooftops["timezone"], strict=True)) if "timezone" in rooftops.columns else {}
    )
    sales = deals(world)
    sales = sales.assign(_day=_local_day(sales, "sold_at", zones))
    sales = sales[(sales["_day"] >= first_day) & (sales["_day"] <= last_day)]
    service = world.table("service_visits")
    service = service.assign(_day=pd.to_datetime(service["visit_date"]).dt.date)
    service = service[(service["_day"] >= first_day) & (service["_day"] <= last_day)]
    vehicles = dms_vehicles(world)
    customers = dms_customers(world, vehicles, zones)
    # The first export of customers and vehicles holds every record up to its day, however old.
    since = None if as_one_export else first_day
    vehicles = vehicles[((since is None) | (vehicles["_day"] >= since)) & (vehicles["_day"] <= last_day)]
    customers = customers[((since is None) | (customers["_day"] >= since)) & (customers["_day"] <= last_day)]
    if as_one_export:
        sales, service = sales.assign(_day=last_day), service.assign(_day=last_day)
        customers, vehicles = customers.assign(_day=last_day), vehicles.assign(_day=last_day)
        first_day = last_day
    iso_day = {"lease_maturity_date": lambda s: pd.to_datetime(s).dt.strftime("%Y-%m-%d")}
    kinds = (
        (
            "sales",
            SALES_COLUMNS,
            _rendered(
                sales,
                SALES_COLUMNS,
                {"sold_at": lambda s: pd.to_datetime(s, utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ"), **iso_day},
            ),
        ),
        (
            "customers",
            CUSTOMER_COLUMNS,
            _rendered(
                customers,
                CUSTOMER_COLUMNS,
                {"created_at": lambda s: pd.to_datetime(s, utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")},
            ),
        ),
        (
            "vehicles",
            VEHICLE_COLUMNS,
            _rendered(
                vehicles,
                VEHICLE_COLUMNS,
                {"acquired_date": lambda s: pd.to_datetime(s).dt.strftime("%Y-%m-%d"), **iso_day},
            ),
        ),
        (
            "service",
            SERVICE_COLUMNS,
            _rendered(service, SERVICE_COLUMNS, {"visit_date": lambda s: pd.to_datetime(s).dt.strftime("%Y-%m-%d")}),
        ),
    )
    written = []
    day = first_day
    while day <= last_day:
        for dealer in rooftops["dealer_id"]:
            for kind, columns, bodies in kinds:
                header = ",".join(columns) + "\n"
                written.append(
                    _write(incoming / f"{kind}_{dealer}_{day:%Y%m%d}.csv", header + bodies.get((dealer, day), ""))
                )
        day += timedelta(days=1)
    return written


def _write(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path
