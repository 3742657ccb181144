"""The weekly report as one self-contained HTML file per rooftop and one for the group.

Charts are PNGs embedded as base64 data URIs, so the file opens anywhere
(mail attachment, the Dagster UI's file link, a browser) with no server.
Jinja2 with autoescaping builds the page (names of dealers and campaigns come
from vendors).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd

from journey_assets.reports import charts
from journey_assets.reports.inputs import ReportInputs

TEMPLATES = Path(__file__).parent / "templates"
TOP_ANOMALIES = 10
KEY_CHART = "funnel"  # the chart the Dagster UI and the mail show inline
SECTION_TITLES = {
    "funnel": "Funnel by stage",
    "speed_to_lead": "Speed to lead",
    "channel_performance": "Spend, cost per lead and ROAS by channel, two attribution models",
    "segments": "Segment sizes and their change",
    "messages": "Message delivery",
    "api_health": "API health",
}

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
)


@dataclass(frozen=True)
class Headline:
    label: str
    value: str


@dataclass(frozen=True)
class RenderedReport:
    scope: str  # "group" or a dealer_id
    title: str
    html: str
    charts: dict[str, bytes] = field(default_factory=dict)  # section -> PNG
    headlines: tuple[Headline, ...] = ()

    @property
    def key_chart(self) -> bytes | None:
        return self.charts.get(KEY_CHART) or next(iter(self.charts.values()), None)

    @property
    def file_name(self) -> str:
        return f"weekly-report-{self.scope}.html"


def _charts(inputs: ReportInputs) -> dict[str, object]:
    return {
        "funnel": charts.funnel_chart(inputs.funnel, "Customers by journey stage"),
        "speed_to_lead": charts.speed_to_lead_chart(inputs.speed_to_lead, "Speed to lead"),
        "channel_performance": charts.channel_chart(inputs.channel_performance, "By channel"),
        "segments": charts.segments_chart(inputs.segments, "Customers per segment"),
        "messages": charts.rate_chart(
            inputs.messages, "channel", "delivered", "sent", "delivered / sent", "Delivery rate by channel"
        ),
        "api_health": charts.rate_chart(
            inputs.api_health, "vendor", "errors", "calls", "errors / calls", "Error rate by vendor"
        ),
    }


def headlines(inputs: ReportInputs) -> tuple[Headline, ...]:
    out = []
    daily = inputs.daily_kpis
    if not daily.empty:
        days = pd.to_datetime(daily["date_day"]).dt.date
        for metric, label, fmt in (("leads", "Leads", "{:,.0f}"), ("ad_spend", "Ad spend", "${:,.0f}")):
            this = daily[(daily["metric"] == metric) & days.between(inputs.week.start, inputs.week.end)]["value"]
            prior = daily[
                (daily["metric"] == metric) & days.between(inputs.week.previous.start, inputs.week.previous.end)
            ]["value"]
            if len(this) or len(prior):
                now, before = float(this.sum()), float(prior.sum())
                change = f" ({(now - before) / before:+.0%} on the week before)" if before else ""
                out.append(Headline(label, fmt.format(now) + change))
    speed = inputs.speed_to_lead
    if not speed.empty:
        seconds = speed["seconds"].astype(float)
        out.append(Headline("Median speed to lead", f"{seconds.median() / 60:.1f} min"))
        within = (seconds <= charts.SPEED_TO_LEAD_TARGET_SECONDS).mean()
        out.append(Headline("Answered within 5 minutes", f"{within:.0%} of {len(seconds):,} leads"))
    return tuple(out)


def render_report(inputs: ReportInputs, scope: str, scope_name: str) -> RenderedReport:
    pngs = {name: charts.to_png(chart) for name, chart in _charts(inputs).items() if chart is not None}
    sections = []
    for name, title in SECTION_TITLES.items():
        image = base64.b64encode(pngs[name]).decode() if name in pngs else None
        reason = None if image else inputs.left_out.get(name, "no rows for this week")
        sections.append({"name": name, "title": title, "image": image, "reason": reason})
    top = inputs.anomalies.head(TOP_ANOMALIES)
    anomalies = [
        {
            "dealer_id": row.dealer_id,
            "date_day": str(row.date_day),
            "metric": row.metric,
            "value": f"{row.value:,.1f}",
            "range": f"{row.low:,.1f} to {row.high:,.1f}",
        }
        for row in top.itertuples(index=False)
    ]
    tops = headlines(inputs)
    title = f"Weekly report: {scope_name}, {inputs.week.label}"
    html = _environment.get_template("weekly_report.html.j2").render(
        title=title,
        week=inputs.week,
        headlines=tops,
        sections=sections,
        anomalies=anomalies,
        anomalies_left_out=inputs.left_out.get("daily_kpis"),
        left_out=sorted(inputs.left_out.items()),
        sources=sorted(inputs.sources.items()),
    )
    return RenderedReport(scope=scope, title=title, html=html, charts=pngs, headlines=tops)


def render_all(inputs: ReportInputs, group_name: str = "the dealer group") -> list[RenderedReport]:
    """The group's report first, then one per rooftop."""
    reports = [render_report(inputs, "group", group_name)]
    names = dict(zip(inputs.rooftops["dealer_id"], inputs.rooftops["name"], strict=True))
    for dealer_id in sorted(names):
        reports.append(render_report(inputs.for_dealer(dealer_id), dealer_id, str(names[dealer_id])))
    return reports
