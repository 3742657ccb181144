"""`journey`: the project's command line (demo, sandbox, the local stack, intake service, responder)."""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

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


def dev_secret(path: Path) -> str:
    """The local intake's signing secret: generated once into `path` (mode 0600), the same on every start."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = f"dev-{secrets.token_urlsafe(24)}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secret + "\n")
    return secret


def _start_intake(port: int, env: dict[str, str], port_file: Path) -> tuple[subprocess.Popen, str]:
    port_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "journey_assets.cli", "intake", "--port", str(port), "--port-file", str(port_file)]
    proc = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 60
    while not port_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the intake did not start (exit code {proc.poll()})")
        time.sleep(0.05)
    return proc, f"http://127.0.0.1:{int(port_file.read_text())}"


def _stop_all(children: list[tuple[str, subprocess.Popen]], interrupted: bool, timeout: float = 60) -> None:
    """Stop the children, last started first. After a terminal's Ctrl-C they have it already: a few seconds
    to stop on their own (a second SIGINT would make uvicorn and dagster dev skip their graceful shutdown),
    then SIGTERM, then SIGKILL."""
    deadline = time.monotonic() + (5 if interrupted else 0)
    for _, proc in reversed(children):
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    for _, proc in reversed(children):
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
    deadline = time.monotonic() + timeout
    for name, proc in reversed(children):
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"dev: {name} did not stop in time; killing it", flush=True)
            proc.kill()
            proc.wait()


def dev(args: argparse.Namespace) -> int:
    """The whole local stack in one command: sandbox, intake, responder, Dagster UI and daemon; Ctrl-C stops all."""
    server = _use_sandbox(args.size, args.seed, args.port)
    settings = load_settings()
    children: list[tuple[str, subprocess.Popen]] = []
    interrupted = False

    def terminated(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # a SIGTERM to this process alone stops the children too (the finally below)

    signal.signal(signal.SIGTERM, terminated)
    try:
        secret_file = settings.data_dir / "intake" / "dev-secret"
        secret = dev_secret(secret_file)
        twilio = json.loads(settings.sandbox_credentials_file.read_text()).get("twilio") or {}
        env = {
            **os.environ,
            # the venv's tools (dbt for the code location, dagster) even when it is not activated
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
            "JOURNEY_INTAKE_SECRET": secret,
            "JOURNEY_TWILIO_AUTH_TOKEN": twilio.get("auth_token", ""),
            "JOURNEY_INTAKE_STORE": settings.intake_store,
        }
        proc, intake_url = _start_intake(args.intake_port, env, settings.data_dir / "intake" / "dev-port")
        children.append(("the intake", proc))
        env["JOURNEY_INTAKE_PUBLIC_URL"] = os.environ["JOURNEY_INTAKE_PUBLIC_URL"] = intake_url
        print(f"dev: intake at {intake_url}, signing secret {secret} (kept in {secret_file})")
        children.append(
            ("the responder", subprocess.Popen([sys.executable, "-m", "journey_assets.cli", "respond"], env=env))
        )
        print("dev: responder (journey respond) following the intake's store")
        command = [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-p", str(args.ui_port)]
        print(f"dev: starting the Dagster UI and daemon at http://127.0.0.1:{args.ui_port} (Ctrl-C stops everything)")
        children.append(("the Dagster UI", subprocess.Popen(command, env=env)))
        while all(proc.poll() is None for _, proc in children):
            time.sleep(0.5)
        gone = next(name for name, proc in children if proc.poll() is not None)
        print(f"dev: {gone} exited; stopping the rest", file=sys.stderr, flush=True)
        return 1
    except RuntimeError as exc:  # the intake did not start (its own message is above): a reason, not a traceback
        print(f"dev: {exc}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:
        # The terminal sent Ctrl-C to every child as well: let each shut down (dagster dev its webserver and daemon).
        print("\ndev: stopping the Dagster UI, the responder, the intake and the sandbox...", flush=True)
        interrupted = True
        return 0
    finally:
        try:
            _stop_all(children, interrupted)
        except KeyboardInterrupt:
            for _, proc in children:
                proc.kill()
        server.stop()
        print("dev: stopped", flush=True)


def intake(args: argparse.Namespace) -> int:
    from journey_assets.intake.server import IntakeStartError, serve
    from journey_assets.intake.settings import IntakeSettings

    try:
        serve(
            args.host,
            args.port,
            IntakeSettings.from_env(),
            workers=args.workers,
            events=not args.no_events,
            port_file=args.port_file,
        )
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

    p = commands.add_parser("dev", help="the local stack: sandbox, intake, responder, Dagster UI and daemon")
    world_arguments(p)
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--intake-port", type=int, default=8080)
    p.add_argument("--ui-port", type=int, default=3000)
    p.set_defaults(func=dev)

    p = commands.add_parser("intake", help="serve the webhook intake (FastAPI under uvicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--workers", type=int, default=1, help="server processes sharing the port (at most one per core)")
    p.add_argument("--no-events", action="store_true", help="serve only the Twilio and Meta webhooks (no secret)")
    p.add_argument("--port-file", help="write the bound port here once listening (with --port 0)")
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
