"""`archive capture URL... [--out DIR] [--config FILE]`: run the capture-articles flow."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from archive.capture.settings import CAPTURE_MODES, CaptureSettings
from archive.capture.urls import check_seed
from archive.config import load_config
from archive.display import printable
from archive.errors import UsageError
from archive.runresult import RunResult
from archive.runtime import import_flows, prefect_api

NAME = "capture"
HELP = "capture article URLs with their images and requisites into WARC files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("urls", nargs="*", metavar="URL", help="article URLs (http or https)")
    parser.add_argument("-i", "--input-file", type=Path, help="read article URLs from a file, one per line (# comments)")
    parser.add_argument("--out", type=Path, default=Path("captures"), help="output folder (default: ./captures)")
    parser.add_argument("--config", type=Path, help="YAML configuration file (see config/default.yaml)")
    parser.add_argument("--concurrency", type=int,
                        help="most requests in flight per host (default 16; fewer for slow hosts)")
    parser.add_argument("--delay", type=float,
                        help="fixed minimum seconds between request starts per host "
                             "(default 0: the pace follows each server's response time)")
    parser.add_argument("--ignore-robots", action="store_true", help="do not honour robots.txt")
    parser.add_argument("--mode", choices=CAPTURE_MODES,
                        help="static: the served HTML (default); browser: every page in headless Chromium; "
                             "auto: static, and the browser for pages that look incomplete without scripts")
    parser.add_argument("--no-bag", action="store_true",
                        help="leave the WARCs and metadata records in --out instead of packaging a bag")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def settings_from_args(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """Capture settings and bag-info defaults as plain mappings (flow parameters): defaults,
    then the config file, then ARCHIVE_* environment variables, then command-line flags."""
    config = load_config(args.config)
    settings = config.capture.to_json()
    if args.concurrency is not None:
        settings["per_host_concurrency"] = args.concurrency
    if args.delay is not None:
        settings["per_host_delay"] = args.delay
    if args.ignore_robots:
        settings["respect_robots"] = False
    if args.mode is not None:
        settings["capture_mode"] = args.mode
    CaptureSettings.from_mapping(settings, source="command line")  # flags get the same checks
    return settings, dict(config.bag)


# Prefect's run loggers: a failing run logs its exception there (with a traceback) and then
# raises it, so the CLI prints it anyway (one line for an expected error, a traceback for a bug).
RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


def _below_error(record: logging.LogRecord) -> bool:
    return record.levelno < logging.ERROR


@contextlib.contextmanager
def _run_errors_left_to_the_cli() -> Iterator[None]:
    """Without --verbose, drop the run loggers' ERROR records: the error they describe reaches
    the CLI as an exception, and a full disk must read as one line, not three tracebacks."""
    loggers = [logging.getLogger(name) for name in RUN_LOGGERS]
    for logger in loggers:
        logger.addFilter(_below_error)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(_below_error)


def run_capture_flow(
    urls: Sequence[str], out: Path, settings: dict[str, Any], *, bag: dict[str, Any] | None = None,
    package: bool = True, verbose: bool = False, quiet: bool = False,
) -> RunResult:
    """Run the flow against the project's Prefect server (or PREFECT_API_URL when set)."""
    api = prefect_api(verbose=verbose)
    flows = import_flows("flows.capture")
    runtime = import_flows("flows.runtime")
    console = Console(stderr=True)
    show = not quiet and console.is_terminal
    progress = Progress(
        TextColumn("[bold]capturing"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[resources]} resources"), TimeElapsedColumn(),
        console=console, disable=not show,
    )
    bar = progress.add_task("capture", total=len(urls), resources=0)
    counts = {"resources": 0}

    def resource(_: object) -> None:
        counts["resources"] += 1
        progress.update(bar, resources=counts["resources"])

    def article(_: object) -> None:
        progress.advance(bar)

    token_a = flows.on_article_done.set(article)
    token_r = flows.on_resource_fetched.set(resource)
    try:
        with runtime.using_api(api), progress, (
                contextlib.nullcontext() if verbose else _run_errors_left_to_the_cli()):
            result: RunResult = asyncio.run(
                flows.capture_articles(urls=list(urls), out_dir=str(out), settings=settings, bag=bag, package=package)
            )
            return result
    finally:
        flows.on_article_done.reset(token_a)
        flows.on_resource_fetched.reset(token_r)


def print_summary(result: RunResult) -> None:
    """What was made: the bag path (or WARC paths) on stdout for scripts, the story on stderr."""
    err = sys.stderr
    print(f"captured {result.pages_captured}/{result.pages} pages, "
          f"{sum(a.requisites_ok for a in result.articles)}/{sum(a.requisites for a in result.articles)} requisites",
          file=err)
    failures = result.distinct_failures()
    if failures:
        print(f"{len(failures)} failure(s) recorded (kept in the WARC and the report):", file=err)
        for f in failures[:20]:
            print(printable(f"  {f.url}: {f.reason}"), file=err)
        if len(failures) > 20:
            print(f"  ... and {len(failures) - 20} more", file=err)
    if result.metadata is not None:
        print(f"metadata: {result.metadata.records} NewsArticle record(s)", file=err)
        for problem in result.metadata.problems:
            print(f"  problem: {printable(problem)}", file=err)
    print(f"report: {result.report_path}", file=err)
    _print_outputs(result)


def _print_outputs(result: RunResult) -> None:
    bag = result.bag
    if bag is None:
        for path in result.warc_paths:
            print(path)
        return
    verdict = "valid" if bag.valid else "INVALID: " + printable("; ".join(bag.problems[:5]))
    print(f"bag: {verdict}", file=sys.stderr)
    if bag.kept_work_dir is not None:
        print(f"working files kept in {bag.kept_work_dir}", file=sys.stderr)
    print(bag.path)


def exit_code(result: RunResult) -> int:
    """0 when every page was captured (and its bag is valid); failed requisites are only reported."""
    return 0 if result.ok else 1


def read_url_file(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read URL list {path}: {exc}") from exc
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def run(args: argparse.Namespace) -> int:
    given = list(args.urls) + (read_url_file(args.input_file) if args.input_file else [])
    if not given:
        raise UsageError("no URLs given", hint="pass article URLs, or --input-file FILE with one URL per line")
    urls = list(dict.fromkeys(check_seed(u) for u in given))
    settings, bag = settings_from_args(args)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output folder {args.out}: {exc.strerror or exc}") from exc
    report = run_capture_flow(urls, args.out, settings, bag=bag, package=not args.no_bag,
                              verbose=args.verbose, quiet=args.quiet)
    print_summary(report)
    return exit_code(report)
