"""``archive list BAG_OR_WARC...``: a table of what was captured (URL, status, content type,
size, capture time, record type). Broken WARCs are listed up to the break and reported: exit 1."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from archive.display import error_text, printable
from archive.errors import WarcReadError
from archive.replay.access import list_records
from archive.replay.sources import open_sources

NAME = "list"
HELP = "list what a bag or WARC holds: URL, status, content type, size, capture time, record type"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", type=Path, metavar="BAG_OR_WARC",
                        help="bags, capture folders or WARC/ARC files")
    parser.add_argument("--all", action="store_true", help="also list request, warcinfo and other records")


def _time(ts: str) -> str:
    return f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]} {ts[8:10]}:{ts[10:12]}:{ts[12:14]}"


def run(args: argparse.Namespace) -> int:
    sources = open_sources(args.inputs)
    errors: list[WarcReadError] = []
    table = Table(show_lines=False, header_style="bold")
    table.add_column("URL", overflow="fold")
    table.add_column("status", justify="right")
    table.add_column("content type")
    table.add_column("size", justify="right")
    table.add_column("captured (UTC)", no_wrap=True)
    table.add_column("record", no_wrap=True)
    count = 0
    for row in list_records(sources, all_types=args.all, errors=errors):
        # Every cell comes from the WARC: Text objects (never markup strings, so "[/]" or
        # "[link=...]" in a URL is shown as typed) holding printable() text (no ANSI, CR, bidi).
        cells = (row.url, "" if row.status is None else str(row.status), row.mime or "",
                 "" if row.size is None else f"{row.size:,}", _time(row.timestamp), row.rec_type)
        table.add_row(*(Text(printable(cell)) for cell in cells))
        count += 1
    table.caption = f"{count} record(s) in {sum(len(s.warcs) for s in sources)} WARC file(s)"
    # Piped output is not wrapped at 80 columns: full URLs are what scripts and greps need.
    console = Console(width=None if sys.stdout.isatty() else 1000)
    console.print(table)
    for exc in errors:
        print(f"archive list: error: {error_text(exc)}", file=sys.stderr)
    return 1 if errors else 0
