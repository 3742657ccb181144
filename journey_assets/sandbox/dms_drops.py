"""The sandbox's DMS: writes the world's sales and service visits as the daily CSV files a dealer's DMS drops.

A dealer management system exports, for every rooftop and business day, one
file of deals posted and one of repair orders closed, into a landing folder:

    <root>/incoming/sales_<dealer_id>_<YYYYMMDD>.csv
    <root>/incoming/service_<dealer_id>_<YYYYMMDD>.csv

The business day is the rooftop's local day (its `timezone` in rooftops, UTC
when absent). Every rooftop gets both files for every day in the range, with
only a header on a quiet day, as DMS schedulers do. Files are written to a
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


def write_dms_drops(
    world: World, root: Path | str, first_day: date | None = None, last_day: date | None = None
) -> list[Path]:
    """Write the drops for first_day..last_day (default: the 7 days before the world's as_of) and return them."""
    last_day = last_day or world.as_of - timedelta(days=1)
    first_day = first_day or last_day - timedelta(days=6)
    incoming = Path(root) / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    rooftops = world.table("rooftops")
    zones = dict(zip(rooftops["dealer_id"], rooftops["timezone"])) if "timezone" in rooftops.columns else {}
    sales = world.table("sales")
    sales = sales.assign(_day=_local_day(sales, "sold_at", zones))
    sales = sales[(sales["_day"] >= first_day) & (sales["_day"] <= last_day)]
    service = world.table("service_visits")
    service = service.assign(_day=pd.to_datetime(service["visit_date"]).dt.date)
    service = service[(service["_day"] >= first_day) & (service["_day"] <= last_day)]
    sales_by = {key: frame for key, frame in sales.groupby(["dealer_id", "_day"])}
    service_by = {key: frame for key, frame in service.groupby(["dealer_id", "_day"])}
    written = []
    day = first_day
    while day <= last_day:
        for dealer in rooftops["dealer_id"]:
            for kind, columns, groups, fmt in (
                (
                    "sales",
                    SALES_COLUMNS,
                    sales_by,
                    {"sold_at": lambda s: pd.to_datetime(s, utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")},
                ),
                (
                    "service",
                    SERVICE_COLUMNS,
                    service_by,
                    {"visit_date": lambda s: pd.to_datetime(s).dt.strftime("%Y-%m-%d")},
                ),
            ):
                frame = groups.get((dealer, day))
                frame = pd.DataFrame(columns=columns) if frame is None else frame[columns].copy()
                for column, render in fmt.items():
                    if len(frame):
                        frame[column] = render(frame[column])
                written.append(_write(incoming / f"{kind}_{dealer}_{day:%Y%m%d}.csv", frame))
        day += timedelta(days=1)
    return written


def _write(path: Path, frame: pd.DataFrame) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path
