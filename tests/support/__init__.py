"""Helpers shared by test folders: hand-built worlds served by the real sandbox, the response and intake
harnesses, Hypothesis strategies from JSON Schema, and the Postgres test schema.

`tests/` is on the path (`pythonpath` in pyproject.toml), so a test imports `from support.<module> import ...`;
the fixtures these modules define are registered once in `tests/conftest.py` (`pytest_plugins`).
"""
