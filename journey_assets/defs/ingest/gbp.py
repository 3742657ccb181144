"""Google Business Profile reviews, new and changed ones per day (declared in journey_assets/sources/gbp.py)."""

from journey_assets.defs.ingest.factory import source_asset
from journey_assets.sources.gbp import SOURCE

gbp_reviews = source_asset(SOURCE, name="gbp_reviews")
