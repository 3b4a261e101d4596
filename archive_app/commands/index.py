"""``archive index WARC_OR_BAG... [-o FILE]``: the CDXJ index of WARCs (the format of a bag's
``data/indexes/index.cdxj``, and of pywb's ``cdx-indexer --cdxj``), to stdout or a file.

A broken WARC is indexed up to the break and reported (file, offset, what is wrong): exit 1.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from archive.atomic import atomic_write
from archive.display import error_text, printable
from archive.errors import ArchiveError, WarcReadError
from archive.replay.cdxj import write_cdxj
from archive.replay.sources import open_sources

NAME = "index"
HELP = "write the CDXJ index of WARC files (or of a bag's WARCs) to stdout or a file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", type=Path, metavar="WARC",
                        help="WARC/ARC files, capture folders or bags")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of stdout")


def _write(lines: Iterable[bytes], out: IO[bytes]) -> int:
    count = 0
    for count, line in enumerate(lines, start=1):  # noqa: B007 (the last index is the count)
        out.write(line)
    return count


def run(args: argparse.Namespace) -> int:
    sources = open_sources(args.inputs)
    errors: list[WarcReadError] = []
    with contextlib.ExitStack() as stack:
        # Each source's sorted index goes to a temporary file, and the files are merged: the
        # command's memory stays flat however many records the inputs hold.
        runs = []
        for source in sources:
            run_file = stack.enter_context(tempfile.TemporaryFile())
            # A bag's index names WARCs relative to data/warcs; a loose WARC by its base name.
            write_cdxj(source.warcs, run_file, relative_to=source.warc_root if source.is_bag else None, errors=errors)
            run_file.seek(0)
            runs.append(run_file)
        return _emit(args, heapq.merge(*runs), errors)


def _emit(args: argparse.Namespace, lines: Iterable[bytes], errors: list[WarcReadError]) -> int:
    if args.output is None:
        _write(lines, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        try:
            with atomic_write(args.output) as fh:
                count = _write(lines, fh)
        except OSError as exc:
            raise ArchiveError(f"{args.output}: cannot write the index: {exc.strerror or exc}") from exc
        print(f"{count} index line(s) written to {printable(str(args.output))}", file=sys.stderr)
    for error in errors:
        print(f"archive index: error: {error_text(error)}", file=sys.stderr)
    return 1 if errors else 0
