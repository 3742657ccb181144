"""Benchmark the webhook intake: durable events/s and latency on loopback.

Starts the real intake (`python -m journey_assets.intake`) in a subprocess with
a fresh SQLite store (WAL, synchronous=FULL, group commit), then drives
`/events/intent` with C concurrent keep-alive connections until N events were
sent or the time limit passed. Every request is a distinct, validly signed
event with an email, a phone and a VIN to validate. The load generator is a
small raw HTTP/1.1 client on asyncio (requests are signed and encoded before
the clock starts) so that on a 2-core machine most CPU goes to the server.

It prints, with no assertion on speed:
  accepted events/s  201 answers (each one committed before it was answered) per second
  p50/p90/p99/max    request latency seen by the client, in ms
and checks that the store holds exactly the accepted events.

    .venv/bin/python bench/bench_intake.py [--events 20000] [--clients 64] [--seconds 60]
    .venv/bin/python bench/bench_intake.py --postgres postgresql://journey@127.0.0.1:54329/journey_test

With `--postgres URL` the store is a fresh schema on that server (password from PGPASSWORD), dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from journey_assets.intake.server import start_subprocess
from journey_assets.journey.signatures import sign_journey

SECRET = "bench-secret"
VINS = ["1M8GDM9AXKP042788", "JH2RC3605MM101581", "1HGCV1F42JA141468"]
TYPES = ["test_drive_request", "trade_in_appraisal", "credit_application", "price_request", "vdp_view"]


def build_requests(n: int, host: str, run_id: str) -> list[bytes]:
    out = []
    now = int(time.time())
    for i in range(n):
        event = {
            "event_id": f"bench-{run_id}-{i}",
            "occurred_at": "2026-08-01T14:03:00-05:00",
            "dealer_id": f"D{i % 7:02d}",
            "event_type": TYPES[i % len(TYPES)],
            "source": "website",
            "customer": {
                "email": f"Shopper{i}@Example.com",
                "phone": f"(415) 555-{2000 + i % 8000:04d}",
                "first_name": "Pat",
                "last_name": "Shopper",
            },
            "vehicle": {"vin": VINS[i % len(VINS)], "stock_number": f"S{i}", "condition": "used"},
            "consent": {"sms": True, "email": True},
            "attributes": {"page": "/used/vehicle", "utm_source": "google"},
        }
        body = json.dumps(event, separators=(",", ":")).encode()
        headers = sign_journey(SECRET, body, now)
        head = (
            f"POST /events/intent HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        ).encode()
        out.append(head + body)
    return out


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def drive(url: str, requests: list[bytes], clients: int, seconds: float) -> dict:
    host, port = url.removeprefix("http://").split(":")
    next_index = 0
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal next_index
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while next_index < len(requests) and time.perf_counter() < deadline:
                request = requests[next_index]
                next_index += 1
                t0 = time.perf_counter()
                writer.write(request)
                status = await read_response(reader)
                latencies.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return {"elapsed": elapsed, "latencies": latencies, "statuses": statuses}


def process_tree_cpu(root_pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children (Linux /proc; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0.0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        if pid == root_pid or ppid == root_pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def count_in_postgres(url: str, schema: str, run_id: str) -> int:
    """The run's events in the bench schema (the warm-up's left out); the schema is dropped after."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        table = sql.Identifier(schema, "events")
        query = sql.SQL("SELECT count(*) FILTER (WHERE event_id LIKE %s AND event_id NOT LIKE %s) FROM {}")
        stored = conn.execute(query.format(table), (f"bench-{run_id}-%", f"bench-{run_id}-w-%")).fetchone()[0]
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    return stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60.0, help="stop sending after this long")
    parser.add_argument("--workers", type=int, default=1, help="intake server processes")
    parser.add_argument("--warmup", type=int, default=500, help="events sent (and not counted) first")
    parser.add_argument("--postgres", default="", help="a Postgres server URL: store there instead of SQLite")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    store = workdir / "events.sqlite3"
    schema = f"bench_intake_{os.getpid()}"
    spec = f"{args.postgres}{'&' if '?' in args.postgres else '?'}schema={schema}" if args.postgres else str(store)
    env = {"JOURNEY_INTAKE_SECRET": SECRET, "JOURNEY_INTAKE_STORE": spec}
    proc, url = start_subprocess(env, workdir=workdir, workers=args.workers)
    try:
        try:
            import uvloop

            uvloop.install()
            loop_name = "uvloop"
        except ImportError:  # pragma: no cover
            loop_name = "asyncio"
        host = url.removeprefix("http://")
        run_id = f"{os.getpid()}-{int(time.time())}"
        warm = build_requests(args.warmup, host, run_id + "-w")
        asyncio.run(drive(url, warm, min(args.clients, 16), 30))
        requests = build_requests(args.events, host, run_id)
        server_cpu0, client_cpu0 = process_tree_cpu(proc.pid), time.process_time()
        result = asyncio.run(drive(url, requests, args.clients, args.seconds))
        server_cpu = process_tree_cpu(proc.pid) - server_cpu0
        client_cpu = time.process_time() - client_cpu0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)

    latencies = sorted(result["latencies"])
    accepted = result["statuses"].get(201, 0)
    if args.postgres:
        stored = count_in_postgres(args.postgres, schema, run_id)
    else:
        with sqlite3.connect(store) as conn:
            stored = conn.execute(
                "SELECT count(*) FROM events WHERE event_id LIKE ?", (f"bench-{run_id}-%",)
            ).fetchone()[0]
            stored -= conn.execute(
                "SELECT count(*) FROM events WHERE event_id LIKE ?", (f"bench-{run_id}-w-%",)
            ).fetchone()[0]
    shutil.rmtree(workdir, ignore_errors=True)

    ms = 1000.0
    print(
        f"intake benchmark: {len(latencies)} requests, {args.clients} keep-alive clients, "
        f"{args.workers} server process(es), client loop {loop_name}, "
        f"{os.cpu_count()} CPUs (client and server share them)"
    )
    print(f"  statuses           {dict(sorted(result['statuses'].items()))}")
    print(f"  elapsed            {result['elapsed']:.2f} s")
    print(f"  accepted events/s  {accepted / result['elapsed']:,.0f}  (201 = committed with fsync before the answer)")
    print(
        f"  latency ms         p50 {percentile(latencies, 0.50) * ms:.1f}  "
        f"p90 {percentile(latencies, 0.90) * ms:.1f}  "
        f"p99 {percentile(latencies, 0.99) * ms:.1f}  max {latencies[-1] * ms if latencies else float('nan'):.1f}"
    )
    n = max(1, len(latencies))
    print(
        f"  cpu per request    server {server_cpu / n * 1e6:.0f} us, client {client_cpu / n * 1e6:.0f} us "
        f"(so {os.cpu_count()} idle cores bound the rate near "
        f"{os.cpu_count() / max(1e-9, (server_cpu + client_cpu) / n):,.0f}/s)"
    )
    print(f"  load average       {os.getloadavg()[0]:.2f} at the end (other work on the machine skews the rate)")
    print(f"  stored rows        {stored} (accepted {accepted})")


if __name__ == "__main__":
    main()
