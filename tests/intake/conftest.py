"""Fixtures for the intake tests: the real app under uvicorn on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from support.intake_helpers import Intake, make_settings

from journey_assets.intake.server import run_in_thread


@pytest.fixture(scope="module")
def intake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    settings = make_settings(str(tmp_path_factory.mktemp("intake") / "events.sqlite3"))
    running = run_in_thread(settings)
    with httpx.Client(base_url=running.url, timeout=10) as client:
        yield Intake(running, settings, client)
    running.stop()
