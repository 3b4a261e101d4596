"""Per run and per article: unchanged, changed, new or gone, against the last version.

Byte changes alone never make a version: only the editorial snapshot is compared. A change
whose words differ by less than the source's noise threshold is recorded as a check, not a
version; the headline, byline, dates and photos are never noise (one word there is an edit).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal
from urllib.parse import urlsplit

from archive.errors import ConfigError
from archive.versions.snapshot import Snapshot

Outcome = Literal["new", "changed", "unchanged", "noise", "gone", "still-gone"]
VERSION_OUTCOMES: frozenset[str] = frozenset({"new", "changed", "gone"})


@dataclass(frozen=True)
class VersionPolicy:
    """Per source (config ``sources[].versions``): when to re-check and what counts as an edit.

    ``recheck_every``: seconds before an article is fetched again (0: every run);
    ``recheck_for_days``: stop re-checking this long after publication (None: forever);
    ``noise_threshold``: word-level change ratio (0..1) of the body below which a change is noise;
    ``headline_only``: only a headline change makes a version."""

    recheck_every: float = 0.0
    recheck_for_days: float | None = None
    noise_threshold: float = 0.0
    headline_only: bool = False

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> VersionPolicy:
        data = dict(data or {})
        unknown = set(data) - {"recheck_every", "recheck_for_days", "noise_threshold", "headline_only"}
        if unknown:
            raise ConfigError(f"versions: unknown setting(s) {', '.join(sorted(unknown))}")
        policy = cls(recheck_every=float(data.get("recheck_every", 0.0)),
                     recheck_for_days=(float(data["recheck_for_days"]) if data.get("recheck_for_days") is not None
                                       else None),
                     noise_threshold=float(data.get("noise_threshold", 0.0)),
                     headline_only=bool(data.get("headline_only", False)))
        if not 0.0 <= policy.noise_threshold < 1.0:
            raise ConfigError(f"versions.noise_threshold must be in [0, 1), not {policy.noise_threshold}")
        return policy

    def to_json(self) -> dict[str, Any]:
        return {"recheck_every": self.recheck_every, "recheck_for_days": self.recheck_for_days,
                "noise_threshold": self.noise_threshold, "headline_only": self.headline_only}


@dataclass(frozen=True)
class Decision:
    url: str
    outcome: Outcome
    fingerprint: str
    snapshot: Snapshot | None
    ratio: float = 0.0  # word-level change ratio against the last version
    summary: str = ""

    @property
    def makes_version(self) -> bool:
        return self.outcome in VERSION_OUTCOMES


def change_ratio(old: Snapshot, new: Snapshot) -> float:
    """Share of words inserted, deleted or replaced (0: same words, 1: nothing in common)."""
    a, b = old.words(), new.words()
    if not a and not b:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    return 1.0 - (2.0 * same) / (len(a) + len(b))


def _never_noise(old: Snapshot, new: Snapshot) -> bool:
    return (old.headline, old.byline, old.published, old.images) != (new.headline, new.byline, new.published,
                                                                     new.images)


def decide(url: str, snapshot: Snapshot, last_fingerprint: str | None, load_last: Callable[[], Snapshot | None],
           policy: VersionPolicy, *, last_gone: bool = False) -> Decision:
    """Compare a fresh snapshot with the last version (``last_fingerprint`` None: never captured).

    ``load_last`` reads the last version's snapshot; it is only called when the fingerprints
    differ, so an unchanged article costs one hash and no decompression."""
    from archive.versions.summary import summarise

    fingerprint = snapshot.fingerprint(headline_only=policy.headline_only)
    if last_fingerprint is None:
        return Decision(url, "new", fingerprint, snapshot, 1.0, "first version")
    if fingerprint == last_fingerprint and not last_gone:
        return Decision(url, "unchanged", fingerprint, snapshot)
    last = load_last()
    if last is None:
        return Decision(url, "new", fingerprint, snapshot, 1.0, "first version")
    ratio = change_ratio(last, snapshot)
    if last_gone:
        return Decision(url, "changed", fingerprint, snapshot, ratio, "back online; " + summarise(last, snapshot))
    if not policy.headline_only and not _never_noise(last, snapshot) and ratio < policy.noise_threshold:
        return Decision(url, "noise", fingerprint, snapshot, ratio, f"{ratio:.1%} of words changed (below threshold)")
    return Decision(url, "changed", fingerprint, snapshot, ratio, summarise(last, snapshot))


def _same_place(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.hostname, pa.path.rstrip("/"), pa.query) == (pb.hostname, pb.path.rstrip("/"), pb.query)


def _away(original: str, final: str) -> bool:
    """A redirect that leaves the article: to another host, the home page or a section above it.
    A redirect to another article path (a slug rewritten with the headline) is the same story moved."""
    po, pf = urlsplit(original), urlsplit(final)
    if po.hostname != pf.hostname:
        return True
    target = pf.path.rstrip("/")
    return not target or po.path.startswith(target + "/")


def is_gone(url: str, status: int | None, final_url: str | None, last_final_url: str | None) -> str | None:
    """Why a known article is gone (404/410, or redirected away from it), or None."""
    if status in (404, 410):
        return f"HTTP {status}"
    if not final_url or _same_place(final_url, url) or (last_final_url and _same_place(final_url, last_final_url)):
        return None
    return f"redirected to {final_url}" if _away(url, final_url) else None
