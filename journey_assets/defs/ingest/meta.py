"""Meta ads insights and Lead Ads leads per rooftop (declared in journey_assets/sources/meta.py)."""

from journey_assets.defs.ingest.factory import source_asset
from journey_assets.sources.meta import INSIGHTS_SOURCE, LEADS_SOURCE

meta_ad_insights = source_asset(INSIGHTS_SOURCE, name="meta_ad_insights")
meta_lead_ads = source_asset(LEADS_SOURCE, name="meta_lead_ads")
