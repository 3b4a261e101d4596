"""``archive wacz BAG -o FILE.wacz``: package a bag as WACZ 1.1.1, for ReplayWeb.page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.errors import UsageError
from archive.replay.wacz import write_wacz

NAME = "wacz"
HELP = "package a bag as a WACZ 1.1.1 file (for ReplayWeb.page and other WACZ players)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bag", type=Path, metavar="BAG", help="a bag folder (holding bagit.txt)")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.wacz", help="the WACZ to write")
    parser.add_argument("--title", help="collection title (default: the bag's folder name)")


def run(args: argparse.Namespace) -> int:
    if args.output.suffix.lower() != ".wacz":
        raise UsageError(f"{args.output}: a WACZ file name ends in .wacz")
    if args.output.exists():
        raise UsageError(f"{args.output} already exists; not overwriting it", hint="choose another -o FILE")
    path = write_wacz(args.bag, args.output, title=args.title)
    print(path)
    print(f"{path.stat().st_size:,} bytes; check it with `wacz validate -f {path}`", file=sys.stderr)
    return 0
