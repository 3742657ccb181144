"""Daily snapshot of every rooftop's website inventory feed (declared in journey_assets/sources/dealer_inventory.py)."""

from journey_assets.defs.ingest.factory import source_asset
from journey_assets.sources.dealer_inventory import SOURCE

dealer_inventory = source_asset(SOURCE, name="dealer_inventory")
