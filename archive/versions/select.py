"""Choosing versions by number or time, for `archive diff` and `archive versions`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from archive.errors import ArchiveError, UsageError
from archive.history import HISTORY_NAME
from archive.versions.index import Version, VersionIndex


def open_index(out: Path) -> VersionIndex:
    """The output folder's index; an error (not a new empty file) when there is none."""
    path = Path(out) / HISTORY_NAME
    if not path.is_file():
        raise ArchiveError(f"no capture history in {out} (looked for {path})",
                           hint="pass the output folder of incremental or scheduled captures with --out")
    return VersionIndex(path)


def versions_of(out: Path, url: str, *, content: bool = True) -> list[Version]:
    found = open_index(out).versions(url, content=content)
    if not found:
        raise ArchiveError(f"no versions of {url} in {Path(out) / HISTORY_NAME}",
                           hint="versions are recorded by incremental captures (archive schedule, archive run)")
    return found


def pick(versions: Sequence[Version], spec: str) -> Version:
    """``spec``: a version number (``3`` or ``v3``), or a time (ISO, any prefix such as
    ``2026-03-02`` or ``2026-03-02T10:15``): the last version at or before it."""
    with_content = [v for v in versions if v.outcome != "gone"]
    number = spec.lower().removeprefix("v")
    if number.isdigit():
        for v in with_content:
            if v.seq == int(number):
                return v
        raise UsageError(f"no version {number} with content (versions: {', '.join(str(v.seq) for v in with_content)})")
    before = [v for v in with_content if v.at[:len(spec)] <= spec]
    if not before:
        raise UsageError(f"no version at or before {spec!r} (the first is from {with_content[0].at})"
                         if with_content else "no version with content")
    return before[-1]


def with_snapshots(out: Path, old: Version, new: Version) -> tuple[Version, Version]:
    """The two chosen versions with their content read (only those two are decompressed)."""
    index = open_index(out)
    return index.one(old.url, old.seq), index.one(new.url, new.seq)


def pair(versions: Sequence[Version], start: str | None, end: str | None) -> tuple[Version, Version]:
    """The two versions to compare: ``end`` (default: the latest) and ``start`` (default: the one before)."""
    with_content = [v for v in versions if v.outcome != "gone"]
    if len(with_content) < 2 and start is None:
        raise ArchiveError(f"{versions[0].url} has one version only: nothing to compare")
    new = pick(versions, end) if end else with_content[-1]
    if start:
        return pick(versions, start), new
    earlier = [v for v in with_content if v.seq < new.seq]
    if not earlier:
        raise UsageError(f"version {new.seq} is the first; pass --to a later one or --from")
    return earlier[-1], new
