"""Daily snapshot of every rooftop's website inventory feed: one row per vehicle per snapshot day."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from journey_assets.journey.quality import missing_fields
from journey_assets.journey.vin import vin_problem
from journey_assets.sources.spec import Batch, Fetch, Source, Table, Window

REQUIRED = ("vehicle_id", "vin", "year", "make", "model")
EARLIEST_MODEL_YEAR = 1981  # 17-character VINs with check digits start with model year 1981


def inventory_row_problems(row: Mapping[str, Any], window: Window | None = None) -> list[str]:
    problems = missing_fields(row, REQUIRED)
    if row.get("vin") is not None:
        reason = vin_problem(row["vin"])
        if reason:
            problems.append(reason)
    year = row.get("year")
    if year is not None:
        try:
            if not EARLIEST_MODEL_YEAR <= int(year) <= 2100:
                problems.append(f"model year {year} is out of range")
        except (TypeError, ValueError):
            problems.append(f"model year {year!r} is not a number")
    for money in ("price", "msrp"):
        value = row.get(money)
        if value is not None and value != "":
            try:
                if float(value) < 0:
                    problems.append(f"{money} {value} is negative")
            except (TypeError, ValueError):
                problems.append(f"{money} {value!r} is not a number")
    return problems


VEHICLES = Table(
    name="dealer_inventory",
    description="Each rooftop's website inventory feed, one row per vehicle per snapshot day.",
    columns={
        "snapshot_date": "date",
        "dealer_id": "string",
        "vehicle_id": "string",
        "vin": "string",
        "stock_number": "string",
        "inventory_type": "string",
        "certified": "bool",
        "status": "string",
        "year": "int",
        "make": "string",
        "model": "string",
        "trim": "string",
        "body_style": "string",
        "exterior_color": "string",
        "odometer": "int",
        "msrp": "float",
        "price": "float",
        "date_in_stock": "date",
        "image_url": "string",
        "vdp_url": "string",
        "loaded_at": "timestamp",
    },
    partition_column="snapshot_date",
    key=("vehicle_id",),
    rules=inventory_row_problems,
    what="vehicle",
    not_null=("snapshot_date", "dealer_id", "vehicle_id", "vin", "loaded_at"),
)


def fetch(run: Fetch) -> Iterator[Batch]:
    client = run.vendor.client()
    loaded_at = datetime.now(UTC)
    for day in run.days():  # a snapshot per day: the feed as it stood that day
        for rooftop in run.rooftops:
            dealer_id = rooftop["dealer_id"]
            vehicles = [
                {**vehicle, "dealer_id": dealer_id, "snapshot_date": day, "loaded_at": loaded_at}
                for vehicle in client.iter_vehicles(dealer_id, as_of=day)
            ]
            yield Batch(VEHICLES.name, day, vehicles, dealer_id=dealer_id)


SOURCE = Source(name="dealer_inventory", tables=(VEHICLES,), fetch=fetch, resource="dealer_inventory")
