"""The response plane's resources: local credentials come from the file the sandbox writes, never from its code."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import journey_assets
from journey_assets.defs.respond.resources import respond_resources
from journey_assets.sandbox.credentials import write_credentials_file
from journey_assets.sandbox.fakes import twilio as twilio_fake
from journey_assets.settings import load_settings

PACKAGE = Path(journey_assets.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize(
    "path", sorted([*(PACKAGE / "defs").rglob("*.py"), *(PACKAGE / "response").rglob("*.py")]), ids=str
)
def test_production_code_never_imports_the_sandbox(path: Path):
    assert not [m for m in imported_modules(path) if m.startswith("journey_assets.sandbox")]


def test_local_resources_read_the_credentials_the_sandbox_wrote(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEY_ENV", "local")
    monkeypatch.setenv("JOURNEY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JOURNEY_SANDBOX_TWILIO_AUTH_TOKEN", "token-from-the-sandbox-env")
    settings = load_settings()
    resources = respond_resources(settings)
    with pytest.raises(ValueError, match="start the sandbox first"):  # before the sandbox ran
        resources["respond_twilio"].client()
    assert resources["respond_settings"].wrike_folder() is None

    written = write_credentials_file(settings.sandbox_credentials_file)
    assert written.stat().st_mode & 0o077 == 0  # this user only
    twilio = resources["respond_twilio"].client()
    assert twilio.session.auth == (twilio_fake.DEFAULT_ACCOUNT_SID, "token-from-the-sandbox-env")
    assert twilio.from_number == twilio_fake.DEFAULT_FROM_NUMBER
    slack = resources["respond_slack"].client()
    assert slack._path == "/slack" + json.loads(written.read_text())["slack"]["webhook_path"]  # the sandbox route
    assert resources["respond_wrike"].client().session.headers["Authorization"].startswith("bearer ")
    assert resources["respond_settings"].wrike_folder()


def test_prod_resources_take_secrets_from_the_environment_at_run_time(monkeypatch, tmp_path):
    monkeypatch.setenv("JOURNEY_ENV", "prod")
    monkeypatch.setenv("JOURNEY_DATA_DIR", str(tmp_path))
    resources = respond_resources(load_settings())
    assert resources["respond_twilio"].credentials_file == ""
    assert resources["respond_settings"].credentials_file == ""
