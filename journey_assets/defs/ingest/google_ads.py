"""Google Ads daily stats per rooftop (declared in journey_assets/sources/google_ads.py)."""

from journey_assets.defs.ingest.factory import source_asset
from journey_assets.sources.google_ads import SOURCE

google_ads = source_asset(SOURCE, name="google_ads")
