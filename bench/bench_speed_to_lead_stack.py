"""Benchmark speed to lead through the real local stack: the intake's 2xx -> the vendor request at the sandbox.

Every part runs as its own process, as `make dev` runs them (in a temp data directory): the sandbox
(`journey sandbox`, small world), the intake (`python -m journey_assets.intake`, SQLite store), the
long-running responder (`journey respond`) and, unless `--no-daemon`, the Dagster daemon
(`dagster-daemon run`, its sensor as the catch-up path; it should launch next to no runs while the
responder's heartbeat is fresh). A client posts `--events` signed `test_drive_request` events at a
steady `--rate` a second (each a new customer, an in-stock vehicle of one of the world's rooftops; a
test-drive confirmation may go out at any hour, so the figures do not depend on the time of day).

Each figure is the time from the client's receipt of the intake's 2xx to the moment the sandbox's fake
recorded the vendor request (its request log's `received_at`; one machine, one clock):

* SMS: Twilio `POST .../Messages.json`, matched by `To` (one phone number per event);
* CRM lead (REST): `POST /leads`, by `external_id` (the event id) in the JSON body;
* CRM lead (ADF): `POST /leads/adf`, by the event id in the ADF `<id>` of the prospect;
* Wrike task: `POST /folders/<folder>/tasks` (not the GET that looks for it first), by the `journey_key`
  metadata entry of the form body, which is the event id (urlencoded JSON);
* Slack alert: the webhook `POST`, by its `Lead <id>` context line, which names the CRM lead's id (the
  event id when there is none), mapped to the event through the ledger's `crm_lead` vendor_ref.

Prints p50, p95 and max per vendor call, how many requests each fake got per event (exactly once), and
the `respond` runs the daemon launched. Asserts nothing.

    .venv/bin/python bench/bench_speed_to_lead_stack.py [--events 60] [--rate 2] [--no-daemon]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the in-process bench's events, the same here

import requests
from bench_speed_to_lead import event_body, in_stock_vehicles, pct

from journey_assets.intake.server import start_subprocess
from journey_assets.journey.signatures import sign_journey

ROOT = Path(__file__).resolve().parents[1]

SECRET = "bench-stack-secret"
CALLS = ("SMS", "CRM lead (REST)", "CRM lead (ADF)", "Wrike task", "Slack alert")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what: str, predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what}: not ready within {timeout:.0f} s")


def rows(log: Path) -> list[dict]:
    with sqlite3.connect(f"file:{log}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM requests WHERE method = 'POST' ORDER BY id")]


def match(requests_log: list[dict], events: dict[str, dict], slack_leads: dict[str, str]) -> dict[str, dict[str, list]]:
    """{call: {event_id: [received_at, ...]}} for every vendor request that belongs to one of `events`."""
    by_phone = {e["phone"][1:]: eid for eid, e in events.items()}
    seen: dict[str, dict[str, list]] = {call: {} for call in CALLS}

    def add(call: str, event_id: str | None, at: float) -> None:
        if event_id in events:
            seen[call].setdefault(event_id, []).append(at)

    for r in requests_log:
        vendor, path, body, at = r["vendor"], r["path"], r["body"] or "", r["received_at"]
        if "/_s" in path:
            continue  # the sandbox's own routes
        if vendor == "twilio" and path.endswith("/Messages.json"):
            to = (parse_qs(body).get("To") or [""])[0]
            add("SMS", by_phone.get(to[1:]), at)
        elif vendor == "crm" and path == "/leads":
            add("CRM lead (REST)", json.loads(body).get("external_id"), at)
        elif vendor == "crm" and path == "/leads/adf":
            prospect = re.search(r"<id\b[^>]*>([^<]+)</id>", body)  # the prospect's id: the event id
            add("CRM lead (ADF)", prospect.group(1) if prospect else None, at)
        elif vendor == "wrike" and path.endswith("/tasks"):
            metadata = json.loads((parse_qs(body).get("metadata") or ["[]"])[0])
            keys = [m.get("value") for m in metadata if isinstance(m, dict)]
            add("Wrike task", next((k for k in keys if k in events), None), at)
        elif vendor == "slack":
            text = unquote_plus(body)
            lead = re.search(r"Lead (\S+?)[\s\"·]", text)
            if lead:
                add("Slack alert", slack_leads.get(lead.group(1), lead.group(1)), at)
    return seen


def crm_leads_by_id(ledger: Path) -> dict[str, str]:
    """CRM lead id -> event id, from the ledger's `crm_lead` actions (the Slack alert names the CRM's id)."""
    with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True) as conn:
        return dict(
            conn.execute(
                "SELECT vendor_ref, event_id FROM actions WHERE action = 'crm_lead' AND vendor_ref IS NOT NULL"
            )
        )


def stop(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=60)
    parser.add_argument("--rate", type=float, default=2.0, help="events posted a second")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the last calls")
    parser.add_argument("--no-daemon", action="store_true", help="leave the Dagster daemon out")
    parser.add_argument(
        "--no-responder", action="store_true", help="leave journey respond out: the sensor -> run path alone (before)"
    )
    parser.add_argument("--daemon-warmup", type=float, default=45.0, help="seconds for the daemon to load the code")
    parser.add_argument("--keep", action="store_true", help="keep the temp directory (logs, stores)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-stl-stack-"))
    data = tmp / "data"
    sandbox_port = free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "JOURNEY_ENV": "local",
        "JOURNEY_DATA_DIR": str(data),
        "JOURNEY_WORLD_SIZE": "small",
        "JOURNEY_SANDBOX_URL": sandbox_url,
        "DAGSTER_HOME": str(tmp / "home"),
    }
    env.pop("JOURNEY_DUCKDB_PATH", None)
    procs: dict[str, subprocess.Popen] = {}
    logs = {name: (tmp / f"{name}.log").open("w") for name in ("sandbox", "responder", "daemon")}
    try:
        started = time.perf_counter()
        procs["sandbox"] = subprocess.Popen(
            [sys.executable, "-m", "journey_assets.cli", "sandbox", "--size", "small", "--port", str(sandbox_port)],
            cwd=ROOT,
            env=env,
            stdout=logs["sandbox"],
            stderr=subprocess.STDOUT,
        )
        credentials = data / "sandbox" / "credentials.json"
        wait_until(
            "the sandbox",
            lambda: credentials.exists() and requests.get(f"{sandbox_url}/_sandbox/health", timeout=2).ok,
            600,
        )
        print(f"sandbox up in {time.perf_counter() - started:.1f} s (small world; generated on the first run)")
        token = json.loads(credentials.read_text())["twilio"]["auth_token"]
        intake, intake_url = start_subprocess(
            {
                **env,
                "JOURNEY_INTAKE_SECRET": SECRET,
                "JOURNEY_TWILIO_AUTH_TOKEN": token,
                "JOURNEY_INTAKE_STORE": str(data / "intake" / "events.sqlite3"),
            },
            workdir=tmp,
        )
        procs["intake"] = intake
        env["JOURNEY_INTAKE_PUBLIC_URL"] = intake_url
        ledger = data / "response" / "ledger.sqlite3"
        if args.no_responder:
            args.no_daemon = False  # something has to answer
        else:
            procs["responder"] = subprocess.Popen(
                [sys.executable, "-m", "journey_assets.cli", "respond"],
                cwd=ROOT,
                env=env,
                stdout=logs["responder"],
                stderr=subprocess.STDOUT,
            )

        def heartbeat() -> bool:
            try:
                with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True) as conn:
                    return bool(conn.execute("SELECT 1 FROM consumers WHERE name = 'responder'").fetchone())
            except sqlite3.Error:
                return False

        if not args.no_responder:
            wait_until("the responder", heartbeat, 120)
        print(f"intake at {intake_url}; responder {'left out' if args.no_responder else 'following the store'}")
        if not args.no_daemon:
            home = tmp / "home"
            home.mkdir()
            config = (ROOT / "dagster.yaml").read_text().replace("data/dagster", str(data / "dagster"))
            (home / "dagster.yaml").write_text(config)
            procs["daemon"] = subprocess.Popen(
                [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", "workspace.yaml"],
                cwd=ROOT,
                env=env,
                stdout=logs["daemon"],
                stderr=subprocess.STDOUT,
            )
            print(f"Dagster daemon started; {args.daemon_warmup:.0f} s for it to load the code location")
            time.sleep(args.daemon_warmup)

        from journey_assets.sandbox.world import ensure_world

        picks = in_stock_vehicles(ensure_world(data, "small", int(env.get("JOURNEY_WORLD_SEED", "7"))))
        run_id = str(int(time.time()))
        events: dict[str, dict] = {}
        acked: dict[str, float] = {}
        session = requests.Session()
        interval = 1.0 / args.rate
        began = time.perf_counter()
        for i in range(args.events):
            delay = began + i * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body = event_body(i, run_id, picks[i % len(picks)])
            event = json.loads(body)
            answer = session.post(
                f"{intake_url}/events/intent",
                data=body,
                headers={"Content-Type": "application/json", **sign_journey(SECRET, body)},
                timeout=10,
            )
            if answer.status_code == 201:
                acked[event["event_id"]] = time.time()
                events[event["event_id"]] = {"phone": event["customer"]["phone"]}
            else:
                print(f"intake answered {answer.status_code}: {answer.text[:200]}")
        posted = time.perf_counter() - began

        log = data / "sandbox" / "requests.sqlite3"
        deadline = time.monotonic() + args.timeout
        while True:
            seen = match(rows(log), events, crm_leads_by_id(ledger))
            if all(len(seen[c]) >= len(acked) for c in CALLS) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        time.sleep(3)  # a late duplicate would show in the counts below
        seen = match(rows(log), events, crm_leads_by_id(ledger))

        print(
            f"\nspeed to lead through the stack: {len(acked)} events accepted in {posted:.1f} s "
            f"({len(acked) / posted:.2f}/s), processes: {', '.join(procs)}"
        )
        print(f"{'call':<18}{'seen':>6}{'once':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
        for call in CALLS:
            times = seen[call]
            lat = [min(ts) - acked[eid] for eid, ts in times.items()]
            once = sum(1 for ts in times.values() if len(ts) == 1)
            if lat:
                print(
                    f"{call:<18}{len(times):>6}{once:>6}{pct(lat, 50) * 1000:>10.0f}{pct(lat, 95) * 1000:>10.0f}"
                    f"{max(lat) * 1000:>10.0f}"
                )
            else:
                print(f"{call:<18}{0:>6}{0:>6}{'-':>10}{'-':>10}{'-':>10}")
        if "daemon" in procs:
            import dagster as dg

            with dg.DagsterInstance.from_config(str(tmp / "home")) as instance:
                runs = instance.get_runs(dg.RunsFilter(job_name="respond"))
            ticks = (tmp / "daemon.log").read_text().count("Checking for new runs for sensor: intake_events_sensor")
            print(f"Dagster daemon: {ticks} intake_events_sensor ticks, {len(runs)} respond run(s) launched")
    finally:
        for name in ("daemon", "responder", "intake", "sandbox"):
            stop(procs.get(name), signal.SIGINT if name == "sandbox" else signal.SIGTERM)
        for handle in logs.values():
            handle.close()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
