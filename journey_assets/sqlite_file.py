"""One way to open the real-time plane's SQLite files (the intake's event store, the response ledger).

Both are durable queues that other processes read while one writes: WAL (readers
never block the writer), `synchronous=FULL` (a committed write survives a power
cut, which is the promise behind the intake's 2xx), and a busy timeout so a
second process waits for the write lock instead of failing. Both must stay apart
from DuckDB files, which allow one writing process only. (sqlite.org/wal.html,
sqlite.org/pragma.html#pragma_synchronous)

The standard library's `sqlite3` is the library for this; what is shared here is
only the opening ritual, so the two files cannot drift apart in it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

DUCKDB_SUFFIXES = frozenset({".duckdb", ".ddb"})


def sqlite_path(path: str | Path, what: str) -> Path:
    """`path` as a Path whose folder exists; refuses a DuckDB file name (`what` names the file in the error)."""
    resolved = Path(path)
    if resolved.suffix.lower() in DUCKDB_SUFFIXES:
        raise ValueError(f"the {what} is a SQLite file; keep it apart from DuckDB files")
    resolved.parent.mkdir(parents=True, exist_ok=True)
    return resolved


def connect_durable(path: str | Path, *, busy_timeout_ms: int = 30_000) -> sqlite3.Connection:
    """An autocommit connection (transactions are begun explicitly) in WAL mode with synchronous=FULL.

    Switching to WAL may itself wait for another process, so the long busy timeout is set first and
    `busy_timeout_ms` after (0 for a writer that polls for the lock itself).
    """
    conn = sqlite3.connect(path, isolation_level=None, timeout=30.0, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    return conn


def sqlite_spec(spec: str | Path) -> str:
    """A path from a store spec; SQLAlchemy's `sqlite:///relative` and `sqlite:////absolute` are accepted."""
    return str(spec).removeprefix("sqlite:///")
