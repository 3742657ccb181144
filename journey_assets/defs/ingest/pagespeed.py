"""PageSpeed Insights of each rooftop's page templates (declared in journey_assets/sources/pagespeed.py)."""

from journey_assets.defs.ingest.factory import source_asset
from journey_assets.sources.pagespeed import SOURCE

pagespeed = source_asset(SOURCE, name="pagespeed")
