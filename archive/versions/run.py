"""One run's version decisions: from the capture's results and extracted records to what the
bag, the records, the PREMIS log, the version index and the feed say.

Plain functions over typed values, called by the capture flow (no Prefect here):
``plan_run`` decides, ``RunVersions.link_records`` writes ``version``/``isBasedOn`` into the
records before they are bagged, ``RunVersions.commit`` appends to the index once the bag is
valid (so a failed bag leaves the index as it was and the next run compares again).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from archive.atomic import write_json_atomic
from archive.package import PremisEvent
from archive.versions.decide import Decision, VersionPolicy, decide, is_gone
from archive.versions.index import Check, Version, VersionIndex
from archive.versions.reading import read_snapshots
from archive.versions.snapshot import Snapshot

# Every run's version events (modifications, checks), one PREMIS JSON line each, in the output
# folder: a run that found nothing new makes no bag, and its checks are still on record here.
PREMIS_LOG_NAME = "versions-premis.jsonl"


class ArticleOutcome(Protocol):
    """What the capture session reports per article (archive.capture.session.ArticleResult)."""

    url: str
    final_url: str | None
    status: int | None
    ok: bool
    unchanged: bool
    captured_at: str | None


@dataclass
class RunVersions:
    source: str | None
    capture_id: str
    at: str
    decisions: dict[str, Decision] = field(default_factory=dict)  # requested URL -> decision
    files: dict[str, Path] = field(default_factory=dict)  # requested URL -> its record file
    previous: dict[str, Version] = field(default_factory=dict)
    gone: dict[str, str] = field(default_factory=dict)  # URL -> why
    checks: list[Check] = field(default_factory=list)
    final_urls: dict[str, str | None] = field(default_factory=dict)

    @property
    def changed(self) -> list[str]:
        return [u for u, d in self.decisions.items() if d.makes_version]

    @property
    def has_versions(self) -> bool:
        return bool(self.changed)

    def record_files(self) -> list[Path]:
        """The records that go into the bag: new and changed versions only."""
        return [self.files[u] for u in self.changed if u in self.files]

    def link_records(self, bag_name: str) -> None:
        """Give each new version's record its number and a link to the previous version's record."""
        for url in self.changed:
            path = self.files.get(url)
            if path is None:
                continue
            record = json.loads(path.read_text(encoding="utf-8"))
            before = self.previous.get(url)
            record["version"] = (before.seq + 1) if before else 1
            if before is not None and before.record:
                # Relative to this record's place (BAG/data/metadata/FILE): bags sit side by side.
                record["isBasedOn"] = "../../../" + before.record
            write_json_atomic(path, record)

    def versions(self, bag: Path | None, out: Path) -> list[Version]:
        found = []
        for url, d in self.decisions.items():
            if not d.makes_version:
                continue
            file = self.files.get(url)
            record = f"{bag.name}/data/metadata/{file.name}" if bag is not None and file is not None else None
            found.append(Version(url, 0, self.at, d.outcome, d.fingerprint, d.snapshot,
                                 os.path.relpath(bag, out) if bag is not None else None, record, self.capture_id,
                                 self.final_urls.get(url), d.summary, self.source, d.ratio))
        found += [Version(url, 0, self.at, "gone", "", None, None, None, self.capture_id, self.final_urls.get(url),
                          why, self.source, 1.0, _published_text(self.previous.get(url)))
                  for url, why in self.gone.items()]
        return found

    def commit(self, index: VersionIndex, bag: Path | None, out: Path) -> list[Version]:
        checks = self.checks + [Check(u, self.at, d.outcome, self.capture_id, self.source)
                                for u, d in self.decisions.items() if not d.makes_version]
        return index.add(self.versions(bag, out), checks)

    def premis_events(self) -> list[PremisEvent]:
        events = []
        for url in self.changed:
            d = self.decisions[url]
            if d.outcome == "changed":
                before = self.previous.get(url)
                detail = (f"editorial modification detected in {url} since version {before.seq if before else '?'} "
                          f"({before.at if before else '?'}): {d.summary}; {d.ratio:.1%} of words changed")
                events.append(PremisEvent("modification", "success", detail, objects=_objects(self.files.get(url))))
        unchanged = [u for u, d in self.decisions.items() if not d.makes_version] + [c.url for c in self.checks]
        if unchanged or self.gone:
            detail = (f"editorial comparison with the last version: {len(unchanged)} article(s) unchanged "
                      f"or changed below the noise threshold, {len(self.gone)} gone")
            events.append(PremisEvent("validation", "success", detail))
        return events

    def to_json(self) -> dict[str, Any]:
        return {"changed": [{"url": u, "outcome": self.decisions[u].outcome, "summary": self.decisions[u].summary}
                            for u in self.changed],
                "gone": [{"url": u, "why": w} for u, w in self.gone.items()],
                "unchanged": len(self.checks) + sum(1 for d in self.decisions.values() if not d.makes_version)}


def _published_text(version: Version | None) -> str | None:
    return version.published if version is not None else None


def _objects(path: Path | None) -> tuple[str, ...]:
    return (f"data/metadata/{path.name}",) if path is not None else ()


def _record_target(record: Mapping[str, object]) -> str | None:
    prov = record.get("provenance")
    warc = prov.get("warc") if isinstance(prov, Mapping) else None
    target = warc.get("targetUri") if isinstance(warc, Mapping) else None
    return str(target) if target else None


def plan_run(articles: Sequence[ArticleOutcome], warcs: Sequence[Path], records: Sequence[Mapping[str, object]],
             files: Sequence[Path], index: VersionIndex, policy: VersionPolicy, *, source: str | None,
             capture_id: str) -> RunVersions:
    """Decide, for every article of the run, whether it is a new version, a check, or gone."""
    run = RunVersions(source, capture_id, datetime.now(UTC).isoformat(timespec="seconds"))
    urls = [a.url for a in articles]
    run.previous = index.latest(urls)
    run.final_urls = {a.url: a.final_url for a in articles}
    by_target = {t: (r, f) for r, f in zip(records, files, strict=False) if (t := _record_target(r))}
    fresh: list[tuple[ArticleOutcome, Mapping[str, object], Path]] = []
    for a in articles:
        before = run.previous.get(a.url)
        why = is_gone(a.url, a.status, a.final_url, before.final_url if before else None) if before else None
        if why is not None:
            _gone(run, a.url, why, before)
        elif a.unchanged:
            run.checks.append(Check(a.url, run.at, "unchanged", capture_id, source))
        elif a.ok and (found := by_target.get(a.final_url or a.url) or by_target.get(a.url)) is not None:
            fresh.append((a, found[0], found[1]))
    snapshots = read_snapshots(warcs, [r for _, r, _ in fresh])
    for (a, _, path), snap in zip(fresh, snapshots, strict=True):
        run.files[a.url] = path
        run.decisions[a.url] = _decide_one(index, run, a.url, snap, policy)
    return run


def _gone(run: RunVersions, url: str, why: str, before: Version | None) -> None:
    if before is not None and before.outcome == "gone":
        run.checks.append(Check(url, run.at, "still-gone", run.capture_id, run.source))
    else:
        run.gone[url] = why


def _decide_one(index: VersionIndex, run: RunVersions, url: str, snap: Snapshot, policy: VersionPolicy) -> Decision:
    before = run.previous.get(url)
    if before is None:
        return decide(url, snap, None, lambda: None, policy)
    if before.outcome == "gone":
        with index.reading() as db:
            content = index.last_snapshot(db, url)
        if content is None:
            return decide(url, snap, None, lambda: None, policy)
        return decide(url, snap, content.fingerprint, lambda: content.snapshot, policy, last_gone=True)
    return decide(url, snap, before.fingerprint, lambda: index.one(url, before.seq).snapshot, policy)


def due(urls: Sequence[str], index: VersionIndex, policy: VersionPolicy, now: datetime | None = None) -> list[str]:
    """The URLs worth fetching now: never checked, or checked longer than ``recheck_every`` ago
    and (with ``recheck_for_days``) published less than that long ago."""
    now = now or datetime.now(UTC)
    checked = index.last_checked(urls) if policy.recheck_every > 0 else {}
    latest = index.latest(urls) if policy.recheck_for_days is not None else {}
    kept = []
    for url in urls:
        last = checked.get(url)
        if last is not None and (now - _when(last)).total_seconds() < policy.recheck_every:
            continue
        published = _published(latest.get(url))
        if published is not None and policy.recheck_for_days is not None \
                and (now - published).total_seconds() > policy.recheck_for_days * 86400:
            continue
        kept.append(url)
    return kept


def _when(text: str) -> datetime:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _published(version: Version | None) -> datetime | None:
    if version is None or not version.published:
        return None
    try:
        return _when(version.published)
    except ValueError:
        return None


__all__ = ["RunVersions", "due", "plan_run"]
