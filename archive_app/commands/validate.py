"""`archive validate BAG... [--fast] [--json] [--profile FILE] [--processes N]`.

Exit 0 when every bag is valid, 1 when any is invalid, 2 on a usage error or unreadable path.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from archive.display import error_text, printable
from archive.errors import ArchiveError, Problem
from archive.validate import DigestProblem, ValidationReport, validate_bag
from archive.validate import report as kinds  # the problem kinds, defined once
from archive.validate.report import not_checked, utf8_safe

NAME = "validate"
HELP = "check BagIt bags: completeness, fixity, profile, safety; every problem names its file"

# How each problem kind is shown to a librarian: a short upper-case word.
LABELS = {
    kinds.CHECKSUM_MISMATCH: "CHANGED", kinds.TAG_FILE_CHANGED: "CHANGED", kinds.MISSING: "MISSING",
    kinds.UNEXPECTED: "UNEXPECTED", kinds.OXUM_MISMATCH: "OXUM", kinds.PROFILE_VIOLATION: "PROFILE",
    kinds.UNSAFE_PATH: "UNSAFE", kinds.SYMLINK: "SYMLINK", kinds.BAD_DECLARATION: "BAD",
    kinds.BAD_BAG_INFO: "BAD", kinds.BAD_MANIFEST: "BAD", kinds.BAD_MANIFEST_LINE: "BAD",
    kinds.DUPLICATE_ENTRY: "DUPLICATE", kinds.INCOMPLETE_MANIFEST: "UNLISTED", kinds.UNREADABLE: "UNREADABLE",
    kinds.SPECIAL_FILE: "SPECIAL", kinds.NOT_CHECKED: "ERROR",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bags", nargs="+", type=Path, metavar="BAG", help="bag folders (holding bagit.txt)")
    parser.add_argument("--fast", action="store_true",
                        help="completeness only (names, sizes, Payload-Oxum); no hashing")
    parser.add_argument("--json", action="store_true", help="print a JSON report (for audit logs)")
    parser.add_argument("--profile", type=Path, metavar="FILE",
                        help="a local BagIt profile JSON file to check against (never downloaded)")
    parser.add_argument("--processes", type=int, default=2, metavar="N",
                        help="files hashed in parallel (default 2)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _short(digest: str) -> str:
    return digest[:12] + "…" if len(digest) > 12 else digest


def describe(problem: Problem) -> str:
    """One plain line: LABEL  path  what is wrong."""
    label = LABELS.get(problem.kind, problem.kind.upper())
    if isinstance(problem, DigestProblem):
        what = f"{problem.algorithm} expected {_short(problem.expected)} found {_short(problem.found)}"
    else:
        what = problem.detail
    # Paths and details come from the bag: shown escaped, so a CR or ESC in a file name cannot
    # overwrite this line (or the verdict) on the terminal.
    return f"{label:<10} {printable(problem.path)}  {printable(what)}"


def _verdict(report: ValidationReport) -> str:
    mode = "fast check" if report.fast else f"{report.bytes_hashed:,} bytes hashed"
    algs = "+".join(report.algorithms) or "no manifests"
    if report.valid:
        return (f"VALID    {printable(str(report.bag))}  ({report.files_checked} files, {mode}, {algs}"
                f"{', ' + str(len(report.warnings)) + ' warning(s)' if report.warnings else ''})")
    return f"INVALID  {printable(str(report.bag))}  ({len(report.problems)} problem(s), {mode}, {algs})"


def _bag_bytes(bag: Path) -> int:
    total = 0
    for folder, _dirs, files in os.walk(bag):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total


@contextmanager
def _progress(bag: Path, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield None
        return
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
                   TransferSpeedColumn(), TimeRemainingColumn(), console=console, transient=True)
    task = bar.add_task(f"hashing {bag.name}", total=_bag_bytes(bag))
    with bar:
        yield lambda n: bar.advance(task, n)


def run(args: argparse.Namespace) -> int:
    if args.processes < 1:
        print("archive validate: error: --processes must be at least 1", file=sys.stderr)
        return 2
    if args.profile is not None and not args.profile.is_file():
        print(f"archive validate: error: profile {args.profile} is not a readable file", file=sys.stderr)
        return 2
    results: list[dict[str, object]] = []
    worst = 0
    for bag in args.bags:
        try:
            with _progress(bag, not (args.fast or args.quiet)) as progress:
                report = validate_bag(bag, fast=args.fast, profile=args.profile,
                                      processes=args.processes, progress=progress)
        except ArchiveError as exc:
            worst = 2
            results.append({"bag": utf8_safe(str(bag)), "valid": False, "error": utf8_safe(str(exc))})
            if not args.json:
                print(f"ERROR    {printable(str(bag))}  {error_text(exc)}", file=sys.stderr)
            continue
        except Exception as exc:  # noqa: BLE001 - backstop: this bag gets a verdict, the next is checked
            report = ValidationReport(bag=bag, valid=False, fast=args.fast,
                                      problems=[not_checked("the bag", exc)])
        if not report.valid:
            worst = max(worst, 1)
        results.append(report.to_json())
        if not args.json:
            _print_human(report)
    if args.json:
        doc = {"valid": worst == 0, "bags": results}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    return worst


def _print_human(report: ValidationReport) -> None:
    if report.problems or report.warnings:
        print(f"{printable(str(report.bag))}:")
    for problem in report.problems:
        print(f"  {describe(problem)}")
    for warning in report.warnings:
        print(f"  warning    {printable(warning.path)}  {printable(warning.detail)}")
    print(_verdict(report))
