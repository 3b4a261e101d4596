"""Scheduled captures: one `capture-source` deployment per configured source, plus the fixity
audit, served by Prefect (`archive schedule --config FILE`)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, serve, task
from prefect.cache_policies import NONE
from prefect.client.schemas.schedules import IntervalSchedule
from prefect.deployments import run_deployment
from prefect.schedules import Cron, Interval

from archive.children import end_with_marked_parent, mark_children_to_end_with_me
from archive.config import Config, Schedule, Source, load_config
from archive.runresult import RunResult
from archive.sources.discover import discover_urls
from archive.versions import VersionIndex, VersionPolicy
from archive.versions.run import due
from flows.audit import audit_fixity
from flows.capture import capture_articles
from flows.deployments import AUDIT, SOURCE

# Marks the run `archive schedule` asks for at start (see fire_first_slots).
FIRST_SLOT_TAG = "first-interval-slot"


@task(name="discover-urls", cache_policy=NONE, retries=2, retry_delay_seconds=10)
async def discover(source: Source, config: Config) -> list[str]:
    return await discover_urls(source, config.capture)


@flow(name="capture-source", log_prints=False)
async def capture_source(config_path: str, source: str) -> RunResult:
    """Capture what one configured source lists now; unchanged articles are skipped, and only
    articles due for a re-check (the source's ``versions`` policy) are fetched.

    Args:
        config_path: absolute path of the YAML configuration.
        source: name of a source in it (a URL list, feed or sitemap).
    """
    end_with_marked_parent()  # a run started by `archive schedule` ends when that command is killed
    config = load_config(Path(config_path))
    chosen = config.source(source)
    urls = due_urls(await discover(chosen, config), config.output, chosen)
    return await capture_articles(
        urls=urls, out_dir=str(config.output), settings=config.capture_for(chosen).to_json(), bag=dict(config.bag),
        incremental=True, versions={**chosen.versions, "source": chosen.name},
    )


def due_urls(urls: list[str], out: Path, source: Source) -> list[str]:
    """Discovered URLs minus those checked too recently or published too long ago."""
    policy = VersionPolicy.from_mapping(source.versions)
    if policy.recheck_every <= 0 and policy.recheck_for_days is None:
        return urls
    return due(urls, VersionIndex.in_folder(out), policy)


def _prefect_schedule(schedule: Schedule) -> Any:
    if schedule.interval is not None:
        return Interval(schedule.interval, timezone=schedule.timezone)
    assert schedule.cron is not None  # a Schedule holds exactly one of interval and cron
    return Cron(schedule.cron, timezone=schedule.timezone)


def deployments(config: Config) -> list[Any]:
    """A deployment per scheduled source (and for the audit), named after it."""
    assert config.path is not None
    path = str(Path(config.path).resolve())
    found = []
    for source in config.sources:
        if source.schedule is None:
            continue
        found.append(capture_source.to_deployment(
            name=source.name, parameters={"config_path": path, "source": source.name},
            schedules=[_prefect_schedule(source.schedule)],
            description=f"capture {source.kind} source {source.name}", tags=list(SOURCE.tags),
        ))
    if config.audit is not None and config.audit.schedule is not None:
        found.append(audit_fixity.to_deployment(
            name="fixity-audit",
            parameters=audit_parameters(config),
            schedules=[_prefect_schedule(config.audit.schedule)],
            description="re-validate every bag under the output folder", tags=list(AUDIT.tags),
        ))
    return found


def audit_parameters(config: Config) -> dict[str, Any]:
    """The config's whole audit section as `audit-fixity` parameters: roots (default: the output
    folder), budget and alerts, so a scheduled audit behaves as `archive audit --config` does."""
    audit = config.audit
    assert audit is not None
    alerts = dataclasses.asdict(audit.alerts)
    alerts["email_to"] = list(audit.alerts.email_to)
    return {"root": [str(r) for r in audit.roots] or [str(config.output)], "audit_log": str(audit.log),
            "fast": audit.fast, "processes": audit.processes, "bytes_per_second": audit.bytes_per_second,
            "alerts": alerts if audit.alerts.any else None}


def poll_seconds(config: Config) -> float:
    """How often the runner asks the server for due runs: Prefect's 10 s would make a 5 s
    interval fire up to 10 s late, so poll at half the shortest interval (1 to 10 s)."""
    schedules = [s.schedule for s in config.sources if s.schedule is not None]
    if config.audit is not None and config.audit.schedule is not None:
        schedules.append(config.audit.schedule)
    intervals = [float(s.interval) for s in schedules if s.interval is not None]
    return min(10.0, max(1.0, min(intervals, default=20.0) / 2))


def first_slot(deployment: Any) -> datetime | None:
    """When an interval deployment's first run is due: its anchor (set when the deployment was
    built, at this command's start). None for a cron schedule, whose first slot is whenever the
    expression says."""
    for schedule in deployment.schedules or ():
        if isinstance(schedule.schedule, IntervalSchedule):
            anchor: datetime = schedule.schedule.anchor_date
            return anchor
    return None


def fire_first_slots(found: list[Any]) -> list[Any]:
    """Ask now for the run of each interval schedule's first slot; return the flow runs made.

    An interval is anchored at this command's start, so its first slot is due at once; but
    Prefect's scheduler only fills slots from its next loop on (slots already past are skipped)
    and the runner then polls for them, so the first capture came 5-10 s after the deployments
    were registered. Each deployment is registered here and the run of that first slot created
    through the API: a Scheduled run of the deployment, with its parameters, due at the anchor
    (so the runs stay one interval apart). The runner started next picks it up on its first
    poll like any other run, and the scheduler fills the slots after it."""
    made = []
    for deployment in found:
        due = first_slot(deployment)
        if due is not None:
            made.append(run_deployment(deployment.apply(), scheduled_time=due, timeout=0, as_subflow=False,
                                       tags=[FIRST_SLOT_TAG]))
    return made


def serve_config(config: Config) -> None:
    """Register the deployments and run them on schedule until interrupted (Prefect's serve)."""
    mark_children_to_end_with_me()  # the runner's flow-run processes (see capture_source)
    found = deployments(config)
    fire_first_slots(found)
    serve(*found, print_starting_message=True, query_seconds=poll_seconds(config))
