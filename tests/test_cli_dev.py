"""`journey dev` (what `make dev` runs): the whole local stack in one command (sandbox, intake with its generated
development secret, responder, Dagster UI and daemon); a signed lead posted to it gets its SMS at the sandbox's
Twilio; Ctrl-C stops everything with a message, not a traceback."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from journey_assets.journey.signatures import sign_journey
from journey_assets.settings import REPO_ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dev_runs_the_stack_answers_a_lead_and_ctrl_c_stops_all_with_a_clear_message(small_world_data_dir, tmp_path):
    shutil.copytree(Path(small_world_data_dir) / "world", tmp_path / "world")
    (tmp_path / "home").mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", tmp_path / "home" / "dagster.yaml")
    ui_port, intake_port, sandbox_port = _free_port(), _free_port(), _free_port()
    env = {
        **os.environ,
        "JOURNEY_ENV": "local",
        "JOURNEY_DATA_DIR": str(tmp_path),
        "DAGSTER_HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(REPO_ROOT),
    }
    env.pop("JOURNEY_DUCKDB_PATH", None)
    command = [sys.executable, "-m", "journey_assets.cli", "dev", "--size", "small", "--port", str(sandbox_port)]
    # Its own process group, as a terminal's foreground job: Ctrl-C reaches the CLI and dagster dev alike.
    dev = subprocess.Popen(
        [*command, "--ui-port", str(ui_port), "--intake-port", str(intake_port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and dev.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{ui_port}/server_info", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(1)
        assert dev.poll() is None, dev.communicate()[0]
        secret_file = tmp_path / "intake" / "dev-secret"
        assert secret_file.stat().st_mode & 0o777 == 0o600
        secret = secret_file.read_text().strip()
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        phone = "+13125550142"
        answer = _post_lead(intake_port, secret, phone)
        assert answer.status_code == 201, answer.text
        deadline = time.monotonic() + 30  # the responder answers within a second or two; the UI's load is slow
        sms: list = []
        while time.monotonic() < deadline and not sms:
            rows = requests.get(f"{sandbox_url}/_sandbox/requests", params={"vendor": "twilio"}, timeout=5).json()
            sms = [r for r in rows if r["path"].endswith("/Messages.json") and phone[1:] in (r["body"] or "")]
            time.sleep(0.2)
        assert len(sms) == 1
        os.killpg(dev.pid, signal.SIGINT)
        output, _ = dev.communicate(timeout=120)
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait()
    assert "Traceback" not in output, output  # (Dagster's own "KeyboardInterrupt received" log line is fine)
    assert "dev: stopping the Dagster UI, the responder, the intake and the sandbox" in output
    assert f"signing secret {secret}" in output and "dev: responder" in output
    assert output.rstrip().endswith("dev: stopped"), output[-2000:]
    assert dev.returncode == 0


def _post_lead(port: int, secret: str, phone: str) -> requests.Response:
    now = datetime.now(UTC)
    body = json.dumps(
        {
            "event_id": f"dev-{time.time_ns()}",
            "occurred_at": now.isoformat(),
            "dealer_id": "D01",
            "event_type": "test_drive_request",
            "source": "website",
            "customer": {"first_name": "Jane", "phone": phone, "email": "jane@example.com"},
            "consent": {"sms": True, "email": True, "text": "I agree to receive texts about my request."},
            "attributes": {"appointment_at": (now + timedelta(days=1)).replace(hour=16, minute=0).isoformat()},
        }
    ).encode()
    headers = {"Content-Type": "application/json", **sign_journey(secret, body)}
    return requests.post(f"http://127.0.0.1:{port}/events/intent", data=body, headers=headers, timeout=10)
