"""The CRM fake's JSON scalars: the fast paths for strings and UTC timestamps answer what the general path does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from journey_assets.sandbox.fakes.crm import _iso


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("L001", "L001"),
        ("", ""),
        (pd.Timestamp("2026-11-20 10:00:05", tz="UTC"), "2026-11-20T10:00:05Z"),
        (pd.Timestamp("2026-11-20 10:00:05.999", tz="UTC"), "2026-11-20T10:00:05Z"),
        (pd.Timestamp("2026-11-20 05:00:05", tz="America/New_York"), "2026-11-20T10:00:05Z"),
        (pd.Timestamp("2026-11-20 10:00:05"), "2026-11-20T10:00:05Z"),
        (datetime(2026, 11, 20, 12, 0, 5, tzinfo=timezone(timedelta(hours=2))), "2026-11-20T10:00:05Z"),
        (datetime(2026, 11, 20, 10, 0, 5, tzinfo=UTC), "2026-11-20T10:00:05Z"),
        (pd.NaT, None),
        (None, None),
        (np.nan, None),
        (np.int64(7), 7),
        (["a"], ["a"]),
    ],
)
def test_json_scalars(value, expected):
    out = _iso(value)
    assert out == expected
    assert type(out) is type(expected)


def test_a_frames_utc_times_take_the_fast_path_and_render_as_before():
    times = pd.to_datetime(pd.Series(["2026-11-20T10:00:05Z", "2026-11-20T12:00:05+02:00", None]), utc=True)
    rendered = [_iso(value) for value in times.tolist()]
    assert rendered == ["2026-11-20T10:00:05Z", "2026-11-20T10:00:05Z", None]
    assert times.iloc[0].tzinfo is UTC  # what the fake's tables hold (pd.to_datetime(..., utc=True))
