"""CRM leads and activities by day; the first partition loads the whole history (journey_assets/sources/crm.py)."""

from journey_assets.defs.ingest.factory import source_asset
from journey_assets.sources.crm import SOURCE

crm_leads_and_activities = source_asset(SOURCE, name="crm_leads_and_activities")
