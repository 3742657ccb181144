"""CRM ingest over the real CRM client and fake: a day's changes, reading stops after the day, bad rows quarantined."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.marketing_world import FAST, new_requests

from journey_assets.connectors.crm import CRMClient
from journey_assets.connectors.http import MalformedResponseError
from journey_assets.sources.crm import _stamp, activity_problems, lead_problems, lead_row, within_day

DAY = date(2026, 11, 20)
SINCE = datetime(2026, 11, 20, tzinfo=UTC)


def client(server) -> CRMClient:
    return CRMClient(server.vendor_url("crm"), "sandbox-crm-token", timeout=2.0, retry=FAST)


def test_a_days_lead_changes_and_no_page_beyond(fresh_sandbox):
    leads = list(within_day(client(fresh_sandbox).iter_leads(SINCE, per_page=1), "updated_at", DAY))
    assert [lead["id"] for lead in leads] == ["L004", "L006", "L001", "L002"]  # oldest change first
    # L005 (11-22) and L003 (11-21) are never asked for: reading stopped at the first page after the day.
    assert len(new_requests(fresh_sandbox, "crm")) == 5


def test_lead_rows_are_checked():
    loaded_at = datetime(2026, 11, 21, 3, tzinfo=UTC)
    good = lead_row(
        {
            "id": "L1",
            "dealer_id": "D01",
            "status": "new",
            "updated_at": "2026-11-20T10:00:00Z",
            "created_at": "2026-11-19T10:00:00Z",
        },
        loaded_at,
    )
    assert good["updated_date"] == DAY and lead_problems(good, DAY) == []
    no_status = lead_row({"id": "L2", "dealer_id": "D01", "updated_at": "2026-11-20T10:00:00Z"}, loaded_at)
    assert lead_problems(no_status, DAY) == ["required field 'status' is missing"]
    garbled = lead_row({"id": "L3", "dealer_id": "D01", "status": "new", "updated_at": "last tuesday"}, loaded_at)
    assert "updated_at 'last tuesday' is not an ISO-8601 timestamp" in lead_problems(garbled, DAY)
    early = {
        "activity_id": "A1",
        "dealer_id": "D01",
        "activity_type": "call",
        "occurred_at": "2026-11-19T23:00:00Z",
        "occurred_date": date(2026, 11, 19),
    }
    assert activity_problems(early, DAY) == ["occurred_date 2026-11-19 is outside the requested day 2026-11-20"]


def test_a_malformed_page_fails_the_read(fresh_sandbox):
    fresh_sandbox.inject("crm", "malformed", times=1)
    with pytest.raises(MalformedResponseError):
        list(within_day(client(fresh_sandbox).iter_activities(SINCE), "occurred_at", DAY))


def _pandas_reading(value: str):
    """What the CRM source read a timestamp as before its standard-library fast path: pandas, in UTC."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


@given(
    when=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 12, 31)),
    separator=st.sampled_from(["T", " "]),
    digits=st.sampled_from([0, 3, 6]),
    zone=st.sampled_from(["", "Z", "+00:00", "-05:00", "+05:30", "+14:00"]),
)
def test_timestamps_read_as_pandas_reads_them(when, separator, digits, zone):
    text = when.isoformat(separator, timespec="seconds") + (f".{when.microsecond:06d}"[: digits + 1] if digits else "")
    text += zone
    assert _stamp(text) == _pandas_reading(text)
    assert _stamp(text).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text", ["2026-11-20T24:00:00Z", "2026-11-20T10:00:00.123456789Z", "20261120T100000", "Nov 20 2026"]
)
def test_other_spellings_are_left_to_pandas(text):
    try:
        expected = _pandas_reading(text)
    except ValueError:
        expected = None
    if expected is not None and pd.isna(expected):
        expected = None
    assert _stamp(text) == expected
