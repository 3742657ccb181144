"""The weekly report and the analyst's answer and tasks, built on Monday morning for the week before.

`reports/weekly_report`: the group's and each rooftop's HTML report, written
under `report_settings.output_dir/<week start>/`, mailed (the group's report
in the body, every report attached) and announced in the marketing Slack
channel with a link to the asset. `reports/analyst_answer`: the analyst's
validated answer (or its rejection, kept in ops.analyst_rejections);
`reports/analyst_tasks`: the Wrike tasks its high-priority recommendations
became, and their Slack post. Not part of the nightly job.
"""

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd

from journey_assets.analyst.actions import task_requests
from journey_assets.analyst.answer import answer_schema
from journey_assets.analyst.facts import build_facts
from journey_assets.analyst.prompt import load_prompt
from journey_assets.analyst.run import AnalystOutcome, AnswerUnreadable, analyse, answer_json
from journey_assets.connectors import smtp_mail
from journey_assets.connectors.http import MalformedResponseError
from journey_assets.connectors.slack import escape_mrkdwn
from journey_assets.defs.ops.schedules import WAREHOUSE_TAGS
from journey_assets.defs.report.resources import (
    AnalystResource,
    ReportMailResource,
    ReportSettingsResource,
    ReportWarehouseResource,
)
from journey_assets.defs.respond.resources import SlackResource, WrikeResource
from journey_assets.reports.inputs import ReportInputs, ReportWeek, read_report_inputs
from journey_assets.reports.render import RenderedReport, render_all
from journey_assets.settings import load_settings

GROUP = "reports"
REPORT_KEY = dg.AssetKey(["reports", "weekly_report"])
ANSWER_KEY = dg.AssetKey(["reports", "analyst_answer"])
TASKS_KEY = dg.AssetKey(["reports", "analyst_tasks"])
# The marts the report reads today; issue 12's KPI and attribution marts join these when they land.
REPORT_DEPS = [
    dg.AssetKey(["marts", "fct_customer_journey_stages"]),
    dg.AssetKey(["marts", "fct_customer_segments"]),
    dg.AssetKey(["staging", "stg_crm__leads"]),
    dg.AssetKey(["staging", "stg_crm__activities"]),
]


def _week() -> ReportWeek:
    return ReportWeek.last_complete(load_settings().as_of_day())


def _inline_png(png: bytes, alt: str) -> str:
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"


def _mail(reports: list[RenderedReport], mail: ReportMailResource, url: str) -> int:
    group = reports[0]
    recipients = mail.recipient_list()
    if not recipients:
        return 0
    lines = "".join(f"<li>{h.label}: <b>{h.value}</b></li>" for h in group.headlines)
    html = (
        f"<h2>{group.title}</h2><ul>{lines}</ul>"
        + ('<img src="cid:{cid}" alt="key chart" width="640">' if group.key_chart else "")
        + f'<p>The full reports are attached (one per rooftop). <a href="{url}">Open in Dagster</a>.</p>'
    )
    text = group.title + "\n" + "\n".join(f"- {h.label}: {h.value}" for h in group.headlines)
    attachments = [smtp_mail.Attachment(r.file_name, r.html.encode(), "text", "html") for r in reports]
    message = smtp_mail.build_message(
        mail.sender, recipients, group.title, html, text=text, inline_png=group.key_chart, attachments=attachments
    )
    smtp_mail.send(mail.smtp(), message)
    return len(recipients)


def _slack_report(reports: list[RenderedReport], slack: SlackResource, url: str) -> None:
    group = reports[0]
    facts = "\n".join(f"• {escape_mrkdwn(h.label)}: *{escape_mrkdwn(h.value)}*" for h in group.headlines)
    section = f"*{escape_mrkdwn(group.title)}*\n{facts}\n<{url}|Open the reports> ({len(reports)} reports, also mailed)"
    slack.client().post(group.title, [{"type": "section", "text": {"type": "mrkdwn", "text": section[:3000]}}])


@dg.asset(
    key=REPORT_KEY,
    group_name=GROUP,
    deps=REPORT_DEPS,
    kinds={"html"},
    description="The weekly report per rooftop and for the group (HTML with charts), mailed and posted to Slack.",
)
def weekly_report(
    context: dg.AssetExecutionContext,
    report_warehouse: ReportWarehouseResource,
    report_settings: ReportSettingsResource,
    report_mail: ReportMailResource,
    report_slack: SlackResource,
) -> dg.MaterializeResult:
    week = _week()
    inputs = read_report_inputs(report_warehouse.warehouse(), week)
    reports = render_all(inputs, report_settings.group_name)
    folder = Path(report_settings.output_dir) / week.start.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    for report in reports:
        (folder / report.file_name).write_text(report.html)
    url = report_settings.asset_url(*REPORT_KEY.path)
    mailed = _mail(reports, report_mail, url)
    _slack_report(reports, report_slack, url)
    context.log.info("weekly report for %s: %d files in %s, mailed to %d", week.label, len(reports), folder, mailed)
    group = reports[0]
    metadata: dict[str, dg.RawMetadataValue] = {
        "week": week.label,
        "report": dg.MetadataValue.path(str(folder / group.file_name)),
        "reports": len(reports),
        "mailed_to": mailed,
        "left_out": dg.MetadataValue.json(inputs.left_out),
        "headlines": dg.MetadataValue.md("\n".join(f"- **{h.label}**: {h.value}" for h in group.headlines) or "-"),
    }
    if group.key_chart:
        metadata["key_chart"] = dg.MetadataValue.md(_inline_png(group.key_chart, "key chart"))
    return dg.MaterializeResult(metadata=metadata)


def _rejections_frame(outcome: AnalystOutcome, week: ReportWeek, model: str) -> pd.DataFrame:
    now = datetime.now(UTC).replace(tzinfo=None)
    return pd.DataFrame(
        [
            {
                "rejected_at": now,
                "week_start": week.start,
                "prompt_version": outcome.prompt_version,
                "model": model,
                "scope": r.scope,
                "reason": r.reason,
                "content": r.content,
            }
            for r in outcome.rejections
        ]
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ANSWER_KEY,
            deps=[REPORT_KEY],
            group_name=GROUP,
            kinds={"openai"},
            description="The AI analyst's validated answer for the week (insights, anomalies, recommendations).",
        ),
        dg.AssetSpec(
            TASKS_KEY,
            deps=[ANSWER_KEY],
            group_name=GROUP,
            kinds={"wrike", "slack"},
            description="Wrike tasks for the marketing manager from the answer's high-priority recommendations.",
        ),
    ],
)
def weekly_analyst(
    context: dg.AssetExecutionContext,
    report_warehouse: ReportWarehouseResource,
    report_settings: ReportSettingsResource,
    analyst: AnalystResource,
    report_wrike: WrikeResource,
    report_slack: SlackResource,
):
    week = _week()
    warehouse = report_warehouse.warehouse()
    inputs: ReportInputs = read_report_inputs(warehouse, week)
    facts, prompt, client, schema = build_facts(inputs), load_prompt(), analyst.client(), answer_schema()

    def complete(messages: list[dict[str, str]]) -> str:
        try:
            return client.complete(analyst.model, messages, json_schema=schema, schema_name="weekly_analysis").content
        except MalformedResponseError as exc:
            raise AnswerUnreadable(exc.message) from None

    outcome = analyse(complete, prompt, facts)
    if outcome.rejections:
        warehouse.append("ops", "analyst_rejections", _rejections_frame(outcome, week, analyst.model))
    rejected_md = "\n".join(f"- {r.scope}: {r.reason}" for r in outcome.rejections) or "none"
    common = {"week": week.label, "prompt_version": outcome.prompt_version, "model": analyst.model}
    if outcome.answer is None:
        context.log.warning("the analyst's answer was rejected: %s", outcome.rejections[0].reason)
        yield dg.MaterializeResult(
            asset_key=ANSWER_KEY,
            metadata={
                **common,
                "accepted": False,
                "attempts": outcome.attempts,
                "rejections": dg.MetadataValue.md(rejected_md),
            },
        )
        yield dg.MaterializeResult(asset_key=TASKS_KEY, metadata={"tasks": 0, "why": "no accepted answer"})
        return
    answer = outcome.answer
    folder = Path(report_settings.output_dir) / week.start.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "analyst-answer.json").write_text(
        json.dumps({**common, "answer": answer.model_dump()}, indent=2, default=str)
    )
    summary = "\n".join(
        [answer.summary, "", "**Insights**", *(f"- {i.headline}" for i in answer.insights)]
        + [
            "",
            "**Recommendations**",
            *(f"- [{r.priority}] {r.title} ({r.action_kind})" for r in answer.recommendations),
        ]
    )
    yield dg.MaterializeResult(
        asset_key=ANSWER_KEY,
        metadata={
            **common,
            "accepted": True,
            "attempts": outcome.attempts,
            "answer": dg.MetadataValue.md(summary),
            "answer_json": dg.MetadataValue.json(json.loads(answer_json(answer))),
            "rejections": dg.MetadataValue.md(rejected_md),
        },
    )
    requests = task_requests(answer, facts.week, outcome.prompt_version)
    folder_id = analyst.task_folder()
    made = []
    if requests and not folder_id:
        context.log.warning("%d high-priority recommendations, but no Wrike folder is configured", len(requests))
    elif requests:
        wrike = report_wrike.client()
        responsibles = [analyst.manager_wrike_id] if analyst.manager_wrike_id else None
        for request in requests:
            task, created = wrike.create_task_once(
                folder_id,
                request.title,
                request.key,
                description=request.description,
                importance="High",
                responsibles=responsibles,
            )
            made.append({"title": task.title, "task_id": task.id, "permalink": task.permalink, "created": created})
        lines = "\n".join(
            f"• <{m['permalink']}|{escape_mrkdwn(m['title'])}>" if m["permalink"] else f"• {escape_mrkdwn(m['title'])}"
            for m in made
        )
        text = f"The weekly analyst made {len(made)} high-priority task(s) for {week.label}"
        report_slack.client().post(
            text, [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape_mrkdwn(text)}*\n{lines}"[:3000]}}]
        )
    yield dg.MaterializeResult(
        asset_key=TASKS_KEY,
        metadata={
            "tasks": len(made),
            "created": sum(1 for m in made if m["created"]),
            "task_list": dg.MetadataValue.md("\n".join(f"- {m['title']} ({m['task_id']})" for m in made) or "none"),
        },
    )


weekly_report_job = dg.define_asset_job(
    "weekly_report",
    selection=dg.AssetSelection.groups(GROUP),
    tags=WAREHOUSE_TAGS,  # it appends the analyst's rejections to the warehouse
    description="The weekly report, mailed and posted, then the analyst's answer and tasks.",
)

# Monday 07:00 on the East Coast: before the week's first sales meeting at every US rooftop's morning.
weekly_report_schedule = dg.ScheduleDefinition(
    job=weekly_report_job, cron_schedule="0 7 * * 1", execution_timezone="America/New_York"
)
