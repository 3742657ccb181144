"""Declared sources: one module per source, each with one `Source` spec (tables, row rules, how to fetch a day).

Free of Dagster: defs/ingest builds the assets from these specs; the row
rules are pure functions of a row and the days it may fall on.
"""
