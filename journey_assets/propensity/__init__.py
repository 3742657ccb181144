"""The lead propensity model: P(a person buys or leases within 30 days) from the point-in-time features.

A library without Dagster or I/O beyond the model store: `features` (the model's input), `candidates`
(the estimators), `evaluation` (metrics, drift, charts), `store` (versioned model files), `tiers`
(probability cut-offs the response and activation steps read). Dagster wiring is in `defs/predict/`.
"""
