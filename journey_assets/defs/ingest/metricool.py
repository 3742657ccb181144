"""Metricool social posts per rooftop and network (declared in journey_assets/sources/metricool.py)."""

from journey_assets.defs.ingest.factory import source_asset
from journey_assets.sources.metricool import SOURCE

metricool_posts = source_asset(SOURCE, name="metricool_posts")
