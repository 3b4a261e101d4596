"""``archive extract WARC... [--url URL]``: print one NewsArticle record per article as JSON Lines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from archive.display import error_text, printable
from archive.errors import ArchiveError
from archive.extract import extract_warcs

NAME = "extract"
HELP = "print the metadata record of every article in the WARCs as JSON Lines"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("warcs", nargs="+", type=Path, metavar="WARC", help="WARC files (.warc or .warc.gz)")
    parser.add_argument("--url", help="only the article captured for this URL (as requested or as finally served)")


def run(args: argparse.Namespace) -> int:
    """Print what could be read, then report every problem; exit 1 if there was any."""
    errors: list[ArchiveError] = []
    count = 0
    for record in extract_warcs(args.warcs, url=args.url, errors=errors):
        sys.stdout.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
        count += 1
    sys.stdout.flush()
    for exc in errors:
        print(f"archive extract: error: {error_text(exc)}", file=sys.stderr)
    if args.url and count == 0 and not errors:
        print(f"archive extract: no article captured for {printable(args.url)} in the given WARCs", file=sys.stderr)
        return 1
    return 1 if errors else 0
