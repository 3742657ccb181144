"""A hand-built week of report inputs: two rooftops, every section filled, one planted anomaly."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from journey_assets.reports.anomalies import find_anomalies
from journey_assets.reports.inputs import ReportInputs, ReportWeek

WEEK = ReportWeek(date(2026, 11, 23), date(2026, 11, 29))
SPIKE_DAY = date(2026, 11, 26)  # D02's leads jump to 60 on a Thursday (usually about 10)


def sample_inputs(*, with_channels: bool = True) -> ReportInputs:
    rng = np.random.default_rng(3)
    days = [WEEK.start - timedelta(days=28) + timedelta(days=n) for n in range(35)]
    daily = []
    for dealer_id in ("D01", "D02"):
        for day in days:
            leads = float(rng.integers(8, 13))
            if dealer_id == "D02" and day == SPIKE_DAY:
                leads = 60.0
            daily.append((dealer_id, day, "leads", leads))
            daily.append((dealer_id, day, "ad_spend", float(rng.integers(180, 220))))
    daily_kpis = pd.DataFrame(daily, columns=["dealer_id", "date_day", "metric", "value"])
    speed = pd.DataFrame(
        [("D01", f"L{n}", float(s)) for n, s in enumerate(rng.gamma(2.0, 120.0, 40))]
        + [("D02", f"M{n}", float(s)) for n, s in enumerate(rng.gamma(2.0, 600.0, 40))],
        columns=["dealer_id", "lead_id", "seconds"],
    )
    channels = pd.DataFrame(
        [
            (d, channel, model, spend, leads, sales, revenue)
            for d in ("D01", "D02")
            for channel, spend in (("google_ads", 900.0), ("meta", 600.0), ("email", 0.0))
            for model, share in (("last_non_direct", 1.0), ("data_driven", 0.8))
            for leads, sales, revenue in [(30 * share, 3 * share, 90000.0 * share)]
        ],
        columns=["dealer_id", "channel", "model", "spend", "leads", "sales", "revenue"],
    )
    return ReportInputs(
        week=WEEK,
        rooftops=pd.DataFrame({"dealer_id": ["D01", "D02"], "name": ["Northside Toyota", "Eastgate Honda & Co"]}),
        funnel=pd.DataFrame(
            [(d, s, c) for d in ("D01", "D02") for s, c in (("prospect", 400), ("lead", 120), ("purchased", 30))],
            columns=["dealer_id", "stage", "customers"],
        ),
        speed_to_lead=speed,
        channel_performance=channels if with_channels else channels.iloc[0:0],
        segments=pd.DataFrame(
            [("D01", "service_due", 80, 70), ("D01", "lapsed_owner", 40, 42), ("D02", "service_due", 50, 65)],
            columns=["dealer_id", "segment", "customers_now", "customers_before"],
        ),
        messages=pd.DataFrame(
            [("D01", "email", 500, 480, 150, 30, 20), ("D02", "sms", 200, 190, 0, 12, 10)],
            columns=["dealer_id", "channel", "sent", "delivered", "opened", "clicked", "bounced"],
        ),
        api_health=pd.DataFrame({"vendor": ["twilio", "wrike"], "calls": [300, 40], "errors": [3, 4]}),
        daily_kpis=daily_kpis,
        anomalies=find_anomalies(daily_kpis, first_day=WEEK.start, last_day=WEEK.end),
        left_out={} if with_channels else {"channel_performance": "attribution is not built yet"},
    )
