"""`journey respond` as a process: it follows the intake's store, answers a signed lead at once (one SMS at the
Twilio fake), keeps its cursor in the ledger across a restart (nothing re-sent), and stops on SIGTERM.

The real CLI in a subprocess, the real intake (over HTTP, signed) writing a temp SQLite store, the sandbox's
fakes over loopback; the assertions read the sandbox's request log and the ledger."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from support.respond_harness import FOLDER, Harness, new_phone, wait_for

from journey_assets.response.ledger_sqlite import SQLiteLedger
from journey_assets.settings import REPO_ROOT


def _responder(h: Harness, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "JOURNEY_ENV": "local",
        "JOURNEY_DATA_DIR": str(h.tmp / "data"),
        "JOURNEY_SANDBOX_URL": h.server.url,
        "JOURNEY_INTAKE_STORE": str(h.store_path),
        "JOURNEY_RESPONSE_LEDGER": str(h.ledger_path),
        "JOURNEY_ROOFTOPS_FILE": str(h.rooftops_file),
        "JOURNEY_SALESPEOPLE_FILE": str(h.salespeople_file),
        "JOURNEY_SANDBOX_CREDENTIALS_FILE": str(h.credentials_file),
        "JOURNEY_INTAKE_PUBLIC_URL": h.intake.url,
        "JOURNEY_WRIKE_FOLDER_ID": FOLDER,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "journey_assets.cli", "respond", "--poll", "0.05"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


def _stop(proc: subprocess.Popen, log: Path) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"journey respond ignored SIGTERM:\n{log.read_text()}") from None
    return log.read_text()


def _sms_to(h: Harness, phone: str) -> list[dict]:
    return [r for r in h.rows("twilio") if r["path"].endswith("/Messages.json") and phone in (r["body"] or "")]


def test_the_responder_answers_a_lead_once_and_its_cursor_survives_a_restart(harness: Harness) -> None:
    h = harness
    log = h.tmp / "responder.log"
    first_phone, second_phone = new_phone(), new_phone()
    proc = _responder(h, log)
    try:
        # The process runs on the wall clock: a test-drive request made just now gets its confirmation at
        # any hour (the logged quiet-hours override), so this holds day and night.
        lead = h.intent("test_drive_request", phone=first_phone, occurred_at=datetime.now(UTC))
        wait_for(lambda: _sms_to(h, first_phone[1:]), timeout=30, interval=0.05)
        output = _stop(proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output
    assert "Traceback" not in output, output
    assert output.rstrip().endswith("respond: stopped"), output[-2000:]
    assert first_phone not in output  # no raw contact data in the responder's log

    ledger = SQLiteLedger(h.ledger_path)
    try:
        consumer = ledger.consumer("responder")
        assert consumer is not None and consumer.position is not None
        stored = {e.event_id: e.seq for e in h.store.read_since(None, 1000)[0]}
        assert int(consumer.position.rpartition(":")[2]) >= stored[lead["event_id"]]  # past the lead it answered
        position = consumer.position
        assert ledger.get_action(lead["event_id"], "sms").status == "done"
    finally:
        ledger.close()

    # Restarted: it resumes from the cursor on record, so the first lead is not read again (one SMS),
    # and a lead stored while it was down is answered.
    h.intent("test_drive_request", phone=second_phone, occurred_at=datetime.now(UTC))
    proc = _responder(h, log)
    try:
        wait_for(lambda: _sms_to(h, second_phone[1:]), timeout=30, interval=0.05)
        output = _stop(proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output
    assert len(_sms_to(h, first_phone[1:])) == 1
    assert len(_sms_to(h, second_phone[1:])) == 1
    restarted = output.split("respond: following the intake's store")[-1]  # the second run's lines
    assert f"from {position}" in restarted and "from the beginning" not in restarted
