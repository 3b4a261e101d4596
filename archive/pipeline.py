"""Stage glue shared by the flows and the CLI: plain functions, no Prefect.

capture (WARCs) -> extract (one JSON record per article) -> package (bag) -> validate.
Each function takes finished inputs and returns what the next stage and the run report need.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.atomic import write_json_atomic
from archive.capture.report import CaptureReport
from archive.diskfull import disk_full_guard
from archive.errors import ArchiveError, ConfigError
from archive.package import BagInfo, PremisEvent

DEFAULT_ORGANIZATION = "news-archive user (set bag.source_organization in the config)"
BAG_KEYS = frozenset({"source_organization", "contact_name", "contact_email"})


def new_capture_id(now: datetime | None = None) -> str:
    """Unique and sortable: a UTC timestamp plus a random suffix (two runs a second apart differ)."""
    when = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"capture-{when}-{secrets.token_hex(3)}"


def record_filename(n: int, url: str) -> str:
    """`0001-host-path-slug.json`: ordered, readable, and safe on any file system."""
    parts = urlsplit(url)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{parts.hostname or ''}-{parts.path}").strip("-").lower()
    return f"{n:04d}-{slug[:80] or 'article'}.json"


@dataclass
class Extraction:
    files: list[Path]
    problems: list[str]
    event: PremisEvent
    records: list[dict[str, Any]] = field(default_factory=list)


def extract_to_folder(warcs: Sequence[Path], into: Path) -> Extraction:
    """Write one NewsArticle JSON per article found in ``warcs`` into ``into``.

    Nothing is lost to a bad page or an invalid record: problems are collected (an invalid record
    is still written, with the problem reported) and returned with a PREMIS event saying so."""
    from archive.extract import extract_warcs

    into.mkdir(parents=True, exist_ok=True)
    errors: list[ArchiveError] = []
    files: list[Path] = []
    records: list[dict[str, Any]] = []
    folders = ", ".join(sorted({str(Path(w).parent) for w in warcs})) or "(none)"
    with disk_full_guard(into, f"the WARCs are kept in {folders}; metadata records written so far in {into}"):
        for n, record in enumerate(extract_warcs(list(warcs), errors=errors), start=1):
            path = write_json_atomic(into / record_filename(n, str(record.get("url", ""))), record)
            files.append(path)
            records.append(record)
    problems = [str(e).splitlines()[0] for e in errors]
    detail = f"{len(files)} NewsArticle record(s) extracted from {len(warcs)} WARC file(s)"
    if problems:
        detail += f"; {len(problems)} problem(s): " + "; ".join(problems[:20])
    outcome = "success" if files and not problems else ("warning" if files else "failure")
    return Extraction(files, problems, PremisEvent("metadata extraction", outcome, detail), records)


def capture_event(report: CaptureReport) -> PremisEvent:
    """The PREMIS capture event for a capture report."""
    detail = (f"{report.pages_ok}/{len(report.articles)} page(s) and "
              f"{sum(a.requisites_ok for a in report.articles)}/{sum(a.requisites for a in report.articles)} "
              f"requisite(s) captured into {len(report.warcs)} WARC file(s); {len(report.failures)} failure(s) recorded")
    outcome = "success" if report.all_pages_captured else "failure"
    return PremisEvent("capture", outcome, detail, date_time=report.started.isoformat())


def bag_info(capture_id: str, urls: Sequence[str], section: Mapping[str, Any] | None) -> BagInfo:
    """bag-info.txt fields from the config's ``bag:`` section and what was captured."""
    section = dict(section or {})
    unknown = sorted(set(section) - BAG_KEYS)
    if unknown:
        raise ConfigError(f"bag: unknown setting(s) {', '.join(unknown)}", hint=f"known: {', '.join(sorted(BAG_KEYS))}")
    shown = ", ".join(urls[:5]) + (f" and {len(urls) - 5} more" if len(urls) > 5 else "")
    return BagInfo(
        source_organization=str(section.get("source_organization") or DEFAULT_ORGANIZATION),
        contact_name=section.get("contact_name"),
        contact_email=section.get("contact_email"),
        external_identifier=f"urn:news-archive:{capture_id}",
        external_description=f"Web archive capture of {len(urls)} news article(s): {shown}",
    )
