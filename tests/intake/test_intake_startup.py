"""Starting the intake as a real process: a busy port and a missing secret are refused with a clear message;
secrets never reach its output."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from support.intake_helpers import SECRET, TWILIO_TOKEN, intent_event

from journey_assets.intake.server import PortInUseError, start_subprocess
from journey_assets.intake.store import SQLiteEventStore
from journey_assets.journey.signatures import sign_journey

INTAKE = [sys.executable, "-m", "journey_assets.intake", "--host", "127.0.0.1"]
CLI = [sys.executable, "-m", "journey_assets.cli", "intake", "--host", "127.0.0.1"]
SECRET_NAMES = (
    "JOURNEY_INTAKE_SECRET",
    "JOURNEY_TWILIO_AUTH_TOKEN",
    "JOURNEY_META_APP_SECRET",
    "JOURNEY_META_VERIFY_TOKEN",
)


def _env(**values: str) -> dict[str, str]:
    """This process's environment without any intake secret, plus `values`."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_NAMES}
    return {**env, **values}


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(20)


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _post_each_on_a_new_connection(url: str, event_ids: list[str]) -> list[int]:
    """Status of each event posted on a connection of its own, as separate senders would."""
    statuses = []
    with httpx.Client(base_url=url, limits=httpx.Limits(max_keepalive_connections=0), timeout=10) as client:
        for event_id in event_ids:
            body = json.dumps(intent_event(event_id=event_id)).encode()
            headers = {"Content-Type": "application/json", **sign_journey(SECRET, body)}
            statuses.append(client.post("/events/intent", content=body, headers=headers).status_code)
    return statuses


# --- a port already served ------------------------------------------------------------------------


@pytest.mark.parametrize(("command", "workers"), [(INTAKE, "1"), (INTAKE, "2"), (CLI, "2")])
def test_second_intake_on_a_served_port_refuses_to_start(tmp_path: Path, command: list[str], workers: str) -> None:
    first_store = tmp_path / "first.sqlite3"
    first, url = start_subprocess(
        {"JOURNEY_INTAKE_SECRET": SECRET, "JOURNEY_INTAKE_STORE": str(first_store)}, workdir=tmp_path, workers=2
    )
    try:
        second = subprocess.run(
            [*command, "--port", str(_port(url)), "--workers", workers],
            env=_env(JOURNEY_INTAKE_SECRET=SECRET, JOURNEY_INTAKE_STORE=str(tmp_path / "second.sqlite3")),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert f"127.0.0.1:{_port(url)} is already in use" in second.stderr
        assert "Traceback" not in second.stderr
        # the first intake still takes every connection and stores every event
        ids = [f"busy-port-{workers}-{i}" for i in range(40)]
        assert _post_each_on_a_new_connection(url, ids) == [201] * len(ids)
        assert first.poll() is None
    finally:
        _stop(first)
    reader = SQLiteEventStore(first_store)
    try:
        assert reader.count() == len(ids)
    finally:
        reader.close()
    assert not (tmp_path / "second.sqlite3").exists()  # refused before opening a store


def test_port_held_by_another_program_is_refused(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [*INTAKE, "--port", str(port)],
            env=_env(JOURNEY_INTAKE_SECRET=SECRET, JOURNEY_INTAKE_STORE=str(tmp_path / "s.sqlite3")),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert "is already in use" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_port_in_use_error_reads_as_a_message() -> None:
    error = PortInUseError("127.0.0.1", 8080)
    assert str(error).startswith("127.0.0.1:8080 is already in use")
    assert isinstance(error, OSError) and error.errno is not None


def test_two_workers_share_one_socket_and_both_serve(tmp_path: Path) -> None:
    proc, url = start_subprocess(
        {"JOURNEY_INTAKE_SECRET": SECRET, "JOURNEY_INTAKE_STORE": str(tmp_path / "w.sqlite3")},
        workdir=tmp_path,
        workers=2,
    )
    try:
        children = subprocess.run(
            ["ps", "--ppid", str(proc.pid), "-o", "pid="], capture_output=True, text=True, check=True
        ).stdout.split()
        listening = set()
        for child in children:
            for fd in Path(f"/proc/{child}/fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith("socket:"):
                    listening.add(target)
        assert len(children) >= 2
        # each worker holds the one listening socket (the same inode), not one of its own
        inodes = _listening_inodes(_port(url))
        assert len(inodes) == 1 and inodes <= listening
    finally:
        _stop(proc)


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
            inodes.add(f"socket:[{inode}]")
    return inodes


# --- JOURNEY_INTAKE_SECRET --------------------------------------------------------------------------


@pytest.mark.parametrize("command", [INTAKE, CLI])
def test_intake_without_its_secret_refuses_to_start(tmp_path: Path, command: list[str]) -> None:
    result = subprocess.run(
        [*command, "--port", "0"],
        env=_env(JOURNEY_TWILIO_AUTH_TOKEN=TWILIO_TOKEN, JOURNEY_INTAKE_STORE=str(tmp_path / "s.sqlite3")),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "JOURNEY_INTAKE_SECRET is not set" in result.stderr and "--no-events" in result.stderr
    assert "Traceback" not in result.stderr
    assert TWILIO_TOKEN not in result.stderr + result.stdout


def test_no_events_serves_the_vendor_webhooks_and_says_so(tmp_path: Path) -> None:
    log_path = tmp_path / "intake.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [*INTAKE, "--port", "0", "--port-file", str(tmp_path / "port"), "--no-events"],
            env=_env(JOURNEY_TWILIO_AUTH_TOKEN=TWILIO_TOKEN, JOURNEY_INTAKE_STORE=str(tmp_path / "s.sqlite3")),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(tmp_path / "port", proc)
            url = f"http://127.0.0.1:{(tmp_path / 'port').read_text()}"
            assert httpx.get(f"{url}/healthz").status_code == 200
            assert httpx.post(f"{url}/events/intent", content=b"{}").status_code == 503
        finally:
            _stop(proc)
    output = log_path.read_text()
    assert "--no-events: JOURNEY_INTAKE_SECRET is not set" in output
    assert "JOURNEY_META_APP_SECRET is not set" in output
    assert TWILIO_TOKEN not in output


def test_no_secret_at_all_refuses_even_with_no_events(tmp_path: Path) -> None:
    result = subprocess.run(
        [*INTAKE, "--port", "0", "--no-events"],
        env=_env(JOURNEY_INTAKE_STORE=str(tmp_path / "s.sqlite3")),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "no secret is set" in result.stderr


def test_secrets_never_reach_the_output(tmp_path: Path) -> None:
    """Debug logging, accepted and refused requests of every kind: no secret in anything the process prints."""
    secrets = {
        "JOURNEY_INTAKE_SECRET": "intake-secret-3c9e71",
        "JOURNEY_INTAKE_SECRET_PREVIOUS": "intake-previous-8d02aa",
        "JOURNEY_TWILIO_AUTH_TOKEN": "twilio-token-51f0be",
        "JOURNEY_META_APP_SECRET": "meta-app-secret-a7c4d2",
        "JOURNEY_META_VERIFY_TOKEN": "meta-verify-token-0e6b13",
    }
    log_path = tmp_path / "intake.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [*INTAKE, "--port", "0", "--port-file", str(tmp_path / "port"), "--log-level", "debug"],
            env=_env(**secrets, JOURNEY_INTAKE_STORE=str(tmp_path / "s.sqlite3")),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(tmp_path / "port", proc)
            url = f"http://127.0.0.1:{(tmp_path / 'port').read_text()}"
            body = json.dumps(intent_event()).encode()
            good = {"Content-Type": "application/json", **sign_journey(secrets["JOURNEY_INTAKE_SECRET"], body)}
            assert httpx.post(f"{url}/events/intent", content=body, headers=good).status_code == 201
            assert httpx.post(f"{url}/events/intent", content=body + b" ", headers=good).status_code == 401
            assert httpx.post(f"{url}/twilio/inbound", content=b"a=1").status_code == 401
            assert httpx.post(f"{url}/meta/leadgen", content=b"{}").status_code == 401
            handshake = {"hub.mode": "subscribe", "hub.verify_token": secrets["JOURNEY_META_VERIFY_TOKEN"]}
            assert httpx.get(f"{url}/meta/leadgen", params={**handshake, "hub.challenge": "42"}).text == "42"
            assert httpx.get(f"{url}/meta/leadgen", params={**handshake, "hub.verify_token": "x"}).status_code == 403
        finally:
            _stop(proc)
    output = log_path.read_text()
    assert "intake refused a request" in output and "reason=bad_signature" in output  # it did log
    for value in secrets.values():
        assert value not in output


def _wait_for(port_file: Path, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not port_file.exists():
        assert proc.poll() is None, "the intake exited before listening"
        assert time.monotonic() < deadline, "the intake did not start"
        time.sleep(0.05)
