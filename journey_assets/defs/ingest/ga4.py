"""GA4 sessions and events per rooftop (declared in journey_assets/sources/ga4.py)."""

from journey_assets.defs.ingest.factory import source_asset
from journey_assets.sources.ga4 import SOURCE

ga4 = source_asset(SOURCE, name="ga4")
