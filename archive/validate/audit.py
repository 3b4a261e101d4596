"""Fixity audits: find bags under a folder, turn a validation into a PREMIS event, log it.

Plain functions, so the ``audit-fixity`` flow only orchestrates them.
"""

from __future__ import annotations

import os
from pathlib import Path

from archive.errors import BagError
from archive.package.premis import OUTCOME_FAILURE, OUTCOME_SUCCESS, PremisEvent, to_json_line
from archive.validate.report import ValidationReport, utf8_safe


def find_bags(root: Path) -> list[Path]:
    """Every folder under ``root`` (itself included) holding a ``bagit.txt``, sorted.

    Links are not followed, and a bag's inside is not searched: a bag kept in another bag's
    payload is part of that bag, not a bag of its own for auditing.
    """
    if not Path(root).is_dir():
        raise BagError(f"{root}: no such folder to audit", hint="pass the folder that holds the bags")
    bags: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        if "bagit.txt" in files and not os.path.islink(os.path.join(folder, "bagit.txt")):
            bags.append(Path(folder))
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if ".partial-" not in d)
    return sorted(bags)


def fixity_event(bag: Path, report: ValidationReport | None, error: str | None = None) -> PremisEvent:
    """A PREMIS ``fixity check`` event for one bag (``error``: the bag could not be read at all).

    The bag's path is made UTF-8-safe (a name that is not UTF-8 shows ``\\xNN``), so that the
    event can always be written to a JSON Lines log."""
    name = utf8_safe(str(bag))
    if report is None:
        return PremisEvent("fixity check", OUTCOME_FAILURE, f"bag could not be read: {error}", objects=[name])
    algs = "+".join(report.algorithms) or "none"
    if report.valid:
        detail = (f"valid: {report.files_checked} files, {report.bytes_hashed} bytes hashed ({algs})"
                  f"{f'; {len(report.warnings)} warning(s)' if report.warnings else ''}")
        return PremisEvent("fixity check", OUTCOME_SUCCESS, detail, objects=[name])
    shown = "; ".join(str(p) for p in report.problems[:20])
    more = f"; and {len(report.problems) - 20} more" if len(report.problems) > 20 else ""
    detail = f"invalid: {len(report.problems)} problem(s): {shown}{more}"
    return PremisEvent("fixity check", OUTCOME_FAILURE, detail, objects=[name])


def append_event(log: Path, event: PremisEvent) -> None:
    """Append one JSON line to ``log`` with a single ``write`` in append mode.

    O_APPEND makes each write land at the end even with several writers, and one write per
    line means lines never interleave (for lines below the filesystem's atomic-append size).
    """
    line = (to_json_line(event) + "\n").encode("utf-8")
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        written = os.write(fd, line)
        if written != len(line):  # a short write would leave half a line: say so loudly
            raise OSError(f"short write to {log}: {written} of {len(line)} bytes")
        os.fsync(fd)
    finally:
        os.close(fd)
