"""Everything the weekly report (and the analyst) reads from the warehouse, in one place.

`read_report_inputs` is the only code that knows table names: the charts,
the HTML and the analyst take a `ReportInputs` of plain frames. Each section
prefers the mart built for it (the KPI and attribution marts of issue 12)
and falls back to what the warehouse already has (CRM staging for speed to
lead and daily leads, the ads staging models for spend); a section with no
source at all is empty and named in `left_out` with the reason, which the
report prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from journey_assets.reports.anomalies import find_anomalies
from journey_assets.warehouse import Warehouse

ANOMALY_HISTORY_DAYS = 28  # the "recent range" a day of the report week is compared with


@dataclass(frozen=True)
class ReportWeek:
    """A Monday-to-Sunday week."""

    start: date
    end: date

    @classmethod
    def last_complete(cls, as_of: date) -> ReportWeek:
        """The latest Monday-Sunday week that ends on or before `as_of` (the warehouse's last loaded day)."""
        end = as_of - timedelta(days=(as_of.weekday() + 1) % 7)
        return cls(end - timedelta(days=6), end)

    @property
    def previous(self) -> ReportWeek:
        return ReportWeek(self.start - timedelta(days=7), self.end - timedelta(days=7))

    @property
    def label(self) -> str:
        return f"{self.start:%b %-d} - {self.end:%b %-d, %Y}"

    def sql_range(self, column: str) -> str:
        return f"cast({column} as date) between date '{self.start}' and date '{self.end}'"


@dataclass
class ReportInputs:
    week: ReportWeek
    rooftops: pd.DataFrame  # dealer_id, name
    funnel: pd.DataFrame  # dealer_id, stage, customers (customers in each stage at the week's end)
    speed_to_lead: pd.DataFrame  # dealer_id, lead_id, seconds (leads that arrived in the week and were answered)
    channel_performance: pd.DataFrame  # dealer_id, channel, model, spend, leads, sales, revenue (credited)
    segments: pd.DataFrame  # dealer_id, segment, customers_now, customers_before (retention and behavioral)
    messages: pd.DataFrame  # dealer_id, channel, sent, delivered, bounced
    api_health: pd.DataFrame  # vendor, calls, errors
    daily_kpis: pd.DataFrame  # dealer_id, date_day, metric, value (the week and its recent history)
    anomalies: pd.DataFrame  # dealer_id, date_day, metric, value, expected, low, high
    left_out: dict[str, str] = field(default_factory=dict)  # section -> why it is empty
    sources: dict[str, str] = field(default_factory=dict)  # section -> the table it came from

    def for_dealer(self, dealer_id: str) -> ReportInputs:
        """The same inputs narrowed to one rooftop (API health is the group's, shared)."""

        def narrow(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["dealer_id"] == dealer_id] if "dealer_id" in frame.columns else frame

        return ReportInputs(
            week=self.week,
            rooftops=narrow(self.rooftops),
            funnel=narrow(self.funnel),
            speed_to_lead=narrow(self.speed_to_lead),
            channel_performance=narrow(self.channel_performance),
            segments=narrow(self.segments),
            messages=narrow(self.messages),
            api_health=self.api_health,
            daily_kpis=narrow(self.daily_kpis),
            anomalies=narrow(self.anomalies),
            left_out=dict(self.left_out),
            sources=dict(self.sources),
        )


def _empty(*columns: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


class _Reader:
    def __init__(self, warehouse: Warehouse, week: ReportWeek):
        self.warehouse, self.week = warehouse, week
        self.left_out: dict[str, str] = {}
        self.sources: dict[str, str] = {}
        self._tables: dict[str, bool] = {}

    def has(self, qualified: str) -> bool:
        if qualified not in self._tables:
            schema, table = qualified.split(".", 1)
            self._tables[qualified] = self.warehouse.has_table(schema, table)
        return self._tables[qualified]

    def section(
        self,
        name: str,
        choices: list[tuple[tuple[str, ...], Callable[[], pd.DataFrame]]],
        empty: pd.DataFrame,
        missing: str,
    ) -> pd.DataFrame:
        """The first choice whose tables all exist and hold rows for the week; otherwise `empty`, with the reason.

        An empty mart falls through to the next choice: fct_speed_to_lead, say, is built everywhere but has rows
        only where the response plane answers leads, and the CRM's own first-response times are better than none.
        """
        built: list[str] = []
        for tables, read in choices:
            if all(self.has(t) for t in tables):
                built.append(", ".join(tables))
                frame = read()
                if len(frame):
                    self.sources[name] = built[-1]
                    return frame
        self.left_out[name] = f"no rows this week in {' or '.join(built)}" if built else missing
        return empty


def read_report_inputs(warehouse: Warehouse, week: ReportWeek) -> ReportInputs:
    r = _Reader(warehouse, week)
    q = warehouse.query
    this, before = week, week.previous
    history_start = week.start - timedelta(days=ANOMALY_HISTORY_DAYS)

    rooftops = r.section(
        "rooftops",
        [(("staging.stg_dealer__rooftops",), lambda: q(_ROOFTOPS))],
        _empty("dealer_id", "name"),
        "no rooftop table (staging.stg_dealer__rooftops)",
    )
    funnel = r.section(
        "funnel",
        [
            (
                ("marts.fct_customer_journey_stages",),
                lambda: q(
                    "select dealer_id, stage, count(distinct customer_key) as customers"
                    " from marts.fct_customer_journey_stages"
                    f" where entered_on <= date '{this.end}' and (exited_on is null or exited_on > date '{this.end}')"
                    " group by dealer_id, stage"
                ),
            )
        ],
        _empty("dealer_id", "stage", "customers"),
        "the journey stages mart (marts.fct_customer_journey_stages) is not built",
    )
    speed_to_lead = r.section(
        "speed_to_lead",
        [
            (
                ("marts.fct_speed_to_lead",),
                lambda: q(
                    "select dealer_id, event_id as lead_id, cast(seconds_to_first_response as double) as seconds"
                    f" from marts.fct_speed_to_lead where is_answered and {this.sql_range('received_on')}"
                ),
            ),
            (("staging.stg_crm__leads", "staging.stg_crm__activities"), lambda: q(_crm_speed_to_lead(this))),
        ],
        _empty("dealer_id", "lead_id", "seconds"),
        "no lead and first-response times in the warehouse",
    )
    channel_performance = r.section(
        "channel_performance",
        [(("marts.channel_performance",), lambda: q(_channel_performance(this)))],
        _empty("dealer_id", "channel", "model", "spend", "leads", "sales", "revenue"),
        "attribution (marts.channel_performance, issue 12's ad reporting) is not built yet",
    )
    segments = r.section(
        "segments",
        [(("marts.fct_customer_segments",), lambda: q(_segment_change(before)))],
        _empty("dealer_id", "segment", "customers_now", "customers_before"),
        "the segments mart (marts.fct_customer_segments) is not built",
    )
    messages = r.section(
        "messages",
        [(("marts.journey_kpis_daily",), lambda: q(_messages(this)))],
        _empty("dealer_id", "channel", "sent", "delivered", "bounced"),
        "message delivery per channel (marts.journey_kpis_daily, issue 12's KPIs) is not built yet",
    )
    api_health = r.section(
        "api_health",
        [(("marts.fct_vendor_api_daily",), lambda: q(_api_health(this)))],
        _empty("vendor", "calls", "errors"),
        "the connectors' call record (marts.fct_vendor_api_daily, issue 12's KPIs) is not built yet",
    )
    daily_kpis = r.section(
        "daily_kpis",
        [
            (("marts.journey_kpis_daily",), lambda: q(_daily_kpis(history_start, this.end))),
            (("staging.stg_crm__leads",), lambda: q(_daily_leads_and_spend(r, history_start, this.end))),
        ],
        _empty("dealer_id", "date_day", "metric", "value"),
        "no daily leads to compare days with",
    )
    anomalies = find_anomalies(daily_kpis, first_day=this.start, last_day=this.end)
    return ReportInputs(
        week=week,
        rooftops=rooftops,
        funnel=funnel,
        speed_to_lead=speed_to_lead,
        channel_performance=channel_performance,
        segments=segments,
        messages=messages,
        api_health=api_health,
        daily_kpis=daily_kpis,
        anomalies=anomalies,
        left_out=r.left_out,
        sources=r.sources,
    )


_ROOFTOPS = "select distinct dealer_id, name from staging.stg_dealer__rooftops order by dealer_id"


def _crm_speed_to_lead(week: ReportWeek) -> str:
    """A lead's first logged CRM activity after it arrived (the response ledger's own times come with
    marts.fct_speed_to_lead)."""
    return f"""
        select l.dealer_id, l.crm_lead_id as lead_id,
               min(date_diff('second', l.created_at, a.occurred_at)) * 1.0 as seconds
        from staging.stg_crm__leads l
        join staging.stg_crm__activities a
          on a.crm_lead_id = l.crm_lead_id and a.occurred_at >= l.created_at
        where {week.sql_range("l.created_at")}
        group by l.dealer_id, l.crm_lead_id
    """


def _channel_performance(week: ReportWeek) -> str:
    return f"""
        select dealer_id, channel, model, sum(spend) as spend, sum(leads) as leads, sum(sales) as sales,
               sum(revenue) as revenue
        from marts.channel_performance
        where {week.sql_range("date_day")}
        group by dealer_id, channel, model
    """


def _segment_change(before: ReportWeek) -> str:
    """Members of each retention and behavioral segment at the end of this week and of the week before.

    The mart holds current memberships with the day each began (`since`), so "before" counts today's
    members who had joined by then: people who left during the week are not in it. A null `since`
    (service_never) counts in both weeks. Demographic and preference segments do not move weekly.
    """
    return f"""
        select dealer_id, segment,
               count(distinct customer_key) as customers_now,
               count(distinct case when since is null or since <= date '{before.end}' then customer_key end)
                   as customers_before
        from marts.fct_customer_segments
        where segment_family in ('retention', 'behavioral')
        group by dealer_id, segment
    """


def _messages(week: ReportWeek) -> str:
    """SMS counts back from the KPI mart's daily rates (email delivery is not in it: sends only)."""
    return f"""
        select dealer_id, 'sms' as channel, sum(sms_sent) as sent,
               sum(sms_sent * coalesce(sms_delivery_rate, 0)) as delivered,
               sum(sms_sent * coalesce(sms_bounce_rate, 0)) as bounced
        from marts.journey_kpis_daily
        where {week.sql_range("date_day")}
        group by dealer_id
    """


def _api_health(week: ReportWeek) -> str:
    return f"""
        select vendor, sum(calls) as calls, sum(transient_error_calls + permanent_error_calls) as errors
        from marts.fct_vendor_api_daily
        where {week.sql_range("date_day")}
        group by vendor
    """


# The KPI mart's columns the anomaly check watches, as (column, metric name in the report and the analyst).
DAILY_KPI_COLUMNS = (
    ("leads", "leads"),
    ("speed_to_lead_p50_seconds", "speed_to_lead_median_seconds"),
    ("sms_delivery_rate", "sms_delivery_rate"),
    ("api_error_rate", "api_error_rate"),
    ("quarantined_share", "quarantined_share"),
)


def _daily_kpis(first: date, last: date) -> str:
    parts = [
        f"select dealer_id, date_day, '{metric}' as metric, cast({column} as double) as value"
        f" from marts.journey_kpis_daily where date_day between date '{first}' and date '{last}'"
        f" and {column} is not null"
        for column, metric in DAILY_KPI_COLUMNS
    ]
    return "\n union all ".join(parts)


def _daily_leads_and_spend(r: _Reader, first: date, last: date) -> str:
    parts = [
        "select dealer_id, cast(created_at as date) as date_day, 'leads' as metric, count(*) * 1.0 as value"
        " from staging.stg_crm__leads"
        f" where cast(created_at as date) between date '{first}' and date '{last}' group by 1, 2"
    ]
    for table in ("staging.stg_google_ads__campaign_stats", "staging.stg_meta__ad_insights"):
        if r.has(table):
            parts.append(
                "select dealer_id, date_day, 'ad_spend' as metric, sum(spend) * 1.0 as value"
                f" from {table} where date_day between date '{first}' and date '{last}' group by 1, 2"
            )
    union = "\n union all ".join(parts)
    return f"select dealer_id, date_day, metric, sum(value) as value from ({union}) group by 1, 2, 3"
