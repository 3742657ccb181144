"""Record-level quality gates: split a batch into loadable rows and rejected ones, each with its reason.

Nothing is dropped silently: a rejected record keeps its whole payload (as
JSON) and every reason it failed, so whoever reads the quarantine table can
fix the source and reload.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

Problems = Callable[[Mapping[str, Any]], list[str]]


def missing_fields(record: Mapping[str, Any], required: Sequence[str]) -> list[str]:
    return [
        f"required field {name!r} is missing"
        for name in required
        if record.get(name) is None or (isinstance(record.get(name), str) and not record[name].strip())
    ]


def split_records(
    records: Iterable[Mapping[str, Any]], problems: Problems, *, key: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(accepted records, rejections); a rejection is {record_key, reason, payload}."""
    accepted: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for record in records:
        found = problems(record)
        if found:
            rejected.append(
                {
                    "record_key": None if record.get(key) is None else str(record.get(key)),
                    "reason": "; ".join(found),
                    "payload": json.dumps(dict(record), default=str, sort_keys=True),
                }
            )
        else:
            accepted.append(dict(record))
    return accepted, rejected


def split_repeats(
    records: Iterable[Mapping[str, Any]], *, key: str, what: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Keep the first record per key; each repeat becomes a rejection, never a silent drop."""
    seen: set[Any] = set()
    kept: list[dict[str, Any]] = []
    repeats: list[dict[str, Any]] = []
    for record in records:
        if record.get(key) in seen:
            repeats.append(
                {
                    "record_key": str(record.get(key)),
                    "reason": f"{what} appears more than once in the same batch",
                    "payload": json.dumps(dict(record), default=str, sort_keys=True),
                }
            )
        else:
            seen.add(record.get(key))
            kept.append(dict(record))
    return kept, repeats
