"""The result of one capture run: what the `capture-articles` flow returns, what the CLI prints
and what the run report file holds (written as JSON only there, by :meth:`RunResult.to_json`).

One typed object instead of a dict read back by key: the verdict ("were all pages captured, and
is the bag valid") is computed here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.capture.report import CaptureReport
from archive.capture.session import ArticleResult, Failure
from archive.versions.run import RunVersions


@dataclass(frozen=True)
class MetadataOutcome:
    """The NewsArticle records extracted from the run's WARCs."""

    files: tuple[Path, ...]
    problems: tuple[str, ...] = ()

    @property
    def records(self) -> int:
        return len(self.files)

    def to_json(self) -> dict[str, Any]:
        return {"records": self.records, "problems": list(self.problems), "files": [str(p) for p in self.files]}


@dataclass(frozen=True)
class BagOutcome:
    """The bag built from the run, and what validating it found."""

    path: Path
    valid: bool
    problems: tuple[str, ...] = ()
    bytes: int = 0
    # An invalid bag keeps the run's working files (nothing is lost); None once they are removed.
    kept_work_dir: Path | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"path": str(self.path), "valid": self.valid, "problems": list(self.problems),
                               "bytes": self.bytes}
        if self.kept_work_dir is not None:
            doc["kept_work_dir"] = str(self.kept_work_dir)
        return doc


@dataclass(frozen=True)
class RunResult:
    """A capture run: the capture report, the extracted records and the bag (when made), and
    where the run report was written."""

    capture: CaptureReport
    report_path: Path
    metadata: MetadataOutcome | None = None
    bag: BagOutcome | None = None
    # Incremental runs of a source: which articles changed editorially, were checked, or are gone.
    versions: RunVersions | None = None

    @property
    def pages(self) -> int:
        return len(self.capture.articles)

    @property
    def pages_captured(self) -> int:
        return self.capture.pages_ok

    @property
    def unchanged(self) -> int:
        """Pages skipped because their payload is unchanged since the last capture (incremental)."""
        return self.capture.unchanged

    @property
    def articles(self) -> list[ArticleResult]:
        return self.capture.articles

    @property
    def all_pages_captured(self) -> bool:
        return self.capture.all_pages_captured

    @property
    def ok(self) -> bool:
        """The run's verdict: every page captured, and its bag (if one was made) valid. Failed
        requisites (a missing image) are recorded, not a failure of the run."""
        return self.all_pages_captured and (self.bag is None or self.bag.valid)

    @property
    def warc_paths(self) -> list[Path]:
        """The WARC files where a run without a bag left them (next to the report)."""
        return [self.report_path.parent / p.name for p in self.capture.warcs]

    def distinct_failures(self) -> list[Failure]:
        """Every failure once: two URLs of one article (e.g. behind a redirect) share failures."""
        return list({(f.url, f.reason): f for f in self.capture.failures}.values())

    def to_json(self) -> dict[str, Any]:
        doc = self.capture.to_json()
        doc["unchanged"] = self.unchanged
        if self.metadata is not None:
            doc["metadata"] = self.metadata.to_json()
        if self.bag is not None:
            doc["bag"] = self.bag.to_json()
        if self.versions is not None:
            doc["versions"] = self.versions.to_json()
        doc["report"] = str(self.report_path)
        return doc

    def markdown(self) -> str:
        """The run report for people (a Prefect artifact): the capture, then records and bag."""
        text = self.capture.markdown()
        if self.metadata is not None:
            text += f"\n## Metadata\n\n- records: {self.metadata.records}\n"
            text += "".join(f"- problem: {p}\n" for p in self.metadata.problems)
        if self.bag is not None:
            bag = self.bag
            verdict = "valid" if bag.valid else f"INVALID ({len(bag.problems)} problems)"
            text += f"\n## Bag\n\n- `{bag.path}`: {verdict}, {bag.bytes} bytes\n"
        return text


@dataclass(frozen=True)
class SourceRun:
    """One configured source's run within `archive run` (the `capture-sources` flow)."""

    source: str
    result: RunResult

    @property
    def verdict(self) -> str:
        """The bag's state in words: a run that found nothing new makes no bag, and says so."""
        bag = self.result.bag
        if bag is None and self.result.unchanged:
            return "nothing new"
        return "valid" if bag is not None and bag.valid else "INVALID"


def all_ok(runs: Sequence[SourceRun]) -> bool:
    return all(run.result.ok for run in runs)
