"""The version index: every version and every check of every article, in the capture history.

Tables next to ``captures`` in ``capture-history.sqlite`` (one history per output folder):
``versions`` (one row per new/changed/gone version, with its editorial snapshot compressed,
so `archive versions` and `archive diff` never open a bag) and ``checks`` (one row per article
re-checked and found unchanged or noise). Every lookup goes through the ``(url, seq)`` primary
key or the ``(url, at)`` index, so answering for one URL costs the same with a million versions
as with ten, and memory does not grow with the history.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from archive.diskfull import disk_full_guard
from archive.errors import ArchiveError
from archive.history import HISTORY_NAME, connect, create_tables
from archive.versions.snapshot import Snapshot

_SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
    url TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    snapshot BLOB,
    bag TEXT,
    record TEXT,
    capture_id TEXT,
    final_url TEXT,
    summary TEXT NOT NULL,
    source TEXT,
    ratio REAL NOT NULL DEFAULT 0,
    published TEXT,
    PRIMARY KEY (url, seq)
);
CREATE INDEX IF NOT EXISTS versions_source ON versions (source, at);
CREATE TABLE IF NOT EXISTS checks (
    url TEXT NOT NULL,
    at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    capture_id TEXT,
    source TEXT
);
CREATE INDEX IF NOT EXISTS checks_url ON checks (url, at);
"""

_COLUMNS = ("url, seq, at, outcome, fingerprint, snapshot, bag, record, capture_id, final_url, summary, source, ratio, "
            "published")


@dataclass(frozen=True)
class Version:
    url: str
    seq: int
    at: str
    outcome: str  # new | changed | gone
    fingerprint: str
    snapshot: Snapshot | None  # None for "gone"
    bag: str | None
    record: str | None  # the metadata record, relative to the output folder
    capture_id: str | None
    final_url: str | None
    summary: str
    source: str | None = None
    ratio: float = 0.0
    published: str | None = None  # datePublished of the article in this version (for recheck_for_days)


@dataclass(frozen=True)
class Check:
    url: str
    at: str
    outcome: str  # unchanged | noise | still-gone
    capture_id: str | None = None
    source: str | None = None


def _pack(snapshot: Snapshot | None) -> bytes | None:
    if snapshot is None:
        return None
    text = json.dumps(snapshot.to_json(), ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 6)


def _unpack(blob: bytes | None) -> Snapshot | None:
    return None if blob is None else Snapshot.from_json(json.loads(zlib.decompress(blob)))


def _row(values: Sequence[object]) -> Version:
    (url, seq, at, outcome, fingerprint, blob, bag, record, capture_id, final_url, summary, source, ratio,
     published) = values
    return Version(str(url), int(str(seq)), str(at), str(outcome), str(fingerprint),
                   _unpack(blob if isinstance(blob, bytes) else None), _opt(bag), _opt(record), _opt(capture_id),
                   _opt(final_url), str(summary), _opt(source), float(str(ratio)), _opt(published))


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


class VersionIndex:
    """Opened per use like CaptureHistory; each write is one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        create_tables(self.path, _SCHEMA, "the version index in")

    @classmethod
    def in_folder(cls, out: Path) -> VersionIndex:
        return cls(Path(out) / HISTORY_NAME)

    def _connect(self) -> sqlite3.Connection:
        return connect(self.path)

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as db:
            yield db

    def latest(self, urls: Iterable[str]) -> dict[str, Version]:
        """The last version of each URL that has one (one indexed lookup per URL), without its
        snapshot (read it with :meth:`one` when the fingerprints differ)."""
        found: dict[str, Version] = {}
        query = f"SELECT {_COLUMNS.replace('snapshot', 'NULL')} FROM versions WHERE url = ? ORDER BY seq DESC LIMIT 1"
        with self.reading() as db:
            for url in dict.fromkeys(urls):
                row = db.execute(query, (url,)).fetchone()
                if row is not None:
                    found[url] = _row(row)
        return found

    def last_snapshot(self, db: sqlite3.Connection, url: str) -> Version | None:
        """The last version that has content (not "gone"), for comparing a page that came back."""
        row = db.execute(f"SELECT {_COLUMNS} FROM versions WHERE url = ? AND snapshot IS NOT NULL "
                         "ORDER BY seq DESC LIMIT 1", (url,)).fetchone()
        return None if row is None else _row(row)

    def last_checked(self, urls: Iterable[str]) -> dict[str, str]:
        """URL -> time of its last check or version (whichever is later)."""
        out: dict[str, str] = {}
        with self.reading() as db:
            for url in dict.fromkeys(urls):
                times = [r[0] for r in (db.execute("SELECT max(at) FROM checks WHERE url = ?", (url,)).fetchone(),
                                        db.execute("SELECT max(at) FROM versions WHERE url = ?", (url,)).fetchone())
                         if r[0] is not None]
                if times:
                    out[url] = max(times)
        return out

    def versions(self, url: str, *, content: bool = True) -> list[Version]:
        """Every version of ``url`` in order; without ``content`` the snapshots are not read."""
        columns = _COLUMNS if content else _COLUMNS.replace("snapshot", "NULL")
        with self.reading() as db:
            rows = db.execute(f"SELECT {columns} FROM versions WHERE url = ? ORDER BY seq", (url,)).fetchall()
        return [_row(r) for r in rows]

    def one(self, url: str, seq: int) -> Version:
        with self.reading() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM versions WHERE url = ? AND seq = ?", (url, seq)).fetchone()
        if row is None:
            raise ArchiveError(f"version {seq} of {url} is not in {self.path}")
        return _row(row)

    def recent(self, source: str | None, limit: int = 50) -> list[Version]:
        """The last ``limit`` changed/gone versions of a source (newest first), for its feed."""
        with self.reading() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM versions WHERE source IS ? AND outcome != 'new' "
                              "ORDER BY at DESC LIMIT ?", (source, limit)).fetchall()
        return [_row(r) for r in rows]

    def add(self, versions: Sequence[Version], checks: Sequence[Check]) -> list[Version]:
        """Append versions (numbered after the URL's last) and checks in one transaction;
        returns the versions as numbered."""
        added: list[Version] = []
        kept = "the bag is complete; the version index was not updated, so the next run compares again"
        with disk_full_guard(self.path, kept), closing(self._connect()) as db, db:
            for v in versions:
                row = db.execute("SELECT max(seq) FROM versions WHERE url = ?", (v.url,)).fetchone()
                seq = (row[0] or 0) + 1
                published = v.published or (v.snapshot.published if v.snapshot else None) or None
                added.append(replace(v, seq=seq, published=published))
                db.execute(f"INSERT INTO versions ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           (v.url, seq, v.at, v.outcome, v.fingerprint, _pack(v.snapshot), v.bag, v.record,
                            v.capture_id, v.final_url, v.summary, v.source, v.ratio, published))
            db.executemany("INSERT INTO checks VALUES (?,?,?,?,?)",
                           [(c.url, c.at, c.outcome, c.capture_id, c.source) for c in checks])
        return added
