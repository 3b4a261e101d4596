"""Word-level differences between two editorial snapshots.

Fields (headline, standfirst, byline, dates) are diffed word by word; body blocks are first
aligned (a paragraph added in the middle is one insertion, not every later paragraph changed),
then paired replacements are diffed word by word; photos are compared by payload digest.
Only what changed is reported: an unchanged paragraph never appears.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

from archive.versions.snapshot import Image, Snapshot

Op = Literal["=", "-", "+"]
FIELDS: tuple[tuple[str, str], ...] = (("headline", "headline"), ("standfirst", "standfirst"), ("byline", "byline"),
                                       ("published", "datePublished"), ("modified", "dateModified"))


@dataclass(frozen=True)
class TextChange:
    """One changed field or block: its label, and the words as (op, text) runs."""

    where: str  # "headline", "paragraph 3", "caption 1", ...
    change: Literal["changed", "added", "removed"]
    words: tuple[tuple[Op, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {"where": self.where, "change": self.change, "words": [list(w) for w in self.words]}


@dataclass(frozen=True)
class ImageChange:
    change: Literal["added", "removed", "replaced"]
    old: Image | None
    new: Image | None

    def to_json(self) -> dict[str, Any]:
        def one(i: Image | None) -> dict[str, Any] | None:
            return None if i is None else {"url": i.url, "digest": i.digest, "caption": i.caption}
        return {"change": self.change, "old": one(self.old), "new": one(self.new)}


@dataclass(frozen=True)
class Diff:
    fields: tuple[TextChange, ...]
    blocks: tuple[TextChange, ...]
    images: tuple[ImageChange, ...]

    @property
    def empty(self) -> bool:
        return not (self.fields or self.blocks or self.images)

    def to_json(self) -> dict[str, Any]:
        return {"fields": [c.to_json() for c in self.fields], "blocks": [c.to_json() for c in self.blocks],
                "images": [c.to_json() for c in self.images]}


def word_ops(old: str, new: str) -> tuple[tuple[Op, str], ...]:
    """Runs of equal, removed and added words turning ``old`` into ``new``."""
    a, b = old.split(), new.split()
    runs: list[tuple[Op, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            runs.append(("=", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            runs.append(("+", " ".join(b[j1:j2])))
    return tuple(runs)


def _field_changes(old: Snapshot, new: Snapshot) -> list[TextChange]:
    changes = []
    for attr, label in FIELDS:
        a, b = getattr(old, attr), getattr(new, attr)
        if a != b:
            kind: Literal["changed", "added", "removed"] = "added" if not a else "removed" if not b else "changed"
            changes.append(TextChange(label, kind, word_ops(a, b)))
    return changes


def _label(kind: str, n: int) -> str:
    return f"{kind} {n}"


def _similar(a: str, b: str) -> float:
    """Shared words (as a multiset) over all words: linear time, enough to pair paragraphs."""
    wa, wb = Counter(a.split()), Counter(b.split())
    total = sum(wa.values()) + sum(wb.values())
    return 2.0 * sum((wa & wb).values()) / total if total else 1.0


def _pairs(a: list[tuple[str, str]], b: list[tuple[str, str]]) -> list[tuple[int, int]]:
    """Within a replaced run, pair each old block with the first later new block that is mostly
    the same words (an edited paragraph); the rest were added or removed."""
    pairs: list[tuple[int, int]] = []
    start = 0
    for i, (_, text) in enumerate(a):
        for j in range(start, len(b)):
            if _similar(text, b[j][1]) >= 0.5:
                pairs.append((i, j))
                start = j + 1
                break
    return pairs


def _block_changes(old: Snapshot, new: Snapshot) -> list[TextChange]:
    a, b = list(old.blocks), list(new.blocks)
    changes: list[TextChange] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        pairs = _pairs(a[i1:i2], b[j1:j2])
        paired_old, paired_new = {i for i, _ in pairs}, {j for _, j in pairs}
        for i, j in pairs:
            (_, ta), (kind, tb) = a[i1 + i], b[j1 + j]
            changes.append(TextChange(_label(kind, j1 + j + 1), "changed", word_ops(ta, tb)))
        for i in sorted(set(range(i2 - i1)) - paired_old):
            kind, text = a[i1 + i]
            changes.append(TextChange(_label(kind, i1 + i + 1) + " (old)", "removed", (("-", text),)))
        for j in sorted(set(range(j2 - j1)) - paired_new):
            kind, text = b[j1 + j]
            changes.append(TextChange(_label(kind, j1 + j + 1), "added", (("+", text),)))
    return changes


def _image_changes(old: Snapshot, new: Snapshot) -> list[ImageChange]:
    old_ids = {i.identity for i in old.images}
    new_ids = {i.identity for i in new.images}
    removed = [i for i in old.images if i.identity not in new_ids]
    added = [i for i in new.images if i.identity not in old_ids]
    changes: list[ImageChange] = []
    # A photo that left while another arrived in the same article is a swap: pair them in order.
    for gone, came in zip(removed, added, strict=False):
        changes.append(ImageChange("replaced", gone, came))
    changes += [ImageChange("removed", i, None) for i in removed[len(added):]]
    changes += [ImageChange("added", None, i) for i in added[len(removed):]]
    return changes


def _caption_changes(old: Snapshot, new: Snapshot) -> list[TextChange]:
    """Captions of photos kept, or swapped in place, whose words changed."""
    before = {i.identity: i for i in old.images}
    changes = []
    for n, image in enumerate(new.images, start=1):
        was = before.get(image.identity)
        if was is not None and was.caption != image.caption:
            changes.append(TextChange(f"caption {n}", "changed", word_ops(was.caption, image.caption)))
    return changes


def diff(old: Snapshot, new: Snapshot) -> Diff:
    blocks = _block_changes(old, new) + _caption_changes(old, new)
    return Diff(tuple(_field_changes(old, new)), tuple(blocks), tuple(_image_changes(old, new)))
