"""The sandbox's HTTP framework: vendor fakes on loopback, fault injection, a request record.

One `SandboxServer` serves every fake at `/<vendor>/...` on one loopback port,
so a vendor's base URL in the local environment is
`http://127.0.0.1:<port>/<vendor>`. A fake is a `FakeVendor` subclass in
`sandbox/fakes/` whose methods carry `@route(METHOD, regex)`; the server finds
them by scanning that package, so adding a vendor touches no shared file.

Faults are switched on per vendor (and optionally per path) through
`server.inject(...)` in-process or `POST /_sandbox/faults` from outside:

* `rate_limit`: 429 with `Retry-After`
* `server_error`: 503 (or the given status)
* `timeout`: sleeps `delay` seconds before answering normally
* `drop`: closes the connection without an answer
* `malformed`: 200 with a body that is not JSON
* `partial`: handled by the fake itself (`request.fault == "partial"`), which
  answers the vendor's documented partial-failure shape

Every request received is committed to a SQLite file (WAL) with its vendor,
method, path, query, body, status and fault, credentials removed, so tests and
the demo can show exactly what would have been sent to a vendor.
"""

from __future__ import annotations

import contextlib
import errno
import inspect
import json
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FAULT_KINDS = ("rate_limit", "server_error", "timeout", "drop", "malformed", "partial")
REDACTED_HEADERS = {
    "authorization",
    "x-api-key",
    "x-goog-api-key",
    "developer-token",
    "cookie",
    "x-twilio-signature",
    "x-mc-auth",
    "x-hub-signature-256",
}


@dataclass
class SandboxRequest:
    vendor: str
    method: str
    path: str  # path below the vendor prefix, e.g. "/dealers/D01/inventory"
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # named groups of the route
    fault: str | None = None

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass
class SandboxResponse:
    status: int = 200
    body: Any = None  # dict/list -> JSON; str/bytes sent as is
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body, default=str).encode()


def route(method: str, pattern: str) -> Callable:
    """Mark a FakeVendor method as the handler for METHOD on a path regex (named groups become params)."""

    def mark(fn: Callable) -> Callable:
        fn.__sandbox_route__ = (method.upper(), re.compile(f"^{pattern}$"))
        return fn

    return mark


class FakeVendor:
    """One vendor's documented API, served from the synthetic world."""

    name: str = ""  # URL prefix and record key

    def __init__(self, world: Any):
        self.world = world
        self.routes = [
            (*fn.__sandbox_route__, fn)
            for _, fn in inspect.getmembers(self, predicate=inspect.ismethod)
            if hasattr(fn, "__sandbox_route__")
        ]

    def dispatch(self, request: SandboxRequest) -> SandboxResponse:
        allowed = []
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if not match:
                continue
            if method != request.method:
                allowed.append(method)
                continue
            request.params = match.groupdict()
            result = handler(request)
            return result if isinstance(result, SandboxResponse) else SandboxResponse(body=result)
        if allowed:
            return SandboxResponse(405, {"error": {"message": f"method {request.method} not allowed"}})
        return SandboxResponse(404, {"error": {"message": f"no such resource {request.path}"}})


@dataclass
class Fault:
    vendor: str
    kind: str
    times: int = 1  # how many requests it hits; -1 = until cleared
    path: str | None = None  # regex on the path below the vendor prefix
    method: str | None = None  # only requests of this HTTP method (a create, not the list on the same path)
    retry_after: float = 1
    status: int = 503
    delay: float = 5.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")


class RequestLog:
    """The durable record of every request the sandbox received."""

    def __init__(self, path: Path | str):
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            """CREATE TABLE IF NOT EXISTS requests (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                received_at REAL NOT NULL,
                vendor TEXT NOT NULL,
                method TEXT NOT NULL,
                path TEXT NOT NULL,
                query TEXT NOT NULL,
                headers TEXT NOT NULL,
                body TEXT,
                status INTEGER,
                fault TEXT
            )"""
        )

    def record(self, request: SandboxRequest) -> int:
        """Commit the request as it arrives (a slow or dropped answer is still on record)."""
        headers = {k: ("<redacted>" if k.lower() in REDACTED_HEADERS else v) for k, v in request.headers.items()}
        with self._lock:
            cursor = self._conn.execute(
                "INSERT INTO requests (received_at, vendor, method, path, query, headers, body, fault)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time(),
                    request.vendor,
                    request.method,
                    request.path,
                    json.dumps(request.query),
                    json.dumps(headers),
                    request.body.decode("utf-8", "replace"),
                    request.fault,
                ),
            )
            return int(cursor.lastrowid)

    def answered(self, row_id: int, status: int | None) -> None:
        with self._lock:
            self._conn.execute("UPDATE requests SET status = ? WHERE id = ?", (status, row_id))

    def rows(self, vendor: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM requests" + (" WHERE vendor = ?" if vendor else "") + " ORDER BY id"
        with self._lock:
            cursor = self._conn.execute(sql, (vendor,) if vendor else ())
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def discover_fakes() -> list[type[FakeVendor]]:
    import importlib
    import pkgutil

    from journey_assets.sandbox import fakes

    found: list[type[FakeVendor]] = []
    for info in pkgutil.iter_modules(fakes.__path__):
        module = importlib.import_module(f"{fakes.__name__}.{info.name}")
        for obj in vars(module).values():
            is_fake = inspect.isclass(obj) and issubclass(obj, FakeVendor) and obj is not FakeVendor and obj.name
            if is_fake and obj.__module__ == module.__name__:
                found.append(obj)
    return found


class SandboxPortInUse(OSError):
    """The sandbox's port is taken (often by `make dev`, which runs a sandbox of its own)."""

    def __init__(self, host: str, port: int):
        super().__init__(
            errno.EADDRINUSE,
            f"{host}:{port} is already in use: `make dev` (which starts a sandbox of its own), another "
            "`make sandbox` or another program is listening there. Stop it, or choose another port with --port.",
        )

    def __str__(self) -> str:
        return str(self.strerror)


class SandboxServer:
    """Serves every discovered fake on one loopback port from one world."""

    def __init__(self, world: Any, *, host: str = "127.0.0.1", port: int = 0, record_path: Path | str):
        try:  # bound first, so a busy port fails before anything else is opened
            self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise SandboxPortInUse(host, port) from None
            raise
        self._httpd.daemon_threads = True
        self.world = world
        self.fakes: dict[str, FakeVendor] = {cls.name: cls(world) for cls in discover_fakes()}
        self.log = RequestLog(record_path)
        self._faults: list[Fault] = []
        self._fault_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.companions: dict[str, Any] = {}  # other local services started with the sandbox (the mail sink)

    def attach(self, name: str, companion: Any) -> None:
        """Keep a started service with `stop()` (the SMTP sink) beside the fakes; it stops with the sandbox."""
        self.companions[name] = companion

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def vendor_url(self, vendor: str) -> str:
        return f"{self.url}/{vendor}"

    # --- faults -----------------------------------------------------------
    def inject(self, vendor: str, kind: str, **options: Any) -> Fault:
        fault = Fault(vendor=vendor, kind=kind, **options)
        with self._fault_lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._fault_lock:
            self._faults.clear()

    def _take_fault(self, vendor: str, path: str, method: str = "") -> Fault | None:
        with self._fault_lock:
            for fault in self._faults:
                if (
                    fault.vendor == vendor
                    and (fault.path is None or re.search(fault.path, path))
                    and (fault.method is None or fault.method.upper() == method.upper())
                ):
                    if fault.times > 0:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    # --- lifecycle --------------------------------------------------------
    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        for companion in self.companions.values():
            companion.stop()
        self._httpd.shutdown()
        self._httpd.server_close()
        self.log.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- HTTP -------------------------------------------------------------
    def _control(self, request: SandboxRequest) -> SandboxResponse:
        if request.path == "/health":
            return SandboxResponse(body={"status": "ok", "vendors": sorted(self.fakes)})
        if request.path == "/faults" and request.method == "POST":
            try:
                fault = self.inject(**request.json())
            except (TypeError, ValueError) as exc:
                return SandboxResponse(400, {"error": str(exc)})
            return SandboxResponse(201, fault.__dict__)
        if request.path == "/faults" and request.method == "DELETE":
            self.clear_faults()
            return SandboxResponse(204, b"")
        if request.path == "/requests" and request.method == "GET":
            return SandboxResponse(body=self.log.rows(request.arg("vendor")))
        return SandboxResponse(404, {"error": "unknown sandbox control path"})

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[SandboxResponse | None, Fault | None]:
        parts = urlsplit(raw_path)
        vendor, _, rest = parts.path.lstrip("/").partition("/")
        request = SandboxRequest(
            vendor=vendor,
            method=method,
            path="/" + rest,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=headers,
            body=body,
        )
        if vendor == "_sandbox":
            return self._control(request), None
        fake = self.fakes.get(vendor)
        if fake is None:
            return SandboxResponse(404, {"error": f"no sandbox vendor {vendor!r}"}), None
        fault = self._take_fault(vendor, request.path, method)
        request.fault = fault.kind if fault else None
        row_id = self.log.record(request)
        response: SandboxResponse | None
        if fault and fault.kind == "rate_limit":
            response = SandboxResponse(
                429,
                {"error": {"message": "rate limit exceeded"}},
                {"Retry-After": str(max(0, round(fault.retry_after)))},
            )
        elif fault and fault.kind == "server_error":
            response = SandboxResponse(fault.status, {"error": {"message": "sandbox injected server error"}})
        elif fault and fault.kind == "malformed":
            response = SandboxResponse(200, b'{"truncated": [', content_type="application/json")
        elif fault and fault.kind == "drop":
            response = None
        else:
            if fault and fault.kind == "timeout":
                time.sleep(fault.delay)
            try:
                response = fake.dispatch(request)
            except Exception as exc:  # a bug in a fake must show up as a 500, not a hung client
                response = SandboxResponse(500, {"error": {"message": f"sandbox fake failed: {exc!r}"}})
        self.log.answered(row_id, response.status if response else None)
        return response, fault

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Small JSON answers on keep-alive connections: without this, Nagle's
            # algorithm and delayed ACKs add ~40 ms to every request.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # quiet: the request log is the record
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                response, _ = server.handle(self.command, self.path, dict(self.headers.items()), body)
                if response is None:  # injected dropped connection
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload = response.encoded()
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (an injected timeout); nothing left to tell it

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        return Handler
