"""An article's editorial content, normalised, and its fingerprint.

What editors change is what a reader sees: headline, standfirst, byline, dates, the body's
paragraphs, subheadings and captions, and the photos (by payload digest, so a swapped photo is
seen even under the same URL, and a CDN renaming the same photo is not). Everything else in
the bytes (ads, timestamps, tokens, markup) is left out, so it never makes a version.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from archive.textblocks import Block


def norm(text: object) -> str:
    """NFC, whitespace collapsed, trimmed; typographic quotes and dashes made plain (a CMS
    "smartening" quotes between two loads is not an edit)."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFC", text).translate(_PLAIN)
    return " ".join(text.split())


_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                        "\u2014": "-", "\u00a0": " ", "\u200b": ""})


@dataclass(frozen=True)
class Image:
    url: str
    digest: str | None  # payload digest of the archived image; None when it was not captured
    caption: str = ""

    @property
    def identity(self) -> str:
        return self.digest or self.url


@dataclass(frozen=True)
class Snapshot:
    """One version's editorial content. ``blocks`` are (kind, text) pairs in reading order."""

    headline: str = ""
    standfirst: str = ""
    byline: str = ""
    published: str = ""
    modified: str = ""
    blocks: tuple[tuple[str, str], ...] = ()
    images: tuple[Image, ...] = field(default_factory=tuple)

    def fingerprint(self, *, headline_only: bool = False) -> str:
        """sha256 over the editorial fields (the headline alone in headline-only mode)."""
        data: object = self.headline if headline_only else self.to_json()
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def words(self) -> list[str]:
        """Every word a reader sees, in order (for the change ratio)."""
        parts = [self.headline, self.standfirst, self.byline, self.published, self.modified]
        parts += [text for _, text in self.blocks] + [i.caption for i in self.images]
        return " ".join(parts).split()

    def to_json(self) -> dict[str, Any]:
        # Built by hand: dataclasses.asdict deep-copies every string, and this runs per article per run.
        return {"headline": self.headline, "standfirst": self.standfirst, "byline": self.byline,
                "published": self.published, "modified": self.modified, "blocks": [list(b) for b in self.blocks],
                "images": [{"url": i.url, "digest": i.digest, "caption": i.caption} for i in self.images]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(
            headline=str(data.get("headline", "")), standfirst=str(data.get("standfirst", "")),
            byline=str(data.get("byline", "")), published=str(data.get("published", "")),
            modified=str(data.get("modified", "")),
            blocks=tuple((str(k), str(t)) for k, t in data.get("blocks", ())),
            images=tuple(Image(str(i["url"]), i.get("digest"), str(i.get("caption", "")))
                         for i in data.get("images", ())),
        )


def _byline(record: Mapping[str, object]) -> str:
    authors = record.get("author")
    if not isinstance(authors, list):
        return ""
    names = [norm(a.get("name")) for a in authors if isinstance(a, Mapping)]
    # Case folded: "By JANE DOE" and "By Jane Doe" are one byline styled two ways.
    return ", ".join(n for n in names if n).casefold()


def _images(record: Mapping[str, object], digests: Mapping[str, str]) -> tuple[Image, ...]:
    found = record.get("image")
    if not isinstance(found, list):
        return ()
    return tuple(Image(str(i.get("url", "")), digests.get(str(i.get("url", ""))), norm(i.get("caption")))
                 for i in found if isinstance(i, Mapping) and i.get("url"))


def snapshot_of(record: Mapping[str, object], blocks: Sequence[Block],
                image_digests: Mapping[str, str]) -> Snapshot:
    """The editorial snapshot of an extracted NewsArticle record plus its body blocks.

    Captions already listed with the record's images are not repeated as body blocks."""
    images = _images(record, image_digests)
    captions = {i.caption for i in images if i.caption}
    kept = tuple((b.kind, t) for b in blocks if (t := norm(b.text)) and not (b.kind == "caption" and t in captions))
    return Snapshot(
        headline=norm(record.get("headline")), standfirst=norm(record.get("description")), byline=_byline(record),
        published=norm(record.get("datePublished")), modified=norm(record.get("dateModified")),
        blocks=kept, images=images,
    )
