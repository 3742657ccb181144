"""Dealer website inventory feed (DealerOn / Dealer.com style), served from the world.

Neither DealerOn nor Dealer.com publishes an inventory API: a dealer group gets
a feed from its website provider. DealerOn pages embed `dealeron_tagging_data`
and VDP slugs end in the VIN; Dealer.com's vehicle objects carry `uuid, vin,
stockNumber, inventoryType, certified, status, startingPrice, finalPrice,
odometer, exteriorColor, bodyStyle, images, link` (shared/reference/vendors.md).
This fake serves that vehicle-object shape as a paged JSON feed and as a CSV
export, so the connector's configurable field mapping is exercised both ways:

    GET /dealers/{dealer_id}/inventory?page=1&pageSize=100[&asOf=YYYY-MM-DD]
        -> {"pageInfo": {"page", "pageSize", "totalCount", "totalPages"},
            "inventory": [vehicle, ...]}
    GET /dealers/{dealer_id}/inventory.csv[?asOf=...]

Auth: header `X-Api-Key` must be present (any value in the sandbox).
`asOf` exists because the world has a history; a live feed serves today only.
"""

from __future__ import annotations

import io
import math
import threading
from collections import OrderedDict
from datetime import date

import pandas as pd

from journey_assets.sandbox.server import FakeVendor, SandboxRequest, SandboxResponse, route

MAX_PAGE_SIZE = 500
FEEDS_KEPT = 256  # rendered (dealer, day) feeds kept: a day's pages are read one after another


class DealerInventoryFake(FakeVendor):
    name = "dealer_inventory"

    def __init__(self, world):
        super().__init__(world)
        # A first load reads every dealer's feed for every day, page by page: the day's feed is
        # rendered once and its pages sliced from it (keyed by the world's tables, so a replaced
        # table is read afresh).
        self._tables: tuple[pd.DataFrame, pd.DataFrame] | None = None
        self._feeds: OrderedDict[tuple[str, date], list[dict]] = OrderedDict()
        self._dealers: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
        self._lock = threading.RLock()

    def _dealer_tables(self, dealer_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The dealer's vehicles and their prices, dates parsed and prices in date order (once per dealer)."""
        with self._lock:
            if dealer_id not in self._dealers:
                inventory = self.world.table("inventory")
                prices = self.world.table("inventory_prices")
                mine = inventory[inventory["dealer_id"] == dealer_id]
                stocked = pd.to_datetime(mine["date_in_stock"])
                sold = pd.to_datetime(mine["date_sold"])
                mine_prices = prices[prices["vehicle_uuid"].isin(mine["vehicle_uuid"])]
                mine_prices = mine_prices.assign(_effective=pd.to_datetime(mine_prices["effective_date"]))
                self._dealers[dealer_id] = (
                    mine.assign(_stocked=stocked, _sold=sold),
                    mine_prices.sort_values("effective_date", kind="stable"),
                )
            return self._dealers[dealer_id]

    def _stock_on(self, dealer_id: str, as_of: date) -> pd.DataFrame:
        """The dealer's vehicles in stock on `as_of`, each at its price that day, in stock-number order."""
        inventory, prices = self._dealer_tables(dealer_id)
        day = pd.Timestamp(min(as_of, self.world.as_of))
        in_stock = inventory[(inventory["_stocked"] <= day) & (inventory["_sold"].isna() | (inventory["_sold"] > day))]
        current_price = (
            prices[prices["_effective"] <= day]
            .groupby("vehicle_uuid", as_index=False)
            .last()[["vehicle_uuid", "price"]]
        )
        return (
            in_stock.drop(columns=["_stocked", "_sold"])
            .merge(current_price, on="vehicle_uuid", how="left")
            .sort_values("stock_number")
        )

    def _feed(self, dealer_id: str, as_of: date) -> list[dict]:
        """The dealer's whole feed on `as_of`, in stock-number order, rendered once per (dealer, day)."""
        day = min(as_of, self.world.as_of)
        tables = (self.world.table("inventory"), self.world.table("inventory_prices"))
        with self._lock:
            if self._tables is None or any(a is not b for a, b in zip(self._tables, tables, strict=True)):
                self._tables, self._feeds, self._dealers = tables, OrderedDict(), {}
            if (dealer_id, day) in self._feeds:
                self._feeds.move_to_end((dealer_id, day))
                return self._feeds[(dealer_id, day)]
        feed = [self._vehicle(row) for row in self._stock_on(dealer_id, day).to_dict("records")]
        with self._lock:
            self._feeds[(dealer_id, day)] = feed
            while len(self._feeds) > FEEDS_KEPT:
                self._feeds.popitem(last=False)
        return feed

    def _as_of(self, request: SandboxRequest) -> date:
        raw = request.arg("asOf")
        return date.fromisoformat(raw) if raw else self.world.as_of

    def _unauthorized(self, request: SandboxRequest) -> SandboxResponse | None:
        if not request.headers.get("X-Api-Key") and not request.headers.get("x-api-key"):
            return SandboxResponse(401, {"error": {"message": "missing X-Api-Key"}})
        return None

    def _known_dealer(self, dealer_id: str) -> bool:
        return dealer_id in set(self.world.table("rooftops")["dealer_id"])

    @staticmethod
    def _vehicle(row: dict) -> dict:
        return {
            "uuid": row["vehicle_uuid"],
            "vin": row["vin"],
            "stockNumber": row["stock_number"],
            "inventoryType": "new" if row["condition"] == "new" else "used",
            "certified": row["condition"] == "cpo",
            "status": "LIVE",
            "year": int(row["year"]),
            "make": row["make"],
            "model": row["model"],
            "trim": row["trim"],
            "bodyStyle": row["body_style"],
            "exteriorColor": row["exterior_color"],
            "odometer": int(row["odometer"]),
            "startingPrice": float(row["msrp"]),
            "finalPrice": None if pd.isna(row["price"]) else float(row["price"]),
            "dateInStock": pd.Timestamp(row["date_in_stock"]).date().isoformat(),
            "images": [{"uri": row["image_url"]}],
            "link": row["vdp_url"],
        }

    @route("GET", r"/dealers/(?P<dealer_id>[^/]+)/inventory")
    def inventory_page(self, request: SandboxRequest) -> SandboxResponse:
        if denied := self._unauthorized(request):
            return denied
        dealer_id = request.params["dealer_id"]
        if not self._known_dealer(dealer_id):
            return SandboxResponse(404, {"error": {"message": f"unknown dealer {dealer_id}"}})
        try:
            page = int(request.arg("page", "1"))
            page_size = int(request.arg("pageSize", "100"))
            as_of = self._as_of(request)
        except ValueError as exc:
            return SandboxResponse(400, {"error": {"message": str(exc)}})
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            return SandboxResponse(400, {"error": {"message": f"page >= 1 and 1 <= pageSize <= {MAX_PAGE_SIZE}"}})
        feed = self._feed(dealer_id, as_of)
        vehicles = [
            dict(vehicle, images=[dict(image) for image in vehicle["images"]])
            for vehicle in feed[(page - 1) * page_size : page * page_size]
        ]
        if request.fault == "partial" and vehicles:
            vehicles = vehicles[: len(vehicles) // 2]  # a truncated page: count says more than it holds
        return SandboxResponse(
            body={
                "pageInfo": {
                    "page": page,
                    "pageSize": page_size,
                    "totalCount": len(feed),
                    "totalPages": max(1, math.ceil(len(feed) / page_size)),
                },
                "inventory": vehicles,
            }
        )

    @route("GET", r"/dealers/(?P<dealer_id>[^/]+)/inventory\.csv")
    def inventory_csv(self, request: SandboxRequest) -> SandboxResponse:
        if denied := self._unauthorized(request):
            return denied
        dealer_id = request.params["dealer_id"]
        if not self._known_dealer(dealer_id):
            return SandboxResponse(404, {"error": {"message": f"unknown dealer {dealer_id}"}})
        try:
            as_of = self._as_of(request)
        except ValueError as exc:
            return SandboxResponse(400, {"error": {"message": str(exc)}})
        frame = pd.DataFrame(self._feed(dealer_id, as_of))
        if not frame.empty:
            frame["images"] = frame["images"].map(lambda images: images[0]["uri"] if images else "")
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False)
        return SandboxResponse(body=buffer.getvalue(), content_type="text/csv")
