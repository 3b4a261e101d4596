"""`archive bag WARC_OR_DIR... --out DIR`: package WARCs captured elsewhere into a new bag.

Metadata records are extracted from the WARCs themselves (what the archive holds), and the
new bag's path is printed on stdout.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from archive.package import BagInfo, PremisEvent, build_bag
from archive.package.inputs import find_warcs
from archive.pipeline import extract_to_folder

NAME = "bag"
HELP = "package WARC files (and metadata extracted from them) into a new BagIt bag"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", type=Path, metavar="WARC_OR_DIR",
                        help="WARC files, or folders holding *.warc.gz / *.warc files (links, empty "
                             "files and non-WARCs are refused)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to create the bag in")
    parser.add_argument("--name", help="bag folder name (default: the external identifier)")
    parser.add_argument("--source-organization", default="news-archive user", metavar="ORG")
    parser.add_argument("--contact-name")
    parser.add_argument("--contact-email")
    parser.add_argument("--identifier", metavar="ID", help="External-Identifier (default: generated)")
    parser.add_argument("--description", help="External-Description (default: generated)")
    parser.add_argument("--processes", type=int, default=2, metavar="N", help="files copied in parallel")
    parser.add_argument("--no-extract", action="store_true", help="do not extract article metadata")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    warcs = find_warcs(args.inputs)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    identifier = args.identifier or f"news-archive-{stamp}-{secrets.token_hex(3)}"
    dest = args.out / (args.name or identifier)
    with tempfile.TemporaryDirectory(prefix="archive-bag-") as tmp:
        metadata: list[Path] = []
        events: list[PremisEvent] = []
        if not args.no_extract:
            extraction = extract_to_folder(warcs, Path(tmp))
            metadata = extraction.files
            events.append(extraction.event)
            for problem in extraction.problems:
                print(f"archive bag: warning: {problem}", file=sys.stderr)
        description = args.description or (
            f"{len(warcs)} WARC file(s) ({', '.join(w.name for w in warcs[:5])}"
            f"{', …' if len(warcs) > 5 else ''}) and {len(metadata)} article record(s), "
            "packaged with `archive bag`")
        info = BagInfo(source_organization=args.source_organization, contact_name=args.contact_name,
                       contact_email=args.contact_email, external_identifier=identifier,
                       external_description=description)
        console = Console(stderr=True)
        total = sum(w.stat().st_size for w in warcs) + sum(m.stat().st_size for m in metadata)
        with Progress(TextColumn("[bold]packaging"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                      console=console, transient=True,
                      disable=args.quiet or not console.is_terminal) as bar:
            task = bar.add_task("copy", total=total)
            bag = build_bag(dest, warcs=warcs, metadata=metadata, info=info, events=events,
                            processes=max(1, args.processes), progress=lambda n: bar.advance(task, n))
    print(bag)
    return 0
