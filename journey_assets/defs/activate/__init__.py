"""Activation in Dagster (thin: the engine is `journey_assets/activation/`): one asset per sync of
`activation/syncs.yml`, an asset sensor per sync that runs it when its model updates, and a daily catch-up."""
