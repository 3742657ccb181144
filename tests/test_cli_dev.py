"""`journey dev` (what `make dev` runs): Ctrl-C stops the UI and the sandbox with a message, not a traceback."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from journey_assets.settings import REPO_ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ctrl_c_on_dev_stops_both_with_a_clear_message(small_world_data_dir, tmp_path):
    shutil.copytree(Path(small_world_data_dir) / "world", tmp_path / "world")
    (tmp_path / "home").mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", tmp_path / "home" / "dagster.yaml")
    ui_port = _free_port()
    env = {
        **os.environ,
        "JOURNEY_ENV": "local",
        "JOURNEY_DATA_DIR": str(tmp_path),
        "DAGSTER_HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(REPO_ROOT),
    }
    env.pop("JOURNEY_DUCKDB_PATH", None)
    command = [sys.executable, "-m", "journey_assets.cli", "dev", "--size", "small", "--port", "0"]
    # Its own process group, as a terminal's foreground job: Ctrl-C reaches the CLI and dagster dev alike.
    dev = subprocess.Popen(
        [*command, "--ui-port", str(ui_port)],
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
        os.killpg(dev.pid, signal.SIGINT)
        output, _ = dev.communicate(timeout=120)
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait()
    assert "Traceback" not in output, output  # (Dagster's own "KeyboardInterrupt received" log line is fine)
    assert "dev: stopping the Dagster UI and the sandbox" in output
    assert output.rstrip().endswith("dev: stopped"), output[-2000:]
    assert dev.returncode == 0
