"""Activation: the sync engine (desired state, diff against the accepted state, changelog); no Dagster."""
