"""`journey demo`: the whole history of the sandbox world into the local warehouse, then dbt, with a timing per stage.

The first demo of a world loads its whole history: one run of every ingest
asset over the full partition window (a partition-range run, as a Dagster
backfill with `BackfillPolicy.single_run()` launches it), in which CRM and DMS
load everything since the beginning. Later demos of the same world run the
nightly load of one day, the world's last. dbt then builds every model and
runs its tests in a run of its own.

Customer.io's reporting webhooks reach the warehouse through the intake's event
store, which no ingest run fills: before the history run, the demo serves the
real intake in this process for a moment (on the store the local settings name)
and the sandbox's Customer.io fake posts the world's email history to it, signed
(decision 1151). A later demo sends nothing again; the store has it.

The terminal gets one line per stage; everything the runs log (Dagster's
events, dbt's output, warnings) goes to `data/logs/demo.log`, and the runs
are in the Dagster instance for the UI when DAGSTER_HOME is set (`make demo`).
"""

from __future__ import annotations

import contextlib
import os
import resource
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from journey_assets.defs.ops.schedules import NIGHTLY_SELECTION
from journey_assets.settings import Settings

# The tags Dagster's backfills put on a run that covers a range of partitions.
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
DEMO_TAG = "journey/demo"  # history | nightly | dbt
WORLD_TAG = "journey/world"  # <size>-<seed>-<last day>: the world a run loaded


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (dbt): on a shared machine, wall time alone misleads."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class StageTimes:
    """Wall and CPU seconds per stage, in the order they ran."""

    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started, cpu = time.perf_counter(), _cpu_seconds()
        try:
            yield
        finally:
            self.seconds[name] = time.perf_counter() - started
            self.cpu_seconds[name] = _cpu_seconds() - cpu

    def merged(self, other: StageTimes) -> StageTimes:
        return StageTimes({**self.seconds, **other.seconds}, {**self.cpu_seconds, **other.cpu_seconds})

    def table(self, excluded: tuple[str, ...] = ()) -> str:
        lines = ["", f"{'stage':<44} {'seconds':>8} {'cpu s':>8}"]
        lines += [f"{name:<44} {s:>8.1f} {self.cpu_seconds.get(name, 0):>8.1f}" for name, s in self.seconds.items()]
        counted = [name for name in self.seconds if name not in excluded]
        note = " (world excluded)" if excluded else ""
        wall, cpu = sum(self.seconds[n] for n in counted), sum(self.cpu_seconds.get(n, 0) for n in counted)
        lines.append(f"{'total' + note:<44} {wall:>8.1f} {cpu:>8.1f}")
        return "\n".join(lines)


@dataclass(frozen=True)
class DemoResult:
    plan: str  # "history" or "nightly"
    run_ids: dict[str, str]
    times: StageTimes


class DemoRunFailed(RuntimeError):
    """A demo run failed; the message names the failing steps and where the full log is."""


def world_id(world) -> str:
    return f"{world.size}-{world.seed}-{world.as_of.isoformat()}"


def demo_plan(instance: dg.DagsterInstance, world: str) -> str:
    """ "history" until a demo has loaded this world's whole history (a successful history run), then "nightly"."""
    runs = instance.get_runs(
        filters=dg.RunsFilter(tags={DEMO_TAG: "history", WORLD_TAG: world}, statuses=[dg.DagsterRunStatus.SUCCESS]),
        limit=1,
    )
    return "nightly" if runs else "history"


def split_selection(defs: dg.Definitions) -> tuple[list[dg.AssetKey], list[dg.AssetKey]]:
    """The nightly job's assets: (daily-partitioned ingest, unpartitioned dbt and the rest)."""
    graph = defs.resolve_asset_graph()
    # the nightly job's own selection, so the Monday report (mail, Slack, Wrike tasks) is not sent by a demo
    nightly = NIGHTLY_SELECTION.resolve(graph)
    keys = sorted((k for k in nightly if graph.get(k).is_materializable), key=str)
    partitioned = [k for k in keys if graph.get(k).partitions_def is not None]
    return partitioned, [k for k in keys if graph.get(k).partitions_def is None]


@contextlib.contextmanager
def _into_log(log_path: Path) -> Iterator[None]:
    """Everything a run prints (Dagster's console logger, dbt's output, warnings) goes to the log file."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        yield


def _failure_summary(result: dg.ExecuteInProcessResult) -> str:
    """Each distinct error once, with the steps that failed on it."""
    steps_by_error: dict[str, list[str]] = {}
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE and event.step_key:
            error = event.step_failure_data.error
            message = error.message.strip().splitlines()[0] if error and error.message else "failed"
            steps_by_error.setdefault(message, []).append(event.step_key)
    return "; ".join(f"{', '.join(steps)}: {error}" for error, steps in steps_by_error.items()) or "the run failed"


def _step_seconds(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, float]]:
    stats = instance.get_run_step_stats(run_id)
    return [(s.step_key, (s.end_time or s.start_time or 0) - (s.start_time or 0)) for s in stats if s.start_time]


def run_demo(
    settings: Settings,
    server,
    *,
    instance: dg.DagsterInstance,
    say: Callable[[str], None] = print,
    log_path: Path | None = None,
    history_days: int | None = None,
    weekly_report: bool = False,
) -> DemoResult:
    """Load the served world into the local warehouse (history on the first run, else one day), then run dbt.

    `history_days` cuts the history run to the calendar's first days (tests); by default it covers them all.
    `weekly_report` then runs the Monday `weekly_report` job too (`make demo` does: the report's mail reaches the
    sandbox's sink and its Slack fake, and the analyst answers through the chat fake).
    """
    log_path = log_path or settings.data_dir / "logs" / "demo.log"
    times = StageTimes()
    world = server.world
    this_world = world_id(world)
    with times.stage("load the definitions"), warnings.catch_warnings():
        # Dagster's preview/beta notices about our own definitions; they say nothing about this run.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        warnings.simplefilter("ignore", dg.BetaWarning)
        from journey_assets.definitions import build_definitions
        from journey_assets.defs.partitions import daily_partitions

        defs = build_definitions(settings)
        nightly = defs.resolve_job_def("nightly")
    calendar = daily_partitions.get_partition_keys()
    first, last = calendar[0], calendar[-1]
    if last != world.as_of.isoformat():
        raise DemoRunFailed(
            f"the daily partitions end on {last} but the sandbox serves {world.describe()};"
            " JOURNEY_WORLD_LAST_DAY or JOURNEY_PARTITIONS_START disagree with the world"
        )
    ingest, transform = split_selection(defs)
    plan = demo_plan(instance, this_world)
    if plan == "history":
        _fresh_warehouse(settings.duckdb_path, say)
    run_ids: dict[str, str] = {}

    def run(stage: str, kind: str, selection: list[dg.AssetKey], **partition) -> None:
        tags = {DEMO_TAG: kind, WORLD_TAG: this_world, **partition.pop("tags", {})}
        with times.stage(stage), _into_log(log_path):
            result = nightly.execute_in_process(
                instance=instance,
                asset_selection=selection,
                tags=tags,
                run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
                raise_on_error=False,
                **partition,
            )
        run_ids[kind] = result.run_id
        if not result.success:
            raise DemoRunFailed(f"{stage} failed: {_failure_summary(result)} (full log: {log_path})")
        steps = _step_seconds(instance, result.run_id)
        say(f"demo: {stage}: {len(selection)} assets in {times.seconds[stage]:.1f}s")
        for step, seconds in steps if kind != "dbt" else ():
            say(f"        {step:<40} {seconds:>6.1f}s")

    if plan == "history":
        stage = "Customer.io's email history to the intake"
        with times.stage(stage), _into_log(log_path):
            sent = _email_history_to_intake(settings, world)
        stored = sent.accepted - sent.duplicates
        say(f"demo: {stage}: {stored} webhooks stored ({sent.duplicates} already) in {times.seconds[stage]:.1f}s")
        if sent.refused:
            raise DemoRunFailed(f"{stage}: the intake refused some (status: count) {sent.refused}")
        until = calendar[: history_days or len(calendar)][-1]
        days = history_days or len(calendar)
        say(f"demo: first load of this world: its whole history, {days} daily partitions {first} .. {until} in one run")
        say("      (CRM and DMS load everything before the first partition with it)")
        run(
            f"ingest the history ({first} .. {until})",
            "history",
            ingest,
            tags={RANGE_START_TAG: first, RANGE_END_TAG: until},
        )
    else:
        say(f"demo: this world's history is loaded; the nightly load of its last day, {last}")
        run(f"ingest one day ({last})", "nightly", ingest, partition_key=last)
    run("dbt build (models and tests)", "dbt", transform, partition_key=last)
    if weekly_report:
        stage = "the weekly report and the analyst"
        with times.stage(stage), _into_log(log_path):
            result = defs.resolve_job_def("weekly_report").execute_in_process(
                instance=instance, tags={DEMO_TAG: "report", WORLD_TAG: this_world}, raise_on_error=False
            )
        run_ids["report"] = result.run_id
        if not result.success:
            raise DemoRunFailed(f"{stage} failed: {_failure_summary(result)} (full log: {log_path})")
        say(f"demo: {stage}: {times.seconds[stage]:.1f}s (mail in the sandbox's sink, the post in its Slack fake)")
    return DemoResult(plan, run_ids, times)


def _email_history_to_intake(settings: Settings, world):
    """The sandbox world's email history posted by its Customer.io fake to the real intake, served here on the
    local event store for as long as it takes (the raw asset reads that store)."""
    from journey_assets.intake.server import run_in_thread
    from journey_assets.intake.settings import IntakeSettings
    from journey_assets.sandbox.fakes.customerio_reporting import send_history, signing_key

    key = signing_key()
    running = run_in_thread(IntakeSettings(store=settings.intake_store, customerio_signing_key=key))
    try:
        return send_history(world, running.url + "/customerio/reporting", key)
    finally:
        running.stop()


def _fresh_warehouse(duckdb_path: Path, say: Callable[[str], None]) -> None:
    """A first load starts from an empty warehouse: what an earlier world (or a half-done load) left is dropped."""
    stale = [p for p in (duckdb_path, duckdb_path.with_name(duckdb_path.name + ".wal")) if p.exists()]
    if stale:
        say(f"demo: starting a fresh warehouse at {duckdb_path} (the first load of this world)")
    for path in stale:
        os.remove(path)


def _shown(path: Path) -> str:
    """A path as the user would type it: relative inside the current directory, else absolute."""
    path = Path(path).resolve()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def next_steps(settings: Settings, ui_port: int = 3000) -> str:
    db = _shown(settings.duckdb_path)
    log = _shown(settings.data_dir / "logs" / "demo.log")
    query = f"import duckdb; duckdb.connect('{db}', read_only=True).sql('show all tables').show()"
    return "\n".join(
        [
            "",
            "next:",
            f"  make dev     the Dagster UI at http://127.0.0.1:{ui_port} (assets, runs, checks), the sandbox beside it",
            f"  open the warehouse read-only (not while a run writes it): duckdb -readonly {db}",
            f'    or without the DuckDB CLI: .venv/bin/python -c "{query}"',
            f"  the weekly report (also mailed to the sandbox's sink): {_shown(settings.report_dir)}",
            f"  everything the runs logged: {log}",
        ]
    )


def instance_for_demo() -> dg.DagsterInstance:
    """The instance under DAGSTER_HOME (`make demo` sets it, so the UI shows the runs), else a throwaway one."""
    return dg.DagsterInstance.get() if os.getenv("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
