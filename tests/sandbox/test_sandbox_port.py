"""`make sandbox` on a port that is already served (by `make dev`'s sandbox, say): a message, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from journey_assets.sandbox.server import SandboxPortInUse, SandboxServer


def test_second_sandbox_on_a_served_port_raises_a_clear_error(small_world, tmp_path: Path) -> None:
    with SandboxServer(small_world, record_path=tmp_path / "first.sqlite3") as first:
        port = int(first.url.rsplit(":", 1)[1])
        with pytest.raises(SandboxPortInUse) as info:
            SandboxServer(small_world, port=port, record_path=tmp_path / "second.sqlite3")
        assert str(info.value).startswith(f"127.0.0.1:{port} is already in use")
        assert "--port" in str(info.value)
        assert not (tmp_path / "second.sqlite3").exists()  # refused before opening anything
        assert httpx.get(f"{first.url}/_sandbox/health").status_code == 200  # the first one is untouched


def test_journey_sandbox_on_a_served_port_prints_the_reason(small_world, small_world_data_dir, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "world").symlink_to(Path(small_world_data_dir) / "world")  # the cached world, no regeneration
    with SandboxServer(small_world, record_path=tmp_path / "first.sqlite3") as first:
        port = first.url.rsplit(":", 1)[1]
        result = subprocess.run(
            [sys.executable, "-m", "journey_assets.cli", "sandbox", "--size", "small", "--port", port],
            env={**os.environ, "JOURNEY_DATA_DIR": str(data_dir)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2
    assert f"journey sandbox: 127.0.0.1:{port} is already in use" in result.stderr
    assert "Traceback" not in result.stderr
