"""What the user pointed a replay or access command at: a bag, a capture folder or WARC files.

A :class:`Source` says where the WARCs are, which CDXJ index already describes them (a bag's
``data/indexes/index.cdxj``, whose ``filename`` fields are relative to ``data/warcs``) and which
article metadata records come with them. Nothing is read here beyond directory listings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.beneath import open_file_beneath
from archive.errors import UsageError

__all__ = ["WARC_SUFFIXES", "Source", "is_warc_name", "open_source", "open_sources"]

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
BAG_WARC_DIR = Path("data/warcs")
BAG_METADATA_DIR = Path("data/metadata")
BAG_INDEX = Path("data/indexes/index.cdxj")


def is_warc_name(name: str) -> bool:
    low = name.lower()
    return low.endswith(WARC_SUFFIXES)


@dataclass(frozen=True)
class Source:
    """One input. ``warc_root`` is the folder the index's ``filename`` fields are relative to."""

    path: Path
    warcs: tuple[Path, ...]
    warc_root: Path
    index: Path | None
    metadata: tuple[Path, ...]
    is_bag: bool

    @property
    def label(self) -> str:
        return self.path.name or str(self.path)

    def metadata_records(self) -> Iterator[dict[str, Any]]:
        """The article records (schema.org NewsArticle JSON); unreadable ones are skipped."""
        for path in self.metadata:
            try:
                if self.is_bag:  # inside a bag: never through a link (see archive.beneath)
                    with open_file_beneath(self.path, path.relative_to(self.path).as_posix()) as f:
                        doc = json.loads(f.read().decode("utf-8"))
                else:
                    doc = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(doc, dict):
                yield doc


def _warcs_in(folder: Path) -> tuple[Path, ...]:
    return tuple(sorted(p for p in folder.iterdir() if p.is_file() and is_warc_name(p.name)))


def open_source(path: Path) -> Source:
    """Classify ``path``: a bag (has ``bagit.txt``), a folder of WARCs, or one WARC/ARC file.

    Raises :class:`UsageError` when it is none of these.
    """
    path = Path(path)
    if path.is_dir():
        if (path / "bagit.txt").is_file():
            warc_root = path / BAG_WARC_DIR
            if not warc_root.is_dir():
                raise UsageError(f"{path}: a bag without {BAG_WARC_DIR}/", hint="is this a bag made by `archive bag`?")
            warcs = tuple(sorted(p for p in warc_root.rglob("*") if p.is_file() and is_warc_name(p.name)))
            index = path / BAG_INDEX
            meta_dir = path / BAG_METADATA_DIR
            metadata = tuple(sorted(meta_dir.glob("*.json"))) if meta_dir.is_dir() else ()
            if not warcs:
                raise UsageError(f"{path}: the bag holds no WARC files under {BAG_WARC_DIR}/")
            return Source(path, warcs, warc_root, index if index.is_file() else None, metadata, True)
        warcs = _warcs_in(path)
        if not warcs:
            raise UsageError(f"{path}: neither a bag (no bagit.txt) nor a folder of WARC files",
                             hint="pass a bag folder, a capture folder or .warc/.warc.gz files")
        return Source(path, warcs, path, None, (), False)
    if path.is_file():
        return Source(path, (path,), path.parent, None, (), False)
    raise UsageError(f"{path}: no such file or folder")


def open_sources(paths: Iterable[Path]) -> list[Source]:
    return [open_source(p) for p in paths]
