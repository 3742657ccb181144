"""Activation in Dagster, thin (the engines are in `journey_assets/activation/`): syncs to vendors, retention campaigns, social posts through Metricool."""
