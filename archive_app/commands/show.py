"""``archive show BAG_OR_WARC... URL [-o FILE] [--decode] [--timestamp TS]``: the archived payload
of one URL, streamed to stdout or a file (for a revisit, the payload it refers to)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.atomic import atomic_write
from archive.display import printable
from archive.errors import ArchiveError, WarcReadError
from archive.replay.access import find_capture, write_payload
from archive.replay.sources import open_sources

NAME = "show"
HELP = "write the archived payload of one URL to stdout or a file (--decode undoes gzip/br)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", type=Path, metavar="BAG_OR_WARC",
                        help="bags, capture folders or WARC/ARC files")
    parser.add_argument("url", metavar="URL", help="the URL as captured")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of stdout")
    parser.add_argument("--decode", action="store_true",
                        help="undo the Content-Encoding (gzip, deflate, br) the server applied")
    parser.add_argument("--timestamp", metavar="YYYYMMDDhhmmss",
                        help="the capture nearest this time (default: the latest)")


def run(args: argparse.Namespace) -> int:
    sources = open_sources(args.inputs)
    errors: list[WarcReadError] = []
    try:
        capture = find_capture(sources, args.url, timestamp=args.timestamp, errors=errors)
    except ArchiveError:
        _warn(errors)  # the URL may be past a break in a damaged WARC: say so
        raise
    info = capture.record
    where = f"{info.warc.name} at offset {info.offset}"
    if capture.payload_from is not info:
        where += f", payload from {capture.payload_from.warc.name} at offset {capture.payload_from.offset}"
    status = f" {info.status}" if info.status is not None else ""
    # Names, types, dates and the Location all come from the WARC: printable() before printing.
    print(printable(f"{info.rec_type}{status} {info.mime or ''} captured {info.date} ({where})"), file=sys.stderr)
    if info.status in (301, 302, 303, 307, 308) and info.http_header("location"):
        print(f"redirects to {printable(info.http_header('location') or '')}", file=sys.stderr)
    if args.output is None:
        write_payload(capture, sys.stdout.buffer, decode=args.decode)
        sys.stdout.buffer.flush()
    else:
        try:
            with atomic_write(args.output) as fh:
                written = write_payload(capture, fh, decode=args.decode)
        except OSError as exc:
            raise ArchiveError(f"{args.output}: cannot write: {exc.strerror or exc}") from exc
        print(f"{written:,} bytes written to {printable(str(args.output))}", file=sys.stderr)
    _warn(errors)
    return 0


def _warn(errors: list[WarcReadError]) -> None:
    for error in errors:
        print(f"archive show: warning: {printable(str(error))}", file=sys.stderr)
