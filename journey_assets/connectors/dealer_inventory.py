"""Dealer website inventory feed client (DealerOn / Dealer.com).

Neither provider has a public inventory API, so a dealer group points this
client at the feed its website provider gives it: a paged JSON feed or a CSV
export. Field names differ by provider, so a `FieldMapping` maps our columns
to the feed's keys (dotted paths reach into nested objects, e.g.
`images.0.uri`). The default mapping is Dealer.com's vehicle object.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import pandas as pd

from journey_assets.connectors.http import MalformedResponseError, VendorClient, require

# Our column -> the feed's key. Dealer.com vehicle objects by default.
DEALER_COM_MAPPING: dict[str, str] = {
    "vehicle_id": "uuid",
    "vin": "vin",
    "stock_number": "stockNumber",
    "inventory_type": "inventoryType",
    "certified": "certified",
    "status": "status",
    "year": "year",
    "make": "make",
    "model": "model",
    "trim": "trim",
    "body_style": "bodyStyle",
    "exterior_color": "exteriorColor",
    "odometer": "odometer",
    "msrp": "startingPrice",
    "price": "finalPrice",
    "date_in_stock": "dateInStock",
    "image_url": "images.0.uri",
    "vdp_url": "link",
}
REQUIRED_FIELDS = ("vehicle_id", "vin", "year", "make", "model")


@dataclass(frozen=True)
class FieldMapping:
    fields: Mapping[str, str] = field(default_factory=lambda: dict(DEALER_COM_MAPPING))

    def apply(self, vehicle: Mapping[str, Any]) -> dict[str, Any]:
        return {column: _dig(vehicle, path) for column, path in self.fields.items()}


def _dig(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(obj, Mapping):
            obj = obj.get(part)
        elif isinstance(obj, list) and part.isdigit():
            obj = obj[int(part)] if int(part) < len(obj) else None
        else:
            return None
        if obj is None:
            return None
    return obj


class DealerInventoryClient(VendorClient):
    vendor = "dealer_inventory"

    def __init__(
        self, base_url: str, api_key: str, *, mapping: FieldMapping | None = None, page_size: int = 100, **kwargs: Any
    ):
        super().__init__(base_url, headers={"X-Api-Key": api_key}, **kwargs)
        self.mapping = mapping or FieldMapping()
        self.page_size = page_size

    def iter_vehicles(self, dealer_id: str, as_of: date | None = None) -> Iterator[dict[str, Any]]:
        """Every vehicle in the dealer's feed, mapped to our columns; pages until the feed says done."""
        path = f"/dealers/{dealer_id}/inventory"
        page, seen = 1, 0
        while True:
            params: dict[str, Any] = {"page": page, "pageSize": self.page_size}
            if as_of:
                params["asOf"] = as_of.isoformat()
            payload = self.get_json(path, params=params)
            info = require(payload, "pageInfo", self.vendor, path)
            vehicles = require(payload, "inventory", self.vendor, path)
            total = int(require(info, "totalCount", self.vendor, path))
            expected = min(self.page_size, max(total - seen, 0))
            if len(vehicles) != expected:
                # A short page means the feed lost rows mid-flight: loading it
                # would mark real vehicles as sold. Fail the run instead.
                raise MalformedResponseError(
                    self.vendor, f"{path} page {page} held {len(vehicles)} vehicles, expected {expected} of {total}"
                )
            for vehicle in vehicles:
                yield self.mapping.apply(vehicle)
            seen += len(vehicles)
            if seen >= total or not vehicles:
                return
            page += 1

    def fetch_csv(self, dealer_id: str, as_of: date | None = None) -> list[dict[str, Any]]:
        """The CSV export, for providers that only offer a file; same mapping."""
        params = {"asOf": as_of.isoformat()} if as_of else None
        response = self.request("GET", f"/dealers/{dealer_id}/inventory.csv", params=params)
        try:
            frame = pd.read_csv(io.StringIO(response.text), dtype=str, keep_default_na=False)
        except pd.errors.ParserError as exc:
            raise MalformedResponseError(self.vendor, f"inventory CSV for {dealer_id} does not parse: {exc}") from exc
        # A CSV flattens nested keys: `images.0.uri` is the column `images`.
        flat = FieldMapping({column: path.split(".")[0] for column, path in self.mapping.fields.items()})
        return [flat.apply(cast(dict[str, Any], row)) for row in frame.to_dict("records")]
