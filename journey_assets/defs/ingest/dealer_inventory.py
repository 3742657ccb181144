"""Daily snapshot of every rooftop's website inventory feed."""

from datetime import UTC, datetime

import dagster as dg

from journey_assets.defs.ingest.common import (
    partition_day,
    quarantine_check,
    quarantine_frame,
    raw_asset_with_quarantine,
    typed_frame,
)
from journey_assets.defs.resources import DealerInventoryResource, RooftopsResource
from journey_assets.journey.inventory import inventory_row_problems
from journey_assets.journey.quality import split_records, split_repeats

SOURCE = "dealer_inventory"
RAW_KEY = ["raw", "dealer_inventory"]
SCHEMA = {
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
}


@raw_asset_with_quarantine(
    "vehicles",
    RAW_KEY,
    source=SOURCE,
    partition_expr="snapshot_date",
    description="Each rooftop's website inventory feed, one row per vehicle per snapshot day.",
)
def dealer_inventory(
    context: dg.AssetExecutionContext, dealer_inventory: DealerInventoryResource, rooftops: RooftopsResource
):
    day = partition_day(context)
    client = dealer_inventory.client()
    loaded_at = datetime.now(UTC)
    accepted, rejected = [], []
    for rooftop in rooftops.all():
        dealer_id = rooftop["dealer_id"]
        vehicles = [
            {**vehicle, "dealer_id": dealer_id, "snapshot_date": day, "loaded_at": loaded_at}
            for vehicle in client.iter_vehicles(dealer_id, as_of=day)
        ]
        good, bad = split_records(vehicles, inventory_row_problems, key="vehicle_id")
        good, duplicates = split_repeats(good, key="vehicle_id", what="vehicle")
        accepted += good
        rejected += [{**r, "dealer_id": dealer_id} for r in bad + duplicates]
        context.log.info(f"{dealer_id}: {len(good)} vehicles loaded, {len(bad) + len(duplicates)} quarantined")
    yield dg.Output(typed_frame(accepted, SCHEMA), output_name="vehicles", metadata={"rows": len(accepted)})
    yield dg.Output(quarantine_frame(SOURCE, day, rejected), output_name="rejected", metadata={"rows": len(rejected)})
    yield quarantine_check(RAW_KEY, SOURCE, len(rejected), len(accepted))
