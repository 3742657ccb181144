"""Days far outside their recent range: the report's "top anomalies" and the analyst's evidence.

A robust range (median +/- k * scaled MAD of the days before) rather than mean
and standard deviation, so one earlier spike does not widen the range enough to
hide the next. Pure: frames in, frame out.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

MIN_HISTORY_DAYS = 14  # fewer earlier days than this: no range to be outside of
MAD_MULTIPLIER = 3.5  # Iglewicz and Hoaglin's cut-off for the modified z-score
MAD_TO_SIGMA = 1.4826  # MAD * this estimates sigma for normal data
MIN_SPREAD = 1.0  # a metric flat in its history still needs to move by this much


def find_anomalies(daily: pd.DataFrame, *, first_day: date, last_day: date) -> pd.DataFrame:
    """Each day in [first_day, last_day] whose value is outside the range of the metric's earlier days.

    `daily`: dealer_id, date_day, metric, value. Answers dealer_id, date_day, metric, value, expected
    (the median), low, high, score (distance from the median in scaled MADs), largest first.
    """
    columns = ["dealer_id", "date_day", "metric", "value", "expected", "low", "high", "score"]
    if daily.empty:
        return pd.DataFrame(columns=columns)
    frame = daily.assign(date_day=pd.to_datetime(daily["date_day"]).dt.date)
    found = []
    for (dealer_id, metric), group in frame.groupby(["dealer_id", "metric"], sort=True):
        history = group[group["date_day"] < first_day]["value"].astype(float)
        if len(history) < MIN_HISTORY_DAYS:
            continue
        median = float(history.median())
        spread = max(float((history - median).abs().median()) * MAD_TO_SIGMA, MIN_SPREAD)
        low, high = median - MAD_MULTIPLIER * spread, median + MAD_MULTIPLIER * spread
        week = group[(group["date_day"] >= first_day) & (group["date_day"] <= last_day)]
        for row in week.itertuples(index=False):
            value = float(row.value)
            if value < low or value > high:
                found.append((dealer_id, row.date_day, metric, value, median, low, high, abs(value - median) / spread))
    return pd.DataFrame(found, columns=columns).sort_values("score", ascending=False, ignore_index=True)
