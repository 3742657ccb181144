"""A hand-built inventory world whose every row is known, served by the real sandbox."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import World

AS_OF = date(2026, 11, 23)
GOOD_VINS = ["1M8GDM9AXKP042788", "JH2RC3605MM101581", "1HGCV1F42JA141468", "2HGFC2F59JH542129", "1FTFW1E50JFB12345"]
BAD_VIN = "1M8GDM9A1KP042788"  # check digit 1 where X belongs


def _vehicle(n: int, vin: str, dealer: str = "D01", sold: str | None = None, in_stock: str = "2026-10-01") -> dict:
    return {
        "vehicle_uuid": f"veh-{n:03d}",
        "dealer_id": dealer,
        "vin": vin,
        "stock_number": f"S{n:04d}",
        "condition": ["new", "used", "cpo"][n % 3],
        "year": 2024,
        "make": "Honda",
        "model": "Civic",
        "trim": "EX",
        "body_style": "Sedan",
        "exterior_color": "Blue",
        "odometer": 10 * n,
        "msrp": 30000.0,
        "date_in_stock": pd.Timestamp(in_stock),
        "date_sold": pd.Timestamp(sold) if sold else pd.NaT,
        "vdp_url": f"https://www.d01.example/inventory/2024-honda-civic-{vin}",
        "image_url": f"https://img.example/{n}.jpg",
    }


@pytest.fixture
def inventory_world() -> World:
    vehicles = [_vehicle(i, vin) for i, vin in enumerate(GOOD_VINS)]
    vehicles.append(_vehicle(5, BAD_VIN))
    vehicles.append(_vehicle(6, GOOD_VINS[0].replace("1M8", "1M8"), sold="2026-11-20"))  # sold before as_of
    vehicles.append(_vehicle(7, "1HGCV1F42JA141468", dealer="D02"))
    inventory = pd.DataFrame(vehicles)
    prices = pd.DataFrame(
        [
            {"vehicle_uuid": v["vehicle_uuid"], "effective_date": pd.Timestamp("2026-10-01"), "price": 29000.0}
            for v in vehicles
        ]
        + [{"vehicle_uuid": "veh-001", "effective_date": pd.Timestamp("2026-11-22"), "price": 27500.0}]
    )
    rooftops = pd.DataFrame([{"dealer_id": "D01", "name": "One"}, {"dealer_id": "D02", "name": "Two"}])
    return World("small", 1, AS_OF, tables={"inventory": inventory, "inventory_prices": prices, "rooftops": rooftops})


@pytest.fixture
def inventory_sandbox(inventory_world: World, tmp_path):
    with SandboxServer(inventory_world, record_path=tmp_path / "requests.sqlite3") as server:
        yield server
