"""The week's figures for the analyst, compact: small CSV tables under `## name` headings, and the vocabulary.

Only aggregates per rooftop reach the model (counts, rates, money): no
customer, lead or person appears. The vocabulary (metrics, segments,
channels, rooftops, action kinds) is what the answer is checked against.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from journey_assets.analyst.answer import ACTION_KINDS
from journey_assets.reports.inputs import ReportInputs

SPEED_TARGET_SECONDS = 300
MAX_ANOMALIES = 15
BASE_CHANNELS = ("email", "sms", "google_ads", "meta", "organic_social", "phone", "website")


@dataclass(frozen=True)
class Vocabulary:
    metrics: frozenset[str]
    segments: frozenset[str]
    channels: frozenset[str]
    dealers: frozenset[str]
    anomalies: frozenset[tuple[str, str, str]]  # (dealer_id, date_day, metric)


@dataclass(frozen=True)
class Facts:
    week: str
    previous_week: str
    text: str
    vocabulary: Vocabulary


def _table(name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return f"## {name}\n{out.getvalue()}"


def _number(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    as_float = float(value)  # type: ignore[arg-type]
    return (
        f"{as_float:.0f}" if as_float.is_integer() else f"{as_float:.3g}" if abs(as_float) < 10 else f"{as_float:.1f}"
    )


def _kpi_rows(inputs: ReportInputs) -> list[tuple[str, str, float | None, float | None]]:
    """(dealer_id, metric, this week, week before)."""
    rows: list[tuple[str, str, float | None, float | None]] = []
    daily = inputs.daily_kpis
    if not daily.empty:
        days = pd.to_datetime(daily["date_day"]).dt.date
        this = daily[days.between(inputs.week.start, inputs.week.end)].groupby(["dealer_id", "metric"])["value"].sum()
        prior = daily[days.between(inputs.week.previous.start, inputs.week.previous.end)]
        before = prior.groupby(["dealer_id", "metric"])["value"].sum()
        for key in sorted(set(this.index) | set(before.index)):
            rows.append((key[0], key[1], this.get(key), before.get(key)))
    speed = inputs.speed_to_lead
    if not speed.empty:
        for dealer_id, group in speed.groupby("dealer_id"):
            seconds = group["seconds"].astype(float)
            rows.append((str(dealer_id), "speed_to_lead_median_seconds", float(seconds.median()), None))
            rows.append(
                (str(dealer_id), "answered_within_5_min_share", float((seconds <= SPEED_TARGET_SECONDS).mean()), None)
            )
    messages = inputs.messages
    if not messages.empty:
        for (dealer_id, channel), group in messages.groupby(["dealer_id", "channel"]):
            sent = float(group["sent"].sum())
            if sent:
                rows.append((str(dealer_id), f"delivery_rate_{channel}", float(group["delivered"].sum()) / sent, None))
    return rows


def build_facts(inputs: ReportInputs) -> Facts:
    sections = []
    kpis = _kpi_rows(inputs)
    sections.append(
        _table(
            "kpis",
            ("dealer_id", "metric", "this_week", "week_before"),
            ((d, m, _number(a), _number(b)) for d, m, a, b in kpis),
        )
    )
    metrics = {m for _, m, _, _ in kpis}
    anomalies = inputs.anomalies.head(MAX_ANOMALIES)
    sections.append(
        _table(
            "anomalies",
            ("dealer_id", "date_day", "metric", "value", "expected", "low", "high"),
            (
                (
                    r.dealer_id,
                    str(r.date_day),
                    r.metric,
                    _number(r.value),
                    _number(r.expected),
                    _number(r.low),
                    _number(r.high),
                )
                for r in anomalies.itertuples(index=False)
            ),
        )
    )
    metrics |= set(anomalies["metric"])
    segments = inputs.segments
    if not segments.empty:
        sections.append(
            _table(
                "segments",
                ("dealer_id", "segment", "customers_now", "customers_week_before"),
                (
                    (r.dealer_id, r.segment, _number(r.customers_now), _number(r.customers_before))
                    for r in segments.sort_values(["dealer_id", "segment"]).itertuples(index=False)
                ),
            )
        )
        metrics.add("segment_size")
    performance = inputs.channel_performance
    if not performance.empty:
        grouped = performance.groupby(["dealer_id", "channel", "model"], as_index=False)[
            ["spend", "leads", "sales", "revenue"]
        ].sum()
        sections.append(
            _table(
                "channel_performance",
                ("dealer_id", "channel", "model", "spend", "leads", "sales", "cost_per_lead", "roas"),
                (
                    (
                        r.dealer_id,
                        r.channel,
                        r.model,
                        _number(r.spend),
                        _number(r.leads),
                        _number(r.sales),
                        _number(r.spend / r.leads) if r.leads else "",
                        _number(r.revenue / r.spend) if r.spend else "",
                    )
                    for r in grouped.itertuples(index=False)
                ),
            )
        )
        metrics |= {"spend", "cost_per_lead", "cost_per_sale", "roas"}
    if not inputs.funnel.empty:
        sections.append(
            _table(
                "funnel",
                ("dealer_id", "stage", "customers"),
                (
                    (r.dealer_id, r.stage, _number(r.customers))
                    for r in inputs.funnel.sort_values(["dealer_id", "stage"]).itertuples(index=False)
                ),
            )
        )
        metrics.add("stage_customers")
    channels = set(BASE_CHANNELS) | set(performance["channel"]) | set(inputs.messages["channel"])
    dealers = set(inputs.rooftops["dealer_id"]) | {d for d, _, _, _ in kpis}
    vocabulary = Vocabulary(
        metrics=frozenset(metrics),
        segments=frozenset(segments["segment"]),
        channels=frozenset(str(c) for c in channels),
        dealers=frozenset(str(d) for d in dealers),
        anomalies=frozenset(
            (str(r.dealer_id), str(r.date_day), str(r.metric)) for r in anomalies.itertuples(index=False)
        ),
    )
    listing = "\n".join(
        f"{name}: {', '.join(sorted(values))}"
        for name, values in (
            ("metrics", vocabulary.metrics),
            ("segments", vocabulary.segments),
            ("channels", vocabulary.channels),
            ("rooftops", vocabulary.dealers),
            ("action_kinds", ACTION_KINDS),
        )
    )
    text = f"## vocabulary\n{listing}\n\n" + "\n".join(sections)
    week, previous = inputs.week, inputs.week.previous
    return Facts(
        week=f"{week.start}..{week.end}",
        previous_week=f"{previous.start}..{previous.end}",
        text=text,
        vocabulary=vocabulary,
    )
