"""Running the intake: `serve()` for the CLI, a background thread for tests, a subprocess for
tests and the benchmark.

`serve(host, port, settings)` runs uvicorn (httptools + uvloop when installed)
with its access log off (it would print query strings, and Meta's verify token
travels in one), X-Forwarded-For trusted only from `settings.forwarded_allow_ips`,
and a graceful shutdown on SIGINT/SIGTERM that commits what is queued before
exit. `port=0` picks a free port; `port_file` receives the bound port (written
once the socket listens, so a client can connect as soon as it reads it).

It refuses to start (`IntakeStartError`, a message for the terminal) when the
port is already served, rather than sharing it: each worker used to bind its
own SO_REUSEPORT socket, so a second intake started on a busy port bound
without error and the kernel split the traffic between two stores. Now one
socket is bound, without SO_REUSEPORT, and shared by the workers, as gunicorn
does. It also refuses to start without JOURNEY_INTAKE_SECRET unless told to
serve the vendor webhooks only (`events=False`; see settings.py).
"""

from __future__ import annotations

import errno
import logging
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from journey_assets.intake.app import create_app
from journey_assets.intake.settings import IntakeConfigError, IntakeSettings
from journey_assets.intake.store import EventStore
from journey_assets.stop_signals import take_stop_signals

log = logging.getLogger("journey_assets.intake")

DEFAULT_PORT = 8080  # the port docs/respond.md and the respond resources assume locally


class IntakeStartError(Exception):
    """The intake cannot start; the message says why and what to do, for the terminal."""


class PortInUseError(IntakeStartError, OSError):
    def __init__(self, host: str, port: int):
        super().__init__(
            errno.EADDRINUSE,
            f"{host}:{port} is already in use: another intake, or another program, is listening there. "
            "Stop it first, or choose another port with --port.",
        )

    def __str__(self) -> str:
        return str(self.strerror)


def _listen(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """One listening socket. SO_REUSEADDR only (a restart need not wait out TIME_WAIT); never SO_REUSEPORT,
    which would let a second intake bind the same port and take part of the traffic."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(host, port) from None
        raise
    sock.set_inheritable(True)
    return sock


def _config(app, settings: IntakeSettings, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
        log_level=log_level,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=10,
        lifespan="on",
    )


def serve(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    settings: IntakeSettings | None = None,
    *,
    workers: int = 1,
    log_level: str = "info",
    port_file: str | Path | None = None,
    events: bool = True,
) -> None:
    """Run the intake until SIGINT/SIGTERM. Blocks.

    `workers > 1` runs that many server processes (one per core is the useful
    maximum: a process is bound by the GIL), each with its own SQLite writer on
    the same file; SQLite serializes their transactions, so dedupe and the
    commit order of `seq` hold across them. The workers share one listening
    socket and each connection goes to whichever accepts it first.

    Raises `IntakeStartError` before binding anything when the settings cannot
    serve (no JOURNEY_INTAKE_SECRET and `events` not switched off), and when
    the port is already in use.
    """
    take_stop_signals()  # uvicorn's handlers and the supervisor's cannot run if the parent blocked SIGTERM
    settings = settings or IntakeSettings.from_env()
    try:
        for warning in settings.check_can_serve(events=events):
            log.warning("%s", warning)
    except IntakeConfigError as exc:
        raise IntakeStartError(str(exc)) from None
    if workers <= 1:
        sock = _listen(host, port)
        _announce(host, sock.getsockname()[1], port_file)
        _run_worker(settings, sock, log_level)
        return
    _supervise(host, port, settings, workers, log_level, port_file)


def _announce(host: str, port: int, port_file: str | Path | None) -> None:
    if port_file is not None:
        tmp = Path(f"{port_file}.tmp")
        tmp.write_text(str(port))
        tmp.replace(port_file)
    log.info("intake listening on %s:%d", host, port)


def _run_worker(settings: IntakeSettings, sock: socket.socket, log_level: str, own_group: bool = False) -> None:
    server = uvicorn.Server(_config(create_app(settings), settings, log_level))
    host, port = sock.getsockname()[:2]
    # uvicorn's own logger: configured by uvicorn, so the line shows wherever uvicorn's do
    logging.getLogger("uvicorn.error").info("Dealer Journey intake on http://%s:%d (pid %d)", host, port, os.getpid())
    if own_group:
        # the supervisor forwards signals; a terminal's Ctrl-C must not reach us twice
        os.setpgrp()
        _exit_with_parent(server)
    server.run(sockets=[sock])


def _exit_with_parent(server: uvicorn.Server) -> None:
    """Shut a worker down gracefully if its supervisor dies (even by SIGKILL)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        server.should_exit = True

    threading.Thread(target=watch, name="intake-parent-watch", daemon=True).start()


def _supervise(
    host: str,
    port: int,
    settings: IntakeSettings,
    workers: int,
    log_level: str,
    port_file: str | Path | None,
) -> None:
    ctx = multiprocessing.get_context("spawn")
    sock = _listen(host, port)  # one socket for every worker (multiprocessing hands each a duplicate)
    bound = sock.getsockname()[1]
    procs = [
        ctx.Process(target=_run_worker, args=(settings, sock, log_level, True), name=f"intake-worker-{i}")
        for i in range(workers)
    ]
    for proc in procs:
        proc.start()
    sock.close()
    _announce(host, bound, port_file)
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping.is_set():
            if any(not proc.is_alive() for proc in procs):
                log.error("an intake worker exited; stopping the others")
                break
            stopping.wait(0.5)
    finally:
        for proc in procs:
            if proc.is_alive() and proc.pid is not None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    failed = [proc.exitcode for proc in procs if proc.exitcode not in (0, -signal.SIGTERM)]
    if failed and not stopping.is_set():
        raise SystemExit(1)


@dataclass
class RunningIntake:
    """An intake served from a background thread (tests, demos)."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread
    store: EventStore

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def run_in_thread(
    settings: IntakeSettings, *, store: EventStore | None = None, host: str = "127.0.0.1", log_level: str = "warning"
) -> RunningIntake:
    """Start the real app under uvicorn on a free loopback port in a daemon thread; returns once it accepts."""
    app = create_app(settings, store=store)
    sock = _listen(host, 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(_config(app, settings, log_level))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="intake-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the intake did not start")
        time.sleep(0.01)
    return RunningIntake(f"http://{host}:{port}", server, thread, app.state.store)


def start_subprocess(
    env: Mapping[str, str],
    *,
    workdir: str | Path,
    host: str = "127.0.0.1",
    workers: int = 1,
    log_level: str = "warning",
    timeout: float = 20.0,
    extra_args: list[str] | None = None,
) -> tuple[subprocess.Popen, str]:
    """Start `python -m journey_assets.intake` on a free port with `env` added; returns (process, base URL)."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    port_file = workdir / f"intake-port-{os.getpid()}-{time.monotonic_ns()}"
    cmd = [
        sys.executable,
        "-m",
        "journey_assets.intake",
        "--host",
        host,
        "--port",
        "0",
        "--port-file",
        str(port_file),
        "--log-level",
        log_level,
        "--workers",
        str(workers),
        *(extra_args or []),
    ]
    proc = subprocess.Popen(cmd, env={**os.environ, **env})
    deadline = time.monotonic() + timeout
    while not port_file.exists():
        if proc.poll() is not None:
            raise RuntimeError(f"the intake exited with {proc.returncode} before listening")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the intake did not start in time")
        time.sleep(0.02)
    port = int(port_file.read_text())
    port_file.unlink(missing_ok=True)
    return proc, f"http://{host}:{port}"
