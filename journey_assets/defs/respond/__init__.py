"""The response plane in Dagster: the `intake_events_sensor` and the `respond` op job (thin: the
workflow lives in `journey_assets/response/`)."""
