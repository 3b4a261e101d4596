"""`archive audit ROOT... [--log FILE] [--processes N] [--bytes-per-second RATE] [--config FILE]`.

Validates every bag under the roots, appends one PREMIS fixity event per bag to the audit log,
prints progress (bytes/s, time left) and a summary, and alerts when a bag failed. Resumes an
interrupted audit of the same roots. Exit 0 when every bag is valid, 1 when any is not (or an
alert could not be sent), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from archive.alerts import AlertSettings, send_alerts
from archive.display import printable
from archive.errors import UsageError
from archive.validate.auditrun import AuditBudget, AuditProgress, BagOutcome, run_audit

NAME = "audit"
HELP = "audit every bag under one or more folders: fixity, PREMIS events, progress, summary, alerts"

_UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "ki": 2**10, "mi": 2**20, "gi": 2**30}
_RATE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]i?)?b?(?:/s)?\s*$", re.I)


def parse_rate(text: str) -> float:
    """``100M``, ``1.5GiB/s``, ``250000000``: bytes per second (decimal units; ``Ki``/``Mi``/``Gi``
    binary)."""
    m = _RATE.match(text)
    if m is None or float(m.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate such as 100M or 1.5GiB/s")
    return float(m.group(1)) * _UNITS[(m.group(2) or "").lower()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("roots", nargs="*", type=Path, metavar="ROOT",
                        help="folders holding bags (default: the config's audit.roots or output)")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="YAML configuration: audit log, roots, budget and alerts (see config/example.yaml)")
    parser.add_argument("--log", type=Path, metavar="FILE",
                        help="JSON Lines audit log (default: the config's audit.log, else ./audit-log.jsonl)")
    parser.add_argument("--processes", type=int, metavar="N", help="bags validated at once (default 1)")
    parser.add_argument("--bytes-per-second", type=parse_rate, metavar="RATE",
                        help="read budget across all processes, e.g. 100M (default: no limit)")
    parser.add_argument("--fast", action="store_true", help="completeness and Payload-Oxum only, no hashing")
    parser.add_argument("--restart", action="store_true",
                        help="ignore an interrupted earlier run of this audit and check every bag again")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--no-alerts", action="store_true", help="do not send the configured alerts")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:,.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1000
    return f"{n} B"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def progress_line(p: AuditProgress) -> str:
    return (f"audit: {p.bags_done}/{p.bags_total} bag(s), {_size(p.bytes_done)} of {_size(p.bytes_total)}, "
            f"{_size(p.rate)}/s, {_clock(p.seconds_left)} left")


class _Printer:
    """Progress on stderr: one rewritten line on a terminal, a line every 10 s otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.shown: AuditProgress | None = None

    def __call__(self, p: AuditProgress) -> None:
        self.shown = p
        now = time.monotonic()
        if not self.enabled or (not self.tty and now - self.last < 10 and p.bags_done < p.bags_total):
            return
        self.last = now
        print(("\r\x1b[K" if self.tty else "") + progress_line(p), end="" if self.tty else "\n",
              file=sys.stderr, flush=True)

    def end(self) -> None:
        if self.enabled and self.tty and self.shown is not None:
            print(file=sys.stderr)


def _bag_line(outcome: BagOutcome) -> None:
    if not outcome.valid:
        print(f"INVALID  {printable(outcome.bag)}  ({outcome.problem_count} problem(s))")
        for problem in outcome.problems:
            print(f"  {printable(problem)}")


def run(args: argparse.Namespace) -> int:
    audit = None
    if args.config is not None:
        from archive.config import load_config

        audit = load_config(args.config).audit
    roots = list(args.roots) or (list(audit.roots) if audit is not None else [])
    if not roots:
        raise UsageError("no folder to audit", hint="name one or more ROOT folders, or pass --config with audit.roots")
    log = args.log or (audit.log if audit is not None else Path("audit-log.jsonl"))
    processes = args.processes or (audit.processes if audit is not None else 1)
    rate = args.bytes_per_second or (audit.bytes_per_second if audit is not None else None)
    alerts = audit.alerts if audit is not None else AlertSettings()
    printer = _Printer(not args.quiet)
    try:
        summary = run_audit(roots, log, budget=AuditBudget(processes, rate), fast=args.fast or bool(audit and audit.fast),
                            restart=args.restart, progress=printer, on_bag=None if args.json else _bag_line)
    finally:
        printer.end()
    doc = summary.to_json()
    failures = send_alerts(alerts, doc) if (not summary.ok and not args.no_alerts and alerts.any) else []
    doc["alert_failures"] = failures
    if args.json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print(f"{'OK' if summary.ok else 'PROBLEMS'}  {summary.checked} bag(s) checked: {summary.valid} valid, "
              f"{len(summary.invalid)} invalid, {summary.skipped} skipped (finished before a restart); "
              f"{summary.bytes:,} bytes in {summary.seconds:.1f} s; events in {printable(str(log))}")
    for failure in failures:
        print(f"archive audit: warning: alert not sent: {printable(failure)}", file=sys.stderr)
    return 0 if summary.ok and not failures else 1
