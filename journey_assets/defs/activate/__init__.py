"""Activation in Dagster (thin: the engines are `journey_assets/activation/`)."""
