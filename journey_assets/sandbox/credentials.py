"""The credentials the sandbox's fakes accept, written to a file the local settings read.

Production code never imports the sandbox: `start_sandbox` writes this file
(`Settings.sandbox_credentials_file`, default `data/sandbox/credentials.json`,
mode 0600) as it writes the rooftops file, and the local resources read it when
a run builds its clients. The values are the fakes' own, with the same
`JOURNEY_SANDBOX_*` overrides the fakes read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from journey_assets.sandbox.fakes import customerio, twilio, wrike

SLACK_WEBHOOK_PATH = "/services/T0SANDBOX/B0SANDBOX/sandboxwebhook"  # any well-formed path is accepted
WRIKE_FOLDER_ID = "IEAAAAAAI4RESPND"


def sandbox_credentials() -> dict[str, dict[str, Any]]:
    env = os.environ.get
    return {
        "twilio": {
            "account_sid": env("JOURNEY_SANDBOX_TWILIO_ACCOUNT_SID") or twilio.DEFAULT_ACCOUNT_SID,
            "auth_token": env("JOURNEY_SANDBOX_TWILIO_AUTH_TOKEN") or twilio.DEFAULT_AUTH_TOKEN,
            "from_number": env("JOURNEY_SANDBOX_TWILIO_FROM_NUMBER") or twilio.DEFAULT_FROM_NUMBER,
        },
        "wrike": {"token": env("JOURNEY_SANDBOX_WRIKE_TOKEN") or wrike.DEFAULT_TOKEN, "folder_id": WRIKE_FOLDER_ID},
        "slack": {"webhook_path": SLACK_WEBHOOK_PATH},
        "customerio": {  # the Track API (activation's people and segment syncs)
            "site_id": env("JOURNEY_SANDBOX_CUSTOMERIO_SITE_ID") or customerio.DEFAULT_SITE_ID,
            "api_key": env("JOURNEY_SANDBOX_CUSTOMERIO_API_KEY") or customerio.DEFAULT_API_KEY,
        },
        "customerio_app": {
            "app_api_key": env("JOURNEY_SANDBOX_CUSTOMERIO_APP_API_KEY") or customerio.DEFAULT_APP_API_KEY
        },
    }


def write_credentials_file(path: Path, services: dict[str, dict[str, Any]] | None = None) -> Path:
    """Write the fakes' credentials atomically, readable by this user only.

    `services`: where the sandbox's other local services listen (the mail sink's host and port)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps({**sandbox_credentials(), **(services or {})}, indent=2))
    tmp.chmod(0o600)
    tmp.replace(path)
    return path
