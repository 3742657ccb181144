"""Fixtures of the response tests; they live in respond_harness.py (importable by name)."""

from respond_harness import harness, respond_sandbox, respond_world  # noqa: F401
