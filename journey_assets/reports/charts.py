"""The report's charts: Altair specs rendered to PNG by vl-convert (no browser, no server).

Each function answers None when its section has no rows, so the report shows
the reason instead of an empty frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import vl_convert

SPEED_TO_LEAD_TARGET_SECONDS = 300  # the 5-minute mark the sales floor is held to
WIDTH = 520
PNG_SCALE = 2  # crisp on high-density screens and in mail clients that scale down
# The journey's stages in funnel order (marts.fct_customer_journey_stages); any other name follows, sorted.
STAGE_ORDER = ("awareness", "consideration", "intent", "conversion", "retention")
COMPARED_MODELS = ("last_non_direct", "data_driven")  # the two attribution models side by side, when present


def to_png(chart: alt.TopLevelMixin) -> bytes:
    return vl_convert.vegalite_to_png(chart.to_json(), scale=PNG_SCALE)


def _ordered_stages(stages: Sequence[str]) -> list[str]:
    known = [s for s in STAGE_ORDER if s in set(stages)]
    return known + sorted(set(stages) - set(known))


def funnel_chart(funnel: pd.DataFrame, title: str) -> alt.Chart | None:
    if funnel.empty:
        return None
    totals = funnel.groupby("stage", as_index=False)["customers"].sum()
    return (
        alt.Chart(totals, title=title)
        .mark_bar(color="#1f77b4")
        .encode(
            y=alt.Y("stage:N", sort=_ordered_stages(totals["stage"].tolist()), title=None),
            x=alt.X("customers:Q", title="customers in the stage at the week's end"),
            tooltip=["stage", "customers"],
        )
        .properties(width=WIDTH, height=24 * len(totals))
    )


def speed_to_lead_chart(speed: pd.DataFrame, title: str) -> alt.LayerChart | None:
    if speed.empty:
        return None
    minutes = pd.DataFrame({"minutes": speed["seconds"].astype(float).clip(lower=0) / 60})
    within = float((speed["seconds"].astype(float) <= SPEED_TO_LEAD_TARGET_SECONDS).mean())
    bars = (
        alt.Chart(minutes)
        .mark_bar(color="#2ca02c")
        .encode(
            x=alt.X("minutes:Q", bin=alt.Bin(maxbins=30), title="minutes from arrival to first response"),
            y=alt.Y("count():Q", title="leads"),
        )
    )
    mark = pd.DataFrame({"minutes": [SPEED_TO_LEAD_TARGET_SECONDS / 60]})
    rule = alt.Chart(mark).mark_rule(color="#d62728", strokeWidth=2).encode(x="minutes:Q")
    return alt.layer(bars, rule, title=f"{title}: {within:.0%} answered within 5 minutes").properties(width=WIDTH)


def channel_chart(performance: pd.DataFrame, title: str) -> alt.HConcatChart | None:
    if performance.empty:
        return None
    models = [m for m in COMPARED_MODELS if m in set(performance["model"])] or sorted(set(performance["model"]))[:2]
    frame = (
        performance[performance["model"].isin(models)]
        .groupby(["channel", "model"], as_index=False)[["spend", "leads", "sales", "revenue"]]
        .sum()
    )
    frame["cost_per_lead"] = frame["spend"] / frame["leads"].where(frame["leads"] > 0)
    frame["roas"] = frame["revenue"] / frame["spend"].where(frame["spend"] > 0)

    def panel(column: str, label: str) -> alt.Chart:
        return (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                x=alt.X("channel:N", title=None),
                xOffset="model:N",
                y=alt.Y(f"{column}:Q", title=label),
                color=alt.Color("model:N", title="attribution model"),
                tooltip=["channel", "model", alt.Tooltip(f"{column}:Q", format=",.2f")],
            )
            .properties(width=170, height=180)
        )

    return alt.hconcat(
        panel("spend", "spend"), panel("cost_per_lead", "cost per lead"), panel("roas", "ROAS"), title=title
    )


def segments_chart(segments: pd.DataFrame, title: str) -> alt.Chart | None:
    if segments.empty:
        return None
    totals = segments.groupby("segment", as_index=False)[["customers_now", "customers_before"]].sum()
    long = totals.melt(id_vars="segment", var_name="when", value_name="customers")
    long["when"] = long["when"].map({"customers_now": "this week", "customers_before": "a week earlier"})
    return (
        alt.Chart(long, title=title)
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", title=None, sort="-x"),
            yOffset="when:N",
            x=alt.X("customers:Q"),
            color=alt.Color("when:N", title=None, sort=["a week earlier", "this week"]),
            tooltip=["segment", "when", "customers"],
        )
        .properties(width=WIDTH, height=30 * len(totals))
    )


def rate_chart(frame: pd.DataFrame, category: str, numerator: str, denominator: str, label: str, title: str):
    """One bar per `category`: numerator / denominator as a share."""
    if frame.empty:
        return None
    totals = frame.groupby(category, as_index=False)[[numerator, denominator]].sum()
    totals["rate"] = totals[numerator] / totals[denominator].where(totals[denominator] > 0)
    return (
        alt.Chart(totals, title=title)
        .mark_bar(color="#9467bd")
        .encode(
            y=alt.Y(f"{category}:N", title=None),
            x=alt.X("rate:Q", title=label, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            tooltip=[category, alt.Tooltip("rate:Q", format=".1%"), numerator, denominator],
        )
        .properties(width=WIDTH, height=26 * len(totals))
    )
