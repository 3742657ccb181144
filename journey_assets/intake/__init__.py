"""The real-time plane's webhook intake: authenticate, size-limit, validate, deduplicate and
durably store each event before answering 2xx; a Dagster sensor reads the store with `read_since`.

Start it with `serve(host, port, settings)` (settings from env vars by default,
see `settings.py`) or `python -m journey_assets.intake`.
"""

from journey_assets.intake.app import create_app
from journey_assets.intake.server import serve
from journey_assets.intake.settings import IntakeSettings
from journey_assets.intake.store import EventStore, SQLiteEventStore, StoredEvent, open_store

__all__ = ["EventStore", "IntakeSettings", "SQLiteEventStore", "StoredEvent", "create_app", "open_store", "serve"]
