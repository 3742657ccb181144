"""The weekly report's pieces: its week, anomalies, and the HTML (sections, left-out reasons, escaping)."""

from __future__ import annotations

import base64
from datetime import date, timedelta

import pandas as pd
import pytest
from support.report_inputs import SPIKE_DAY, WEEK, sample_inputs

from journey_assets.reports.anomalies import find_anomalies
from journey_assets.reports.inputs import ReportWeek
from journey_assets.reports.render import render_all


@pytest.mark.parametrize(
    ("as_of", "start"),
    [
        (date(2026, 12, 1), date(2026, 11, 23)),  # a Tuesday: the week that ended on Sunday
        (date(2026, 11, 29), date(2026, 11, 23)),  # the Sunday itself: its week is complete
        (date(2026, 11, 30), date(2026, 11, 23)),  # Monday morning's run
    ],
)
def test_the_report_covers_the_last_complete_monday_to_sunday_week(as_of, start):
    week = ReportWeek.last_complete(as_of)
    assert (week.start, week.end) == (start, start + timedelta(days=6))
    assert week.start.weekday() == 0
    assert week.previous.end == week.start - timedelta(days=1)


def test_a_day_far_outside_its_recent_range_is_an_anomaly_and_ordinary_days_are_not():
    found = sample_inputs().anomalies
    assert list(zip(found["dealer_id"], found["date_day"], found["metric"], strict=True)) == [
        ("D02", SPIKE_DAY, "leads")
    ]
    row = found.iloc[0]
    assert row["value"] == 60 and row["low"] < row["expected"] < row["high"] < 60


def test_a_metric_without_enough_history_has_no_range_to_leave():
    daily = pd.DataFrame(
        [("D01", WEEK.start - timedelta(days=n), "leads", 10.0) for n in range(1, 5)]
        + [("D01", WEEK.start, "leads", 500.0)],
        columns=["dealer_id", "date_day", "metric", "value"],
    )
    assert find_anomalies(daily, first_day=WEEK.start, last_day=WEEK.end).empty


@pytest.fixture(scope="module")
def reports():
    return render_all(sample_inputs(with_channels=False), "Sample Group")


def test_one_report_for_the_group_and_one_per_rooftop(reports):
    assert [r.scope for r in reports] == ["group", "D01", "D02"]
    assert reports[2].title.startswith("Weekly report: Eastgate Honda & Co, Nov 23 - Nov 29, 2026")
    # a vendor-supplied name is escaped in the page
    assert "Eastgate Honda &amp; Co" in reports[2].html and "Honda & Co" not in reports[2].html


def test_each_chart_is_embedded_as_a_png_and_a_missing_section_says_why(reports):
    group = reports[0]
    assert set(group.charts) == {"funnel", "speed_to_lead", "segments", "messages", "api_health"}
    for png in group.charts.values():
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert base64.b64encode(png).decode()[:200] in group.html
    assert "Left out: attribution is not built yet." in group.html
    assert group.key_chart == group.charts["funnel"]


def test_a_rooftops_report_holds_only_its_own_figures(reports):
    d01, d02 = reports[1], reports[2]
    assert "2026-11-26" in d02.html and "2026-11-26" not in d01.html  # D02's anomaly
    headlines = {h.label: h.value for h in d02.headlines}
    assert headlines["Answered within 5 minutes"].endswith("of 40 leads")
    assert headlines["Leads"].startswith("125 ")
