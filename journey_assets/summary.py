"""A short account of what the local warehouse holds, for the demo's last lines."""

from __future__ import annotations

from pathlib import Path

import duckdb

LAYERS = ("raw", "staging", "intermediate", "marts", "ops")


def warehouse_summary(duckdb_path: Path) -> str:
    with duckdb.connect(str(duckdb_path), read_only=True) as conn:
        tables = conn.execute(
            "select table_schema, table_name, table_type from information_schema.tables"
            " where table_schema in ? order by list_position(?, table_schema), table_name",
            [list(LAYERS), list(LAYERS)],
        ).fetchall()
        lines = [f"\nwarehouse {duckdb_path}", f"{'table':<52} {'kind':<6} {'rows':>10}"]
        for schema, name, kind in tables:
            rows = conn.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            lines.append(f"{schema + '.' + name:<52} {'view' if kind == 'VIEW' else 'table':<6} {rows:>10,}")
    return "\n".join(lines)
