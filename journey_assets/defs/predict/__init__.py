"""The propensity model in Dagster (thin: the library is `journey_assets/propensity/`): train and compare
the candidates, promote a champion deliberately, score every person and open lead nightly, and check the
champion's AUC and drift."""
