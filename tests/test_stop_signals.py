"""A service started with SIGINT ignored and SIGINT/SIGTERM blocked (what a background job of a
non-interactive shell, or a fork from a thread with a blocked mask, inherits) still stops on them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.intake_helpers import SECRET

STOPS = {signal.SIGINT, signal.SIGTERM}


def _silenced() -> None:
    """Runs in the child before exec: the dispositions a careless parent leaves behind."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)


def _status_masks(text: str) -> dict[str, int]:
    fields = dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)
    return {name: int(fields[name].strip(), 16) for name in ("SigBlk", "SigIgn")}


def _bits(signals: set[signal.Signals]) -> int:
    return sum(1 << (s - 1) for s in signals)


def test_take_stop_signals_undoes_an_inherited_block_and_ignore():
    probe = (
        "from pathlib import Path; import sys; "
        "print(Path('/proc/self/status').read_text()); "
        "from journey_assets.stop_signals import take_stop_signals; take_stop_signals(); "
        "print('---'); print(Path('/proc/self/status').read_text())"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], preexec_fn=_silenced, capture_output=True, text=True, check=True
    ).stdout
    before, after = (_status_masks(part) for part in out.split("---"))
    assert before["SigBlk"] & _bits(STOPS) == _bits(STOPS) and before["SigIgn"] & _bits({signal.SIGINT})
    assert after["SigBlk"] & _bits(STOPS) == 0 and after["SigIgn"] & _bits(STOPS) == 0


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_intake_stops_on_a_signal_its_parent_silenced(tmp_path: Path, workers: int, stop: signal.Signals):
    port_file = tmp_path / "port"
    env = {"JOURNEY_INTAKE_SECRET": SECRET, "JOURNEY_INTAKE_STORE": str(tmp_path / "events.sqlite3")}
    command = [sys.executable, "-m", "journey_assets.intake", "--port", "0", "--port-file", str(port_file)]
    proc = subprocess.Popen(
        [*command, "--workers", str(workers), "--log-level", "warning"],
        env={**os.environ, **env},
        preexec_fn=_silenced,
    )
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert port_file.exists(), f"the intake did not start (exit {proc.returncode})"
        proc.send_signal(stop)
        proc.wait(45)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            pytest.fail(f"the intake ignored {stop.name} from a parent that had silenced it")
