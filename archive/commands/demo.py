"""`archive demo`: the main job end to end on the bundled demo site, nothing to start by hand."""

from __future__ import annotations

import argparse
from pathlib import Path

from archive.commands.capture import print_summary, run_capture_flow
from archive.capture.settings import CaptureSettings
from archive.demo.server import DemoServer

NAME = "demo"
HELP = "serve the bundled demo news site on 127.0.0.1, capture it, and show what was made"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder (default: ./demo-output)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    args.out.mkdir(parents=True, exist_ok=True)
    with DemoServer() as server:
        urls = server.article_urls() + [server.url("/old/amnesty-or-disgrace")]
        print(f"demo site: {server.base_url}/ ({len(urls)} article URLs, one behind a redirect)")
        # The demo site is ours and local: no politeness delay needed to be fair to it.
        settings = CaptureSettings(per_host_delay=0.0, operator="archive demo").as_dict()
        report = run_capture_flow(urls, args.out, settings, verbose=args.verbose, quiet=args.quiet)
    print_summary(report, args.out)
    return report_exit(report)


def report_exit(report: dict[str, object]) -> int:
    return 0 if report["pages"] and report["pages_captured"] == report["pages"] else 1
