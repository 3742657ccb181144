"""`journey`: the project's command line (demo, sandbox, dev UI, intake service)."""

from __future__ import annotations

import argparse
import errno
import os
import subprocess
import sys
import time
from datetime import date, timedelta

from journey_assets.settings import load_settings


def _use_sandbox(size: str, port: int):
    """Start the sandbox and point this process (and its children) at it."""
    from journey_assets.sandbox.run import start_sandbox

    settings = load_settings()
    started = time.perf_counter()
    print(
        f"sandbox: preparing the {size} world (generated once, then cached under {settings.data_dir}/world)", flush=True
    )
    server = start_sandbox(settings, size=size, port=port)
    os.environ["JOURNEY_SANDBOX_URL"] = server.url
    print(
        f"sandbox: serving {len(server.fakes)} vendor fakes at {server.url} ({time.perf_counter() - started:.1f}s)",
        flush=True,
    )
    return server


def demo(args: argparse.Namespace) -> int:
    """Run the nightly job on the embedded default and print what it built."""
    import dagster as dg

    if load_settings().env != "local":
        print("journey demo runs on the local environment only (unset JOURNEY_ENV)", file=sys.stderr)
        return 2
    server = _use_sandbox(args.size, args.port)
    try:
        from journey_assets.definitions import defs
        from journey_assets.summary import warehouse_summary

        as_of = server.world.as_of
        instance = dg.DagsterInstance.get() if os.getenv("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
        nightly = defs.resolve_job_def("nightly")
        # Earlier days first, ingest only, so the marts have a price history to show.
        history = [as_of - timedelta(days=n) for n in range(args.days - 1, 0, -1)]
        for day in history:
            print(f"demo: ingesting {day} (history)", flush=True)
            _run(nightly, instance, day, selection=["raw/dealer_inventory", "ops/quarantine_dealer_inventory"])
        print(f"demo: nightly run for {as_of}", flush=True)
        _run(nightly, instance, as_of, selection=None)
        print(warehouse_summary(load_settings().duckdb_path))
        return 0
    finally:
        server.stop()


def _run(job, instance, day: date, selection):
    import dagster as dg

    result = job.execute_in_process(
        instance=instance,
        partition_key=day.isoformat(),
        # Step starts, outputs and failures; the full debug stream is in the Dagster UI.
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        asset_selection=[dg.AssetKey.from_user_string(s) for s in selection] if selection else None,
        raise_on_error=True,
    )
    return result


def sandbox(args: argparse.Namespace) -> int:
    server = _use_sandbox(args.size, args.port)
    print("sandbox: Ctrl-C to stop", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


def dev(args: argparse.Namespace) -> int:
    """The Dagster UI on this code location, with the sandbox running beside it."""
    server = _use_sandbox(args.size, args.port)
    try:
        return subprocess.call(["dagster", "dev", "-w", "workspace.yaml", "-p", str(args.ui_port)])
    finally:
        server.stop()


def intake(args: argparse.Namespace) -> int:
    from journey_assets.intake.server import IntakeStartError, serve
    from journey_assets.intake.settings import IntakeSettings

    try:
        serve(args.host, args.port, IntakeSettings.from_env(), workers=args.workers, events=not args.no_events)
    except IntakeStartError as exc:  # no secret, or the port is taken: a message, not a traceback
        print(f"intake: not started: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="journey", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("demo", help="run the nightly job on local DuckDB and the sandbox, then summarize")
    p.add_argument("--size", default=os.getenv("JOURNEY_WORLD_SIZE", "medium"), choices=["small", "medium", "large"])
    p.add_argument("--days", type=int, default=7, help="days of inventory history to ingest first")
    p.add_argument("--port", type=int, default=0)
    p.set_defaults(func=demo)

    p = commands.add_parser("sandbox", help="serve the vendor fakes over a synthetic world until stopped")
    p.add_argument("--size", default=os.getenv("JOURNEY_WORLD_SIZE", "medium"), choices=["small", "medium", "large"])
    p.add_argument("--port", type=int, default=8765)
    p.set_defaults(func=sandbox)

    p = commands.add_parser("dev", help="open the Dagster UI with the sandbox running")
    p.add_argument("--size", default=os.getenv("JOURNEY_WORLD_SIZE", "medium"), choices=["small", "medium", "large"])
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--ui-port", type=int, default=3000)
    p.set_defaults(func=dev)

    p = commands.add_parser("intake", help="serve the webhook intake (FastAPI under uvicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--workers", type=int, default=1, help="server processes sharing the port (at most one per core)")
    p.add_argument("--no-events", action="store_true", help="serve only the Twilio and Meta webhooks (no secret)")
    p.set_defaults(func=intake)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(f"journey {args.command}: {exc}", file=sys.stderr)  # a busy port: the reason, not a traceback
        return 2


if __name__ == "__main__":
    sys.exit(main())
