"""The weekly report and analyst assets over the small world's warehouse, delivered to the sandbox.

A copy of the small warehouse's data dir (the analyst appends to ops.analyst_rejections), a running
sandbox with its mail sink, and the `weekly_report` job in process: the HTML files are written, the
mail reaches the SMTP sink with every report attached, Slack and Wrike receive the post and the tasks,
and a malformed answer ends in ops.analyst_rejections with its reason.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from journey_assets.analyst.answer import TASK_ACTIONS
from journey_assets.sandbox.mail_sink import read_mailbox
from journey_assets.sandbox.run import sandbox_mailbox, start_sandbox
from journey_assets.settings import load_settings

REPORT = dg.AssetKey(["reports", "weekly_report"])
ANSWER = dg.AssetKey(["reports", "analyst_answer"])
TASKS = dg.AssetKey(["reports", "analyst_tasks"])


@pytest.fixture(scope="module")
def delivered(small_warehouse, tmp_path_factory):
    data = tmp_path_factory.mktemp("report-data") / "data"
    shutil.copytree(small_warehouse.settings.data_dir, data, ignore=shutil.ignore_patterns("*.wal", "logs"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JOURNEY_ENV", "local")
        env.setenv("JOURNEY_DATA_DIR", str(data))
        env.setenv("JOURNEY_DUCKDB_PATH", str(data / "journey.duckdb"))
        server = start_sandbox(load_settings(), size="small", seed=7)
        env.setenv("JOURNEY_SANDBOX_URL", server.url)
        try:
            from journey_assets.definitions import build_definitions

            settings = load_settings()
            job = build_definitions(settings).resolve_job_def("weekly_report")
            with dg.DagsterInstance.ephemeral() as instance:
                first = job.execute_in_process(instance=instance)
                again = job.execute_in_process(instance=instance)  # a re-run must not duplicate tasks
                server.inject("chat_completions", "partial", times=2)  # the answer and its retry malformed
                rejected = job.execute_in_process(instance=instance, asset_selection=[ANSWER, TASKS])
                yield {
                    "settings": settings,
                    "server": server,
                    "runs": (first, again, rejected),
                    "metadata": [_metadata(run) for run in (first, again, rejected)],
                }
        finally:
            server.stop()


def _metadata(result) -> dict[dg.AssetKey, dict]:
    return {
        event.asset_key: event.step_materialization_data.materialization.metadata
        for event in result.all_events
        if event.event_type_value == "ASSET_MATERIALIZATION"
    }


def test_every_run_succeeds(delivered):
    assert [run.success for run in delivered["runs"]] == [True, True, True]


def test_the_reports_are_written_for_the_group_and_each_rooftop_and_linked_in_the_ui(delivered):
    meta = delivered["metadata"][0][REPORT]
    group = Path(meta["report"].value)
    files = sorted(p.name for p in group.parent.glob("weekly-report-*.html"))
    assert files == [
        "weekly-report-D01.html",
        "weekly-report-D02.html",
        "weekly-report-D03.html",
        "weekly-report-group.html",
    ]
    html = group.read_text()
    assert html.count('src="data:image/png;base64,') >= 3
    assert meta["key_chart"].value.startswith("![key chart](data:image/png;base64,iVBOR")
    # the small warehouse builds the attribution marts, so the section is there and not left out
    assert '<section id="channel_performance">' in html and "channel_performance" not in meta["left_out"].value


def test_the_mail_reaches_the_sandbox_sink_with_every_report_attached(delivered):
    mailbox = read_mailbox(sandbox_mailbox(delivered["settings"]))
    assert len(mailbox) == 2  # one per report run
    mail = mailbox[0]
    assert mail.recipients == ("marketing@dealer-journey.local",)
    assert mail.message["Subject"].startswith("Weekly report: the dealer group, ")
    attached = sorted(part.get_filename() for part in mail.message.iter_attachments())
    assert attached == [
        "weekly-report-D01.html",
        "weekly-report-D02.html",
        "weekly-report-D03.html",
        "weekly-report-group.html",
    ]
    inline = [p for p in mail.message.walk() if p.get_content_type() == "image/png" and p["Content-ID"]]
    assert len(inline) == 1 and inline[0].get_content().startswith(b"\x89PNG")
    html_body = mail.message.get_body(preferencelist=("html",)).get_content()
    assert f"cid:{inline[0]['Content-ID'].strip('<>')}" in html_body


def test_slack_gets_the_report_and_wrike_the_high_priority_tasks_once(delivered):
    server, first, again = delivered["server"], delivered["metadata"][0], delivered["metadata"][1]
    posts = server.fakes["slack"].messages
    assert sum(p["text"].startswith("Weekly report: the dealer group") for p in posts) == 2
    answer = first[ANSWER]["answer_json"].value
    wanted = [r for r in answer["recommendations"] if r["priority"] == "high" and r["action_kind"] in TASK_ACTIONS]
    assert wanted  # the small world's slow first responses make at least one
    assert first[TASKS]["tasks"].value == len(wanted) and first[TASKS]["created"].value == len(wanted)
    assert again[TASKS]["created"].value == 0  # found by its key, not made twice
    tasks = list(server.fakes["wrike"].tasks.values())
    assert len([t for t in tasks if t["title"].startswith("[")]) == len(wanted)
    assert sum(p["text"].startswith("The weekly analyst made") for p in posts) == 2


def test_the_answer_is_visible_with_its_prompt_version(delivered):
    meta = delivered["metadata"][0][ANSWER]
    assert meta["accepted"].value is True and meta["prompt_version"].value == "weekly-analyst/1"
    assert meta["answer"].value.startswith(meta["answer_json"].value["summary"])


def test_a_malformed_answer_is_rejected_with_its_reason_in_the_warehouse(delivered):
    meta = delivered["metadata"][2][ANSWER]
    assert meta["accepted"].value is False
    settings = delivered["settings"]
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as connection:
        rows = connection.execute(
            "select scope, reason, prompt_version, content from ops.analyst_rejections where scope = 'answer'"
        ).fetchall()
    assert len(rows) == 1
    scope, reason, version, content = rows[0]
    assert reason.startswith("invalid after a retry: ") and "recommendations: Field required" in reason
    assert version == "weekly-analyst/1" and json.loads(content)["insights"] == "see the report"
