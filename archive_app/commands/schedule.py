"""`archive schedule --config FILE [--list]`: serve one Prefect deployment per scheduled source
(plus the fixity audit) until stopped, or list what would run when."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from archive.config import Config, Schedule, load_config
from archive.errors import UsageError
from archive.runtime import import_flows, prefect_api

NAME = "schedule"
HELP = "run the configured captures and fixity audit on their cron schedules (Prefect serve)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, required=True, help="YAML configuration (see config/example.yaml)")
    parser.add_argument("--list", action="store_true", help="show what would run when, and exit")


def _when(schedule: Schedule | None, now: datetime) -> tuple[str, str]:
    if schedule is None:
        return "not scheduled", "-"
    runs = schedule.next_runs(now, 3)
    return schedule.describe(), "\n".join(r.strftime("%Y-%m-%d %H:%M %Z") for r in runs)


def plan_table(config: Config, now: datetime) -> Table:
    table = Table(title=f"schedules in {config.path} (output: {config.output})")
    for column in ("name", "what", "target", "schedule", "next runs"):
        table.add_column(column, overflow="fold")
    for source in config.sources:
        target = source.feed or source.sitemap or f"{len(source.urls)} URL(s)"
        table.add_row(source.name, f"capture {source.kind}", target, *_when(source.schedule, now))
    if config.audit is not None:
        table.add_row("fixity-audit", "audit-fixity", str(config.audit.log), *_when(config.audit.schedule, now))
    return table


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.list:
        Console(width=160).print(plan_table(config, datetime.now(UTC)))
        return 0
    scheduled = [s for s in config.sources if s.schedule] + ([config.audit] if config.audit and config.audit.schedule else [])
    if not scheduled:
        raise UsageError(f"{args.config}: nothing has a schedule", hint="add `schedule: {cron: ..., timezone: ...}` to a source")
    api = prefect_api(verbose=args.verbose)
    flows = import_flows("flows.schedule")
    print(f"serving {len(scheduled)} schedule(s) from {args.config} with the Prefect server at {api}; "
          "Ctrl-C stops", file=sys.stderr)
    with import_flows("flows.runtime").using_api(api):
        flows.serve_config(config)
    return 0
