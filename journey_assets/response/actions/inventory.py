"""inventory: the viewed vehicle in the rooftop's live feed, else the 3 closest in stock.

Best effort: a feed that cannot be read is noted (`unavailable`) and the
response goes on. The match and the assignment commit in one transaction.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from journey_assets.connectors.http import VendorError
from journey_assets.journey import inventory_match
from journey_assets.response.actions.assign import assign
from journey_assets.response.actions.base import Action
from journey_assets.response.lead import Lead
from journey_assets.response.ledger import SKIPPED
from journey_assets.response.model import Done

if TYPE_CHECKING:
    from journey_assets.response.runner import Runner

KEEP = (
    "vehicle_id",
    "vin",
    "stock_number",
    "year",
    "make",
    "model",
    "trim",
    "body_style",
    "inventory_type",
    "price",
    "vdp_url",
)


def _feed(run: Runner, dealer_id: str) -> list[dict[str, Any]]:
    deps = run.deps
    with run.feed_lock:
        cached = deps._inventory_cache.get(dealer_id)
        if cached and time.monotonic() - cached[0] < run.cfg.inventory_ttl_seconds:
            return cached[1]
        rows = list(deps.inventory.iter_vehicles(dealer_id))  # type: ignore[union-attr]
        deps._inventory_cache[dealer_id] = (time.monotonic(), rows)
        return rows


class MatchInventory(Action[Lead]):
    name, vendor, idempotent = "inventory", "dealer_inventory", True  # a read

    def work(self, run: Runner, lead: Lead) -> Done:
        status, detail = self._match(run, lead)
        return Done(None, detail, lambda: assign(run, lead), status=status)

    def _match(self, run: Runner, lead: Lead) -> tuple[str | None, dict[str, Any]]:
        vehicle = lead.vehicle
        vin, stock = (vehicle.get("vin") or "").upper(), vehicle.get("stock_number")
        if not (vin or stock):
            return SKIPPED, {"status": "no_vehicle"}
        if run.deps.inventory is None:
            return SKIPPED, {"status": "not_configured"}
        try:
            feed = _feed(run, lead.rooftop.dealer_id)
        except (VendorError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            run.log.warning(f"respond: inventory feed of {lead.rooftop.dealer_id} unavailable: {reason}")
            return SKIPPED, {"status": "unavailable", "reason": reason}
        match = next(
            (
                row
                for row in feed
                if (vin and (row.get("vin") or "").upper() == vin) or (stock and row.get("stock_number") == stock)
            ),
            None,
        )
        if match is not None:
            found = {k: match.get(k) for k in KEEP}
            found["condition"] = match.get("inventory_type")
            return None, {"status": "in_stock", "vehicle": found, "feed_size": len(feed)}
        viewed = {
            k: vehicle.get(k) for k in ("vin", "stock_number", "year", "make", "model", "trim", "condition", "price")
        }
        alternatives: list[dict[str, Any]] = []
        note = None
        if viewed.get("make") and viewed.get("model"):
            matches = inventory_match.closest_alternatives(
                {**viewed, "body_style": vehicle.get("body_style")}, feed, limit=3
            )
            for m in matches:
                row = next(
                    (r for r in feed if (r.get("stock_number") or r.get("vin")) == (m.vehicle.stock or m.vehicle.vin)),
                    {},
                )
                alternatives.append({**{k: row.get(k) for k in KEEP}, "score": m.score})
        else:
            note = "the event does not say the vehicle's make and model, so there is nothing to match on"
        detail = {"status": "sold", "viewed": viewed, "alternatives": alternatives, "feed_size": len(feed)}
        if note:
            detail["note"] = note
        run.log.info(
            f"respond: vehicle of {lead.event_id} is not in {lead.rooftop.dealer_id}'s feed; "
            f"{len(alternatives)} alternatives"
        )
        return None, detail


def match_inventory(run: Runner, lead: Lead) -> None:
    """Record the match (once), then complete the lead's vehicle with the feed's facts."""
    record = run.record(lead.event, MatchInventory(), lead)
    lead.inventory = record.detail
    found = record.detail.get("vehicle") or {}
    for key, value in found.items():  # the feed's facts complete (not override) what the event said
        if value not in (None, "") and not lead.vehicle.get(key):
            lead.vehicle[key] = value
    if lead.vehicle_gone and lead.inventory.get("viewed"):
        for key, value in lead.inventory["viewed"].items():
            lead.vehicle.setdefault(key, value)
