"""Scheduled captures: one `capture-source` deployment per configured source, plus the fixity
audit, served by Prefect (`archive schedule --config FILE`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from prefect import flow, serve, task
from prefect.cache_policies import NONE
from prefect.schedules import Cron, Interval

from archive.children import end_with_marked_parent, mark_children_to_end_with_me
from archive.config import Config, Schedule, Source, load_config
from archive.sources.discover import discover_urls
from flows.audit import audit_fixity
from flows.capture import capture_articles


@task(name="discover-urls", cache_policy=NONE, retries=2, retry_delay_seconds=10)
async def discover(source: Source, config: Config) -> list[str]:
    return await discover_urls(source, config.capture)


@flow(name="capture-source", log_prints=False)
async def capture_source(config_path: str, source: str) -> dict[str, Any]:
    """Capture what one configured source lists now; unchanged articles are skipped."""
    end_with_marked_parent()  # a run started by `archive schedule` ends when that command is killed
    config = load_config(Path(config_path))
    chosen = config.source(source)
    urls = await discover(chosen, config)
    return await capture_articles(
        urls=urls, out_dir=str(config.output), settings=config.capture_for(chosen).as_dict(), bag=dict(config.bag),
        incremental=True,
    )


def _prefect_schedule(schedule: Schedule) -> Any:
    if schedule.interval is not None:
        return Interval(schedule.interval, timezone=schedule.timezone)
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
            description=f"capture {source.kind} source {source.name}",
        ))
    if config.audit is not None and config.audit.schedule is not None:
        found.append(audit_fixity.to_deployment(
            name="fixity-audit",
            parameters=audit_parameters(config),
            schedules=[_prefect_schedule(config.audit.schedule)],
            description="re-validate every bag under the output folder",
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


def serve_config(config: Config) -> None:
    """Register the deployments and run them on schedule until interrupted (Prefect's serve)."""
    mark_children_to_end_with_me()  # the runner's flow-run processes (see capture_source)
    serve(*deployments(config), print_starting_message=True, query_seconds=poll_seconds(config))
