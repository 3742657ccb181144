"""Benchmark speed to lead: from the intake's 2xx to the SMS, CRM lead, Wrike task and Slack alert.

Setup, all on loopback in a temp directory: the generated small world served
by the sandbox (vendor fakes) in a subprocess of its own (real vendors are
other machines; in this process it would share our GIL), the real intake in a
subprocess (`python -m journey_assets.intake`, SQLite store), and the response workflow
(`journey_assets.response.respond`) driven by a loop that polls the store with
`read_since` every `--poll` seconds, the way `intake_events_sensor` reads it.
A client thread posts `--events` signed `test_drive_request` events at
`--rate` a second (each a new customer and an in-stock vehicle of one of the
world's rooftops). A test-drive confirmation may go out at any hour (the
logged transactional override), so the figures do not depend on the time of
day the benchmark runs.

What it measures: the workflow's own latency, plus at most one poll interval
of waiting, which stands in for the sensor's `minimum_interval_seconds`. It
does NOT include the Dagster daemon's tick scheduling or a run's launch in a
new process (seconds each on a 2-core machine); for that it also times one
full cycle in process: sensor evaluation -> `respond` job `execute_in_process`
on the code location, with the code location's load time printed apart.

Each figure is the time from the client's receipt of the intake's 2xx to the
moment the response ledger recorded the vendor's answer for that action.
Prints figures only; asserts nothing.

    .venv/bin/python bench/bench_speed_to_lead.py [--events 200] [--rate 20] [--poll 0.2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests

from journey_assets.connectors.crm import CRMClient
from journey_assets.connectors.customerio import CustomerIOAppClient
from journey_assets.connectors.dealer_inventory import DealerInventoryClient
from journey_assets.connectors.slack import SlackWebhookClient
from journey_assets.connectors.twilio import TwilioClient
from journey_assets.connectors.wrike import WrikeClient
from journey_assets.intake.server import start_subprocess
from journey_assets.intake.store import SQLiteEventStore
from journey_assets.journey.contact import ContactError, validate_vin
from journey_assets.journey.signatures import sign_journey
from journey_assets.response.config import load_roster
from journey_assets.response.ledger import DONE
from journey_assets.response.ledger_sqlite import SQLiteLedger
from journey_assets.response.workflow import ResponseConfig, ResponseDeps, respond
from journey_assets.sandbox.credentials import write_credentials_file
from journey_assets.sandbox.fakes import twilio as twilio_fake
from journey_assets.sandbox.run import (
    write_rooftops_config,
    write_salespeople_config,
)
from journey_assets.sandbox.world import ensure_world

SECRET = "bench-secret"
FOLDER = "IEAAAAAABENCH001"
SLACK_PATH = "/services/T0BENCH/B0BENCH/benchwebhook"
ACTIONS = (
    ("SMS", "sms"),
    ("CRM lead (REST)", "crm_lead"),
    ("CRM lead (ADF)", "crm_adf"),
    ("Wrike task", "wrike_task"),
    ("Slack alert", "slack_alert"),
)
MAX_EVENTS = 2000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def in_stock_vehicles(world) -> list[dict]:
    inventory = world.table("inventory")
    stock = inventory[inventory["date_sold"].isna()]
    out = []
    for row in stock.to_dict("records"):
        try:
            vin = validate_vin(row["vin"])
        except ContactError:
            continue  # the world corrupts a few VINs on purpose; the intake would refuse them
        out.append(
            {
                "dealer_id": row["dealer_id"],
                "vehicle": {
                    "vin": vin,
                    "stock_number": row["stock_number"],
                    "year": int(row["year"]),
                    "make": row["make"],
                    "model": row["model"],
                    "trim": row["trim"],
                    "condition": "new" if row["condition"] == "new" else "used",
                },
            }
        )
    return out


def event_body(i: int, run_id: str, pick: dict) -> bytes:
    now = datetime.now(UTC)
    return json.dumps(
        {
            "event_id": f"stl-{run_id}-{i}",
            "occurred_at": now.isoformat(),
            "dealer_id": pick["dealer_id"],
            "event_type": "test_drive_request",
            "source": "website",
            "customer": {
                "first_name": "Pat",
                "last_name": "Shopper",
                "phone": f"+1312555{i % 10000:04d}",
                "email": f"shopper{i}@example.com",
            },
            "vehicle": pick["vehicle"],
            "consent": {"sms": True, "email": True, "text": "I agree to receive texts about my request."},
            "attributes": {
                "appointment_at": (now + timedelta(days=1))
                .replace(hour=17, minute=0, second=0, microsecond=0)
                .isoformat()
            },
        }
    ).encode()


def build_deps(
    sandbox_url: str, ledger: SQLiteLedger, rooftops: Path, salespeople: Path, intake_url: str
) -> ResponseDeps:
    def url(vendor: str) -> str:
        return f"{sandbox_url}/{vendor}"

    return ResponseDeps(
        ledger=ledger,
        roster=load_roster(rooftops, salespeople),
        twilio=TwilioClient(
            twilio_fake.DEFAULT_ACCOUNT_SID,
            twilio_fake.DEFAULT_AUTH_TOKEN,
            base_url=url("twilio"),
            from_number=twilio_fake.DEFAULT_FROM_NUMBER,
            status_callback=f"{intake_url}/twilio/status",
        ),
        crm=CRMClient(url("crm"), "sandbox-crm-token"),
        wrike=WrikeClient("sandbox-wrike-token", base_url=url("wrike")),
        slack=SlackWebhookClient(SLACK_PATH, base_url=url("slack")),
        email=CustomerIOAppClient("sandbox-app-api-key", base_url=url("customerio")),
        inventory=DealerInventoryClient(url("dealer_inventory"), "sandbox", page_size=500),
        config=ResponseConfig(wrike_folder_id=FOLDER),
    )


SANDBOX_SCRIPT = """
import sys, time
from pathlib import Path
from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import ensure_world
world = ensure_world(Path(sys.argv[1]), "small", 7)
server = SandboxServer(world, port=0, record_path=Path(sys.argv[2])).start()
print(server.url, flush=True)
sys.stdin.read()  # serve until the parent closes our stdin
server.stop()
"""


def start_sandbox_process(data_dir: Path, record: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SANDBOX_SCRIPT, str(data_dir), str(record)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(Path(__file__).resolve().parents[1]),
    )
    url = proc.stdout.readline().strip()  # type: ignore[union-attr]
    if not url.startswith("http"):
        proc.kill()
        raise RuntimeError("the sandbox did not start")
    return proc, url


def sandbox_rows(record: Path, vendor: str) -> list[dict]:
    with sqlite3.connect(record) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM requests WHERE vendor = ? ORDER BY id", (vendor,))]


def poll_loop(
    store: SQLiteEventStore, deps: ResponseDeps, poll: float, stop: threading.Event, busy: list[float]
) -> None:
    """What the sensor + job do, minus Dagster: read new events by cursor, answer them, repeat."""
    cursor = None
    while not stop.is_set():
        events, cursor = store.read_since(cursor, 100)
        if not events:
            time.sleep(poll)
            continue
        started = time.perf_counter()
        respond(events, deps)
        busy.append((time.perf_counter() - started) / len(events))


def sensor_cycle(
    tmp: Path,
    sandbox_url: str,
    intake_url: str,
    store_path: Path,
    rooftops: Path,
    salespeople: Path,
    ledger_path: Path,
    pick: dict,
    run_id: str,
) -> dict[str, float]:
    """One event through the code location: sensor tick -> respond job execute_in_process."""
    os.environ.update(
        {
            "JOURNEY_ENV": "local",
            "JOURNEY_DATA_DIR": str(tmp / "data"),
            "JOURNEY_SANDBOX_URL": sandbox_url,
            "JOURNEY_ROOFTOPS_FILE": str(rooftops),
            "JOURNEY_SALESPEOPLE_FILE": str(salespeople),
            "JOURNEY_INTAKE_STORE": str(store_path),
            "JOURNEY_RESPONSE_LEDGER": str(ledger_path),
            "JOURNEY_INTAKE_PUBLIC_URL": intake_url,
            "JOURNEY_WRIKE_FOLDER_ID": FOLDER,
            "JOURNEY_SANDBOX_CREDENTIALS_FILE": str(
                write_credentials_file(tmp / "data" / "sandbox" / "credentials.json")
            ),
        }
    )
    started = time.perf_counter()
    import dagster as dg

    from journey_assets.definitions import build_definitions
    from journey_assets.settings import load_settings

    defs = build_definitions(load_settings())
    sensor = defs.resolve_sensor_def("intake_events_sensor")
    job = defs.resolve_job_def("respond")
    load = time.perf_counter() - started
    instance = dg.DagsterInstance.ephemeral()
    # start the cursor at the end of what the store holds now
    store = SQLiteEventStore(store_path)
    _, cursor = store.read_since(None, 1_000_000)
    store.close()
    body = event_body(10**6, run_id + "-sensor", pick)
    response = requests.post(
        f"{intake_url}/events/intent",
        data=body,
        headers={"Content-Type": "application/json", **sign_journey(SECRET, body)},
        timeout=10,
    )
    acked = time.perf_counter()
    assert response.status_code == 201, response.text
    tick = sensor(dg.build_sensor_context(instance=instance, cursor=cursor, resources=defs.resources))
    ticked = time.perf_counter()
    request = tick.run_requests[0]
    result = job.execute_in_process(run_config=request.run_config, instance=instance, tags=request.tags)
    done = time.perf_counter()
    return {
        "load": load,
        "tick": ticked - acked,
        "run": done - ticked,
        "total": done - acked,
        "ok": float(result.success),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200, help=f"events to post (at most {MAX_EVENTS})")
    parser.add_argument("--rate", type=float, default=20.0, help="events posted a second")
    parser.add_argument("--poll", type=float, default=0.2, help="seconds between store polls when idle")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for every action")
    parser.add_argument("--no-sensor-cycle", action="store_true", help="skip the Dagster sensor -> run cycle")
    args = parser.parse_args()
    n = max(1, min(args.events, MAX_EVENTS))

    tmp = Path(tempfile.mkdtemp(prefix="bench-stl-"))
    run_id = str(int(time.time()))
    proc = None
    sandbox = None
    stop = threading.Event()
    try:
        world = ensure_world(tmp / "data", "small", 7)
        rooftops = write_rooftops_config(world, tmp / "config" / "rooftops.json")
        salespeople = write_salespeople_config(world, tmp / "config" / "salespeople.json")
        picks = in_stock_vehicles(world)
        request_log = tmp / "sandbox" / "requests.sqlite3"
        sandbox, sandbox_url = start_sandbox_process(tmp / "data", request_log)
        store_path = tmp / "intake" / "events.sqlite3"
        proc, intake_url = start_subprocess(
            {
                "JOURNEY_INTAKE_SECRET": SECRET,
                "JOURNEY_TWILIO_AUTH_TOKEN": twilio_fake.DEFAULT_AUTH_TOKEN,
                "JOURNEY_INTAKE_STORE": str(store_path),
            },
            workdir=tmp,
        )
        ledger_path = tmp / "response" / "ledger.sqlite3"
        ledger = SQLiteLedger(ledger_path)
        deps = build_deps(sandbox_url, ledger, rooftops, salespeople, intake_url)
        reader = SQLiteEventStore(store_path)
        busy: list[float] = []
        worker = threading.Thread(target=poll_loop, args=(reader, deps, args.poll, stop, busy), daemon=True)
        worker.start()

        acked: dict[str, float] = {}
        session = requests.Session()
        interval = 1.0 / args.rate
        started = time.perf_counter()
        for i in range(n):
            target = started + i * interval
            delay = target - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body = event_body(i, run_id, picks[i % len(picks)])
            response = session.post(
                f"{intake_url}/events/intent",
                data=body,
                headers={"Content-Type": "application/json", **sign_journey(SECRET, body)},
                timeout=10,
            )
            if response.status_code == 201:
                acked[f"stl-{run_id}-{i}"] = time.time()
            else:
                print(f"intake answered {response.status_code}: {response.text[:200]}")
        posted_for = time.perf_counter() - started

        deadline = time.monotonic() + args.timeout
        wanted = {action for _, action in ACTIONS}
        while time.monotonic() < deadline:
            finished = {(a.event_id, a.action) for a in ledger.actions() if a.status == DONE and a.action in wanted}
            if len(finished) >= len(acked) * len(wanted):
                break
            time.sleep(0.2)
        stop.set()
        worker.join(5)

        by_action: dict[str, list[float]] = {action: [] for _, action in ACTIONS}
        other: dict[str, int] = {}
        for record in ledger.actions():
            if record.event_id not in acked or record.action not in by_action:
                continue
            if record.status != DONE:
                other[f"{record.action}:{record.status}"] = other.get(f"{record.action}:{record.status}", 0) + 1
                continue
            by_action[record.action].append(record.updated_at.timestamp() - acked[record.event_id])

        print(
            f"speed to lead: {len(acked)} events accepted by the intake in {posted_for:.1f} s "
            f"({len(acked) / posted_for:.1f}/s offered), store polled every {args.poll:.2f} s when idle"
        )
        print(f"{'action':<18}{'done':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
        for label, action in ACTIONS:
            values = by_action[action]
            if values:
                print(
                    f"{label:<18}{len(values):>6}{pct(values, 50) * 1000:>10.0f}{pct(values, 95) * 1000:>10.0f}"
                    f"{max(values) * 1000:>10.0f}"
                )
            else:
                print(f"{label:<18}{0:>6}{'-':>10}{'-':>10}{'-':>10}")
        if other:
            print(f"not done: {other}")
        if busy:
            print(
                f"workflow time per event: mean {statistics.mean(busy) * 1000:.0f} ms "
                f"(batches of up to 100, all actions, sandbox on loopback)"
            )
        sms = [r for r in sandbox_rows(request_log, "twilio") if r["path"].endswith("/Messages.json")]
        print(f"sandbox received {len(sms)} SMS for {len(acked)} events (exactly once each: {len(sms) == len(acked)})")
        reader.close()

        if not args.no_sensor_cycle:
            cycle = sensor_cycle(
                tmp, sandbox_url, intake_url, store_path, rooftops, salespeople, ledger_path, picks[0], run_id
            )
            print("one Dagster cycle, in process (no daemon, no run launcher):")
            print(f"  code location load {cycle['load'] * 1000:.0f} ms (once per process)")
            print(
                f"  2xx -> sensor tick evaluated {cycle['tick'] * 1000:.0f} ms; run (execute_in_process) "
                f"{cycle['run'] * 1000:.0f} ms; 2xx -> run finished {cycle['total'] * 1000:.0f} ms; success {bool(cycle['ok'])}"
            )
        ledger.close()
    finally:
        stop.set()
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except Exception:
                proc.kill()
        if sandbox is not None:
            sandbox.stdin.close()  # type: ignore[union-attr]
            try:
                sandbox.wait(10)
            except subprocess.TimeoutExpired:
                sandbox.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
