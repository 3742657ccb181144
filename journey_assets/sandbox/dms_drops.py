"""The sandbox's DMS: writes the world's sales and service visits as the daily CSV files a dealer's DMS drops.

A dealer management system exports, for every rooftop and business day, one
file of deals posted and one of repair orders closed, into a landing folder:

    <root>/incoming/sales_<dealer_id>_<YYYYMMDD>.csv
    <root>/incoming/service_<dealer_id>_<YYYYMMDD>.csv

The business day is the rooftop's local day (its `timezone` in rooftops, UTC
when absent). Every rooftop gets both files for every day in the range, with
only a header on a quiet day, as DMS schedulers do. The history before that
comes as a DMS exports it once when a dealer group starts: one file per rooftop
and kind, named by its last day, holding every deal or repair order up to it
(`as_one_export`). Files are written to a
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


def _local_day(frame: pd.DataFrame, column: str, zones: dict[str, str]) -> pd.Series:
    stamps = pd.to_datetime(frame[column], utc=True)
    out = pd.Series(index=frame.index, dtype=object)
    for dealer, rows in frame.groupby("dealer_id").groups.items():
        out.loc[rows] = stamps.loc[rows].dt.tz_convert(zones.get(dealer, "UTC")).dt.date
    return out


def _rendered(frame: pd.DataFrame, columns: list[str], render: dict) -> dict[tuple[str, date], str]:
    """Each (dealer, day)'s CSV body, rendered by pandas once for all rows (one file at a time takes a minute)."""
    frame = frame.sort_values(["dealer_id", "_day"], kind="stable")
    out = frame[columns].copy()
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
    sales = world.table("sales")
    sales = sales.assign(_day=_local_day(sales, "sold_at", zones))
    sales = sales[(sales["_day"] >= first_day) & (sales["_day"] <= last_day)]
    service = world.table("service_visits")
    service = service.assign(_day=pd.to_datetime(service["visit_date"]).dt.date)
    service = service[(service["_day"] >= first_day) & (service["_day"] <= last_day)]
    if as_one_export:
        sales, service = sales.assign(_day=last_day), service.assign(_day=last_day)
        first_day = last_day
    kinds = (
        (
            "sales",
            SALES_COLUMNS,
            _rendered(
                sales,
                SALES_COLUMNS,
                {"sold_at": lambda s: pd.to_datetime(s, utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")},
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
