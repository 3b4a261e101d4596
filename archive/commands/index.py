"""``archive index WARC_OR_BAG... [-o FILE]``: the CDXJ index of WARCs (the format of a bag's
``data/indexes/index.cdxj``, and of pywb's ``cdx-indexer --cdxj``), to stdout or a file.

A broken WARC is indexed up to the break and reported (file, offset, what is wrong): exit 1.
"""

from __future__ import annotations

import argparse
import heapq
import io
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from archive.atomic import atomic_write
from archive.errors import ArchiveError, WarcReadError
from archive.replay.cdxj import write_cdxj
from archive.replay.sources import open_sources

NAME = "index"
HELP = "write the CDXJ index of WARC files (or of a bag's WARCs) to stdout or a file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", type=Path, metavar="WARC",
                        help="WARC/ARC files, capture folders or bags")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of stdout")


def _write(lines: Iterable[bytes], out: BinaryIO) -> int:
    count = 0
    for count, line in enumerate(lines, start=1):
        out.write(line)
    return count


def run(args: argparse.Namespace) -> int:
    sources = open_sources(args.inputs)
    errors: list[WarcReadError] = []
    chunks: list[list[bytes]] = []
    for source in sources:
        buf = io.BytesIO()
        # A bag's index names WARCs relative to data/warcs; a loose WARC by its base name.
        write_cdxj(source.warcs, buf, relative_to=source.warc_root if source.is_bag else None, errors=errors)
        chunks.append(buf.getvalue().splitlines(keepends=True))
    lines = heapq.merge(*chunks)  # each chunk is sorted already
    if args.output is None:
        _write(lines, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        try:
            with atomic_write(args.output) as fh:
                count = _write(lines, fh)
        except OSError as exc:
            raise ArchiveError(f"{args.output}: cannot write the index: {exc.strerror or exc}") from exc
        print(f"{count} index line(s) written to {args.output}", file=sys.stderr)
    for error in errors:
        print(f"archive index: error: {error}", file=sys.stderr)
    return 1 if errors else 0
