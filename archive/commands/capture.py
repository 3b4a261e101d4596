"""`archive capture URL... [--out DIR] [--config FILE]`: run the capture-articles flow."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from archive.capture.urls import check_seed
from archive.config import capture_settings, load_config
from archive.errors import UsageError
from archive.runtime import prepare_prefect

NAME = "capture"
HELP = "capture article URLs with their images and requisites into WARC files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("urls", nargs="*", metavar="URL", help="article URLs (http or https)")
    parser.add_argument("-i", "--input-file", type=Path, help="read article URLs from a file, one per line (# comments)")
    parser.add_argument("--out", type=Path, default=Path("captures"), help="output folder (default: ./captures)")
    parser.add_argument("--config", type=Path, help="YAML configuration file (see config/default.yaml)")
    parser.add_argument("--concurrency", type=int, help="requests in flight per host")
    parser.add_argument("--delay", type=float, help="seconds between request starts per host")
    parser.add_argument("--ignore-robots", action="store_true", help="do not honour robots.txt")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The capture settings as a plain mapping (a flow parameter), config file then flags."""
    config = load_config(args.config) if args.config else {}
    settings = capture_settings(config, source=str(args.config or "defaults")).as_dict()
    if args.concurrency is not None:
        settings["per_host_concurrency"] = args.concurrency
    if args.delay is not None:
        settings["per_host_delay"] = args.delay
    if args.ignore_robots:
        settings["respect_robots"] = False
    return settings


def run_capture_flow(
    urls: Sequence[str], out: Path, settings: dict[str, Any], *, verbose: bool = False, quiet: bool = False
) -> dict[str, Any]:
    """Run the flow in Prefect's embedded mode (or against PREFECT_API_URL when set)."""
    prepare_prefect(verbose=verbose)
    flows = importlib.import_module("flows.capture")
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
        with progress:
            return asyncio.run(
                flows.capture_articles(urls=list(urls), out_dir=str(out), settings=settings)
            )
    finally:
        flows.on_article_done.reset(token_a)
        flows.on_resource_fetched.reset(token_r)


def print_summary(report: dict[str, Any], out: Path) -> None:
    print(f"captured {report['pages_captured']}/{report['pages']} pages, "
          f"{report['requisites_captured']}/{report['requisites']} requisites")
    for name in report["warcs"]:
        print(f"warc: {out / name}")
    print(f"report: {out / 'capture-report.json'}")
    failures = [f for a in report["articles"] for f in a["failures"]]
    if failures:
        print(f"{len(failures)} failure(s) recorded:", file=sys.stderr)
        for f in failures[:20]:
            print(f"  {f['url']}: {f['reason']}", file=sys.stderr)
        if len(failures) > 20:
            print(f"  ... and {len(failures) - 20} more in the report", file=sys.stderr)


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
    settings = settings_from_args(args)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output folder {args.out}: {exc.strerror or exc}") from exc
    report = run_capture_flow(urls, args.out, settings, verbose=args.verbose, quiet=args.quiet)
    print_summary(report, args.out)
    return 0 if report["pages"] and report["pages_captured"] == report["pages"] else 1
