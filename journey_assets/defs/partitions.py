import dagster as dg

from journey_assets.settings import load_settings

# One daily calendar for every time-series source, in UTC; a rooftop's local
# day is handled in the models, not by shifting partitions per rooftop.
daily_partitions = dg.DailyPartitionsDefinition(start_date=load_settings().partitions_start, timezone="UTC")
