"""The run report of a capture: what was captured, what failed and why, which files hold it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from archive import SOFTWARE
from archive.capture.session import ArticleResult, Failure

REPORT_NAME = "capture-report.json"


@dataclass
class CaptureReport:
    capture_id: str
    started: datetime
    finished: datetime
    articles: list[ArticleResult]
    warcs: list[Path]
    settings: dict[str, Any] = field(default_factory=dict)
    # Per host: the concurrency, delays and back-offs the politeness policy chose.
    politeness: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    # Measured when the report is made: a bag's WARCs leave the work folder once it validates.
    warc_bytes: int = field(init=False)

    def __post_init__(self) -> None:
        self.warc_bytes = sum(p.stat().st_size for p in self.warcs if p.exists())

    @property
    def pages_ok(self) -> int:
        return sum(1 for a in self.articles if a.ok)

    @property
    def all_pages_captured(self) -> bool:
        """Every page of the run was captured (failed requisites do not count against it)."""
        return bool(self.articles) and self.pages_ok == len(self.articles)

    @property
    def unchanged(self) -> int:
        return sum(1 for a in self.articles if a.unchanged)

    @property
    def failures(self) -> list[Failure]:
        return [f for a in self.articles for f in a.failures]

    def to_json(self) -> dict[str, Any]:
        return {
            "software": SOFTWARE,
            "capture_id": self.capture_id,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
            "pages": len(self.articles),
            "pages_captured": self.pages_ok,
            "requisites": sum(a.requisites for a in self.articles),
            "requisites_captured": sum(a.requisites_ok for a in self.articles),
            "warcs": [p.name for p in self.warcs],
            "warc_bytes": self.warc_bytes,
            "articles": [a.to_json() for a in self.articles],
            "settings": self.settings,
            "politeness": self.politeness,
            **self.extra,
        }

    def markdown(self) -> str:
        data = self.to_json()
        lines = [
            f"# Capture {self.capture_id}",
            "",
            f"- pages captured: **{data['pages_captured']} / {data['pages']}**",
            f"- requisites captured: {data['requisites_captured']} / {data['requisites']}",
            f"- WARC files: {', '.join(data['warcs']) or 'none'} ({data['warc_bytes']} bytes)",
            "",
            "| article | status | requisites | failures |",
            "|---|---|---|---|",
        ]
        for a in self.articles:
            lines.append(f"| {a.url} | {a.status or '-'} | {a.requisites_ok}/{a.requisites} | {len(a.failures)} |")
        lines += politeness_markdown(self.politeness)
        if self.failures:
            lines += ["", "## Failures", ""]
            lines += [f"- `{f.url}`: {f.reason}" for f in self.failures]
        return "\n".join(lines) + "\n"


def politeness_markdown(hosts: dict[str, dict[str, Any]]) -> list[str]:
    """One line per host: what the politeness policy gave it, for archivists."""
    if not hosts:
        return []
    lines = ["", "## Politeness per host", "",
             "| host | requests | concurrency (peak in flight) | mean delay | usual response | back-offs | crawl-delay |",
             "|---|---|---|---|---|---|---|"]
    for key, h in hosts.items():
        c, d, r = h["concurrency"], h["delay"], h["response_ms"]
        crawl = h["crawl_delay"]["honoured"]
        lines.append(
            f"| {key} | {h['requests']} | {c['lowest']}-{c['highest']} ({c['peak_in_flight']}) "
            f"| {_ms(d['mean_ms'])} | {_ms(r['baseline'])} | {h['back_offs']} "
            f"| {'-' if crawl is None else f'{crawl:g} s'} |"
        )
    return lines


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:g} ms"


def failed_article(url: str, reason: str, *, transient: bool) -> ArticleResult:
    """The result recorded for an article whose page could not be fetched at all."""
    return ArticleResult(
        url=url, final_url=None, status=None, ok=False, record_id=None, warc=None,
        failures=[Failure(url, reason, transient)],
    )
