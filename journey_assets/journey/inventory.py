"""What makes an inventory feed row loadable."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from journey_assets.journey.quality import missing_fields
from journey_assets.journey.vin import vin_problem

REQUIRED = ("vehicle_id", "vin", "year", "make", "model")
EARLIEST_MODEL_YEAR = 1981  # 17-character VINs with check digits start with model year 1981


def inventory_row_problems(row: Mapping[str, Any]) -> list[str]:
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
        if value not in (None, ""):
            try:
                if float(value) < 0:
                    problems.append(f"{money} {value} is negative")
            except (TypeError, ValueError):
                problems.append(f"{money} {value!r} is not a number")
    return problems
