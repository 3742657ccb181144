"""Activation: what the warehouse sends back out (syncs to vendors, social posts through Metricool)."""
