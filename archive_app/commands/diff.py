"""``archive diff URL [--out DIR] [--from T] [--to T] [--format text|json|html]``: word-level
editorial changes between two versions of an article, with replay links for each side."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.versions.diff import diff
from archive.versions.render import RENDERERS
from archive.versions.select import pair, versions_of, with_snapshots

NAME = "diff"
HELP = "show what editors changed between two versions of an article (words, paragraphs, photos)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", metavar="URL", help="the article URL as captured")
    parser.add_argument("--out", type=Path, default=Path("captures"), help="output folder (default: ./captures)")
    parser.add_argument("--from", dest="start", metavar="T",
                        help="version number (3, v3) or time (2026-03-02T10:15); default: the one before --to")
    parser.add_argument("--to", dest="end", metavar="T", help="version number or time; default: the latest")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text", help="output format (default text)")


def run(args: argparse.Namespace) -> int:
    old, new = with_snapshots(args.out, *pair(versions_of(args.out, args.url, content=False), args.start, args.end))
    assert old.snapshot is not None and new.snapshot is not None  # pair() never picks a "gone" version
    sys.stdout.write(RENDERERS[args.format](args.url, old, new, diff(old.snapshot, new.snapshot), args.out))
    return 0
