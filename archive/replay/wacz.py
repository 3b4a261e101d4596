"""Package a bag as WACZ 1.1.1 (https://specs.webrecorder.net/wacz/1.1.1/), for ReplayWeb.page.

Layout: ``archive/*.warc.gz`` (the bag's WARCs, ZIP "stored": not compressed again, so a player
can read records by offset), ``indexes/index.cdxj`` (the bag's own index; its ``filename`` fields
are already relative to ``archive/``), ``pages/pages.jsonl`` (one page per article, titled from
its metadata record), ``datapackage.json`` (sha256 and size of every file) and
``datapackage-digest.json`` (sha256 of ``datapackage.json``).

Every file is streamed into the zip and hashed in the same pass. The WACZ is written under a
temporary name beside ``dest`` and renamed when complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import secrets
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from archive import SOFTWARE
from archive.beneath import open_file_beneath
from archive.diskfull import disk_full_guard
from archive.errors import ArchiveError, BagError, UsageError
from archive.replay.articles import find_articles
from archive.replay.sources import Source, open_source
from archive.validate.inventory import take_inventory
from archive.validate.report import SPECIAL_FILE, SYMLINK, UNREADABLE

__all__ = ["WACZ_VERSION", "write_wacz"]

WACZ_VERSION = "1.1.1"
_CHUNK = 1024 * 1024
# Index lines of the capture's own metadata records share the article's URL and time; a player
# could show them instead of the page (pywb's indexer leaves them out), so the WACZ index does too.
_ZIP64_AT = 2**31 - 1


def _iso(ts14: str) -> str:
    t = ts14
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


class _Entry:
    """Streams chunks into one zip member, hashing and counting them on the way."""

    def __init__(self, zf: zipfile.ZipFile, name: str, *, compress: bool, large: bool = False) -> None:
        info = zipfile.ZipInfo(name, date_time=datetime.now(UTC).timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        self.name = name
        self._out = zf.open(info, "w", force_zip64=large)
        self._sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        try:
            self._out.write(data)
        except BaseException:
            # Close the member (its own close fails too on a full disk, but releases the
            # archive): a member left open makes ZipFile's close, and later its __del__ at
            # garbage collection, raise ValueError over the real error.
            with contextlib.suppress(OSError, ValueError):
                self._out.close()
            raise
        self._sha256.update(data)
        self.size += len(data)

    def close(self) -> dict[str, Any]:
        self._out.close()
        return {"name": os.path.basename(self.name).lower(), "path": self.name,
                "hash": "sha256:" + self._sha256.hexdigest(), "bytes": self.size}


def _copy(src: BinaryIO, entry: _Entry) -> None:
    while chunk := src.read(_CHUNK):
        entry.write(chunk)


def _refuse_links(bag: Path) -> None:
    """Refuse a bag holding links or special files, naming each: a WACZ made from it would embed
    whatever the link points to, anywhere (the bag itself would not validate)."""
    odd = [p for p in take_inventory(bag).problems if p.kind in (SYMLINK, SPECIAL_FILE, UNREADABLE)]
    if odd:
        shown = [f"{p.path}: {p.detail}" for p in odd[:20]] + ([f"and {len(odd) - 20} more"] if len(odd) > 20 else [])
        raise BagError(f"{bag}: not packaged, the bag holds {len(odd)} link(s) or unreadable file(s):", details=shown,
                       hint=f"`archive validate {bag}` names every problem; "
                                              "make the bag whole again first")


def _index_lines(source: Source) -> Iterator[bytes]:
    assert source.index is not None
    with io.BufferedReader(open_file_beneath(source.path, source.index.relative_to(source.path).as_posix())) as fh:
        for line in fh:
            if line.strip():
                yield line if line.endswith(b"\n") else line + b"\n"


def _pages(source: Source) -> Iterable[dict[str, Any]]:
    for article in find_articles([source]):
        page: dict[str, Any] = {"id": secrets.token_hex(16), "url": article.url, "ts": _iso(article.timestamp)}
        if article.title:
            page["title"] = article.title
        yield page


def write_wacz(bag: Path, dest: Path, *, title: str | None = None) -> Path:
    """Write the WACZ of ``bag`` to ``dest`` and return ``dest``.

    Raises :class:`UsageError` when ``bag`` is not a bag, :class:`BagError` when it has no
    index, and :class:`ArchiveError` when ``dest`` cannot be written (nothing is left behind).
    """
    source = open_source(Path(bag))
    if not source.is_bag:
        raise UsageError(f"{bag}: not a bag (no bagit.txt)", hint="`archive bag WARC... --out DIR` makes one")
    if source.index is None:
        raise BagError(f"{bag}: the bag has no data/indexes/index.cdxj",
                       hint="rebuild it with `archive bag`, which indexes the WARCs")
    _refuse_links(Path(bag))
    names = [w.relative_to(source.warc_root).as_posix() for w in source.warcs]
    nested = [n for n in names if "/" in n]
    if nested:
        raise BagError(f"{bag}: WARCs in sub-folders of data/warcs ({nested[0]}) cannot be named in a WACZ index")
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.partial-{secrets.token_hex(4)}")
    pages = list(_pages(source))
    resources: list[dict[str, Any]] = []
    try:
        # The guard is outside the ZipFile: a full disk leaves a member open, and ZipFile's exit
        # then raises ValueError over the ENOSPC; the guard finds the ENOSPC in that chain.
        with (disk_full_guard(dest, f"no WACZ was left; the bag {bag} is untouched"),
              zipfile.ZipFile(tmp, "x", allowZip64=True) as zf):
            for warc, name in zip(source.warcs, names, strict=True):
                entry = _Entry(zf, f"archive/{name}", compress=False, large=warc.stat().st_size >= _ZIP64_AT)
                with open_file_beneath(bag, warc.relative_to(bag).as_posix()) as fh:
                    _copy(fh, entry)
                resources.append(entry.close())
            entry = _Entry(zf, "indexes/index.cdxj", compress=True,
                           large=source.index.stat().st_size >= _ZIP64_AT)
            for line in _index_lines(source):
                entry.write(line)
            resources.append(entry.close())
            entry = _Entry(zf, "pages/pages.jsonl", compress=True)
            header = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
            for record in (header, *pages):
                entry.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
            resources.append(entry.close())
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            package: dict[str, Any] = {
                "profile": "data-package",
                "resources": resources,
                "title": title or source.label,
                "created": now,
                "modified": now,
                "wacz_version": WACZ_VERSION,
                "software": SOFTWARE,
            }
            if pages:
                package["mainPageURL"] = pages[0]["url"]
                package["mainPageDate"] = pages[0]["ts"]
            package_bytes = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
            zf.writestr("datapackage.json", package_bytes, compress_type=zipfile.ZIP_DEFLATED)
            digest = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
            zf.writestr("datapackage-digest.json", json.dumps(digest, indent=2), compress_type=zipfile.ZIP_DEFLATED)
        os.replace(tmp, dest)
    except OSError as exc:
        raise ArchiveError(f"{dest}: cannot write the WACZ: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return dest
