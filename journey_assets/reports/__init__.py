"""The weekly report: its inputs from the warehouse, charts (Altair + vl-convert) and the HTML page. No Dagster."""
