"""The weekly report and the AI analyst: assets, their job and Monday schedule, their resources."""
