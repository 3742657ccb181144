"""`journey`: the project's command line (demo, sandbox, the local stack, intake service, responder)."""

from __future__ import annotations

import argparse
import errno
import os
import subprocess
import sys
import time

from journey_assets.settings import WORLD_SIZES, SettingError, load_settings
from journey_assets.stop_signals import take_stop_signals


def _use_sandbox(size: str | None, seed: int | None, port: int):
    """Start the sandbox and point this process (and its children) at it and at its world's dates."""
    from journey_assets.sandbox.run import start_sandbox

    settings = load_settings()
    size, seed = size or settings.world_size, settings.world_seed if seed is None else seed
    pinned = settings.world_last_day is not None
    started = time.perf_counter()
    print(
        f"sandbox: preparing the {size} world, seed {seed} (generated once, then cached under {settings.data_dir}/world)"
    )
    server = start_sandbox(settings, size=size, seed=seed, port=port)
    world = server.world
    # Children (dagster dev, the code server) load the partitions of exactly this world.
    os.environ.update(
        JOURNEY_SANDBOX_URL=server.url,
        JOURNEY_WORLD_SIZE=world.size,
        JOURNEY_WORLD_SEED=str(world.seed),
        JOURNEY_WORLD_LAST_DAY=world.as_of.isoformat(),
    )
    print(f"sandbox: {world.describe()}")
    print(
        "sandbox: move it with JOURNEY_WORLD_LAST_DAY=YYYY-MM-DD, another dealer group with JOURNEY_WORLD_SEED=<n>"
        if not pinned
        else "sandbox: the world's last day is set by JOURNEY_WORLD_LAST_DAY"
    )
    print(f"sandbox: serving {len(server.fakes)} vendor fakes at {server.url} ({time.perf_counter() - started:.1f}s)")
    return server


def demo(args: argparse.Namespace) -> int:
    """Load the sandbox world into local DuckDB (its whole history the first time), build dbt, print what it built."""
    from journey_assets.demo import DemoRunFailed, StageTimes, instance_for_demo, next_steps, run_demo
    from journey_assets.summary import warehouse_summary

    if load_settings().env != "local":
        print("journey demo runs on the local environment only (unset JOURNEY_ENV)", file=sys.stderr)
        return 2
    prepare = StageTimes()
    with prepare.stage("sandbox and world (cached once)"):
        server = _use_sandbox(args.size, args.seed, args.port)
    try:
        settings = load_settings()
        result = run_demo(settings, server, instance=instance_for_demo(), weekly_report=True)
    except DemoRunFailed as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    finally:
        server.stop()
    print(warehouse_summary(settings.duckdb_path))
    print(prepare.merged(result.times).table(excluded=("sandbox and world (cached once)",)))
    print(next_steps(settings))
    return 0


def sandbox(args: argparse.Namespace) -> int:
    server = _use_sandbox(args.size, args.seed, args.port)
    print("sandbox: Ctrl-C to stop", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nsandbox: stopped")
    finally:
        server.stop()
    return 0


def dev(args: argparse.Namespace) -> int:
    """The Dagster UI on this code location, with the sandbox running beside it; Ctrl-C stops both."""
    server = _use_sandbox(args.size, args.seed, args.port)
    command = [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-p", str(args.ui_port)]
    print(f"dev: starting the Dagster UI at http://127.0.0.1:{args.ui_port} (Ctrl-C stops it and the sandbox)")
    ui = subprocess.Popen(command)
    try:
        return ui.wait()
    except KeyboardInterrupt:
        # The terminal sent Ctrl-C to dagster dev as well: let it shut down its webserver and daemon.
        print("\ndev: stopping the Dagster UI and the sandbox...", flush=True)
        try:
            ui.wait(timeout=60)
        except (KeyboardInterrupt, subprocess.TimeoutExpired):
            ui.kill()
            ui.wait()
        print("dev: stopped")
        return 0
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


def respond(args: argparse.Namespace) -> int:
    """Follow the intake's event store and answer each new event at once (docs/decisions/1301)."""
    import logging
    import signal
    import threading

    from journey_assets.defs.respond.deps import opened_response_deps, standalone_resources
    from journey_assets.response.follower import Follower

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    for ours in ("journey", "journey_assets"):  # our INFO lines; the libraries' (alembic, dagster) stay quiet
        logging.getLogger(ours).setLevel(logging.INFO)
    logger = logging.getLogger("journey.respond")
    stop = threading.Event()

    def stop_now(signum: int, _frame: object) -> None:
        logger.info("respond: %s received, stopping after the batch in flight", signal.Signals(signum).name)
        stop.set()

    # Both stop signals end the loop between batches: an event in flight finishes its actions first.
    signal.signal(signal.SIGTERM, stop_now)
    signal.signal(signal.SIGINT, stop_now)
    settings = load_settings()
    with standalone_resources(settings) as resources:
        store = resources["respond_events"].open()
        try:
            with opened_response_deps(resources, logger) as deps:
                follower = Follower(store, deps, name=args.name, poll=args.poll, batch_size=args.batch_size)
                print(f"respond: following the intake's store as {args.name!r} (Ctrl-C or SIGTERM stops)", flush=True)
                follower.run(stop)
        finally:
            store.close()
    print("respond: stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="journey", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def world_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--size", choices=WORLD_SIZES, help="the synthetic world (default: JOURNEY_WORLD_SIZE, medium)")
        p.add_argument("--seed", type=int, help="the world's seed (default: JOURNEY_WORLD_SEED, 7)")

    p = commands.add_parser("demo", help="load the sandbox world into local DuckDB, build dbt, summarize")
    world_arguments(p)
    p.add_argument("--port", type=int, default=0)
    p.set_defaults(func=demo)

    p = commands.add_parser("sandbox", help="serve the vendor fakes over a synthetic world until stopped")
    world_arguments(p)
    p.add_argument("--port", type=int, default=8765)
    p.set_defaults(func=sandbox)

    p = commands.add_parser("dev", help="open the Dagster UI with the sandbox running")
    world_arguments(p)
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--ui-port", type=int, default=3000)
    p.set_defaults(func=dev)

    p = commands.add_parser("intake", help="serve the webhook intake (FastAPI under uvicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--workers", type=int, default=1, help="server processes sharing the port (at most one per core)")
    p.add_argument("--no-events", action="store_true", help="serve only the Twilio and Meta webhooks (no secret)")
    p.set_defaults(func=intake)

    p = commands.add_parser("respond", help="the long-running responder: follow the intake's store, answer at once")
    p.add_argument("--name", default="responder", help="the consumer's name in the ledger (its cursor, heartbeat)")
    p.add_argument("--poll", type=float, default=0.1, help="seconds between reads of the store when idle")
    p.add_argument("--batch-size", type=int, default=100)
    p.set_defaults(func=respond)

    args = parser.parse_args(argv)
    take_stop_signals()  # Ctrl-C and SIGTERM stop every command, even when started with them ignored
    sys.stdout.reconfigure(line_buffering=True)  # progress lines show as they happen, also through make and pipes
    try:
        return args.func(args)
    except SettingError as exc:  # e.g. JOURNEY_WORLD_SEED=abc
        print(f"journey: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\njourney {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(f"journey {args.command}: {exc}", file=sys.stderr)  # a busy port: the reason, not a traceback
        return 2


if __name__ == "__main__":
    sys.exit(main())
