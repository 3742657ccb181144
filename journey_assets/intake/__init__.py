"""The real-time plane's webhook intake: authenticate, size-limit, validate, deduplicate and
durably store each event before answering 2xx; a Dagster sensor reads the store with `read_since`.

Start it with `serve(host, port, settings)` (settings from env vars by default,
see `settings.py`) or `python -m journey_assets.intake`. A sensor needs only
`journey_assets.intake.store_factory` (`open_store(IntakeSettings.from_env().store)`),
which does not import FastAPI or uvicorn; the names below load lazily.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "create_app": "journey_assets.intake.app",
    "serve": "journey_assets.intake.server",
    "IntakeSettings": "journey_assets.intake.settings",
    "EventStore": "journey_assets.intake.store",
    "SQLiteEventStore": "journey_assets.intake.store",
    "StoredEvent": "journey_assets.intake.store",
    "open_store": "journey_assets.intake.store_factory",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
