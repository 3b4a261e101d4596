"""`archive demo`: the main job end to end on the bundled demo site, nothing to start by hand."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.capture.settings import CaptureSettings
from archive_app.commands.capture import exit_code, print_summary, run_capture_flow
from archive_app.demo.server import DemoServer

NAME = "demo"
HELP = "serve the bundled demo news site on 127.0.0.1, capture it, and show what was made"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder (default: ./demo-output)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    args.out.mkdir(parents=True, exist_ok=True)
    with DemoServer() as server:
        urls = server.article_urls() + [server.url("/old/amnesty-or-disgrace")]
        print(f"demo site: {server.base_url}/ ({len(urls)} article URLs, one behind a redirect)", file=sys.stderr)
        # The demo site is ours and local: no politeness delay needed to be fair to it.
        settings = CaptureSettings(per_host_delay=0.0, operator="archive demo").to_json()
        bag = {"source_organization": "news-archive demo (NIQASH sample site)"}
        report = run_capture_flow(urls, args.out, settings, bag=bag, verbose=args.verbose, quiet=args.quiet)
    print_summary(report)
    if report.bag is not None:
        show_bag(report.bag.path)
    return exit_code(report)


def show_bag(bag: Path) -> None:
    """List what the demo made and what to try next (on stderr: stdout is the bag path)."""
    err = sys.stderr
    print(f"\nwhat was made, in {bag}:", file=err)
    for path in sorted(p for p in bag.rglob("*") if p.is_file()):
        print(f"  {path.relative_to(bag)!s:<72} {path.stat().st_size:>9,} bytes", file=err)
    print("\nnext:", file=err)
    print(f"  .venv/bin/archive validate {bag}", file=err)
    print(f"  .venv/bin/archive extract {bag}/data/warcs/*.warc.gz", file=err)
    print(f"  .venv/bin/archive replay {bag}      # then open a printed URL in a browser", file=err)
