"""One line saying what changed between two versions (for `archive versions` and the feeds)."""

from __future__ import annotations

from collections import Counter

from archive.versions.diff import diff
from archive.versions.snapshot import Snapshot


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summarise(old: Snapshot, new: Snapshot) -> str:
    d = diff(old, new)
    parts = [f"{c.where} {'rewritten' if c.where == 'headline' else c.change}" for c in d.fields]
    counts = Counter((c.where.split()[0], c.change) for c in d.blocks)
    parts += [f"{_plural(n, kind)} {change}" for (kind, change), n in sorted(counts.items())]
    photos = Counter(c.change for c in d.images)
    parts += [f"{_plural(n, 'photo')} {change}" for change, n in sorted(photos.items())]
    return "; ".join(parts) or "no editorial change"
