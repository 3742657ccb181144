import dagster as dg

from journey_assets.settings import load_settings

# One daily calendar for every time-series source, in UTC; a rooftop's local
# day is handled in the models, not by shifting partitions per rooftop.
# Locally the calendar ends on the sandbox world's last day (settings.partitions_window).
_start, _end = load_settings().partitions_window()
daily_partitions = dg.DailyPartitionsDefinition(start_date=_start, end_date=_end, timezone="UTC")
