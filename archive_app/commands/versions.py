"""``archive versions URL --out DIR [--json]``: every version of an article (time, bag, what changed)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from archive.display import printable
from archive.versions.select import versions_of

NAME = "versions"
HELP = "list every captured version of an article: time, bag, and what changed, one line each"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", metavar="URL", help="the article URL as captured")
    parser.add_argument("--out", type=Path, default=Path("captures"), help="output folder (default: ./captures)")
    parser.add_argument("--json", action="store_true", help="one JSON object per version")


def run(args: argparse.Namespace) -> int:
    for v in versions_of(args.out, args.url, content=False):
        if args.json:
            print(json.dumps({"version": v.seq, "at": v.at, "outcome": v.outcome, "bag": v.bag, "record": v.record,
                              "summary": v.summary}, ensure_ascii=False))
        else:
            # The summary quotes nothing from the page, but the bag name comes from the folder.
            print(printable(f"v{v.seq}  {v.at}  {v.outcome:<7}  {v.bag or '-'}  {v.summary}"))
    return 0
