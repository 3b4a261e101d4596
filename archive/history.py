"""The capture history: what was captured, when, with what payload digest, into which bag.

A SQLite file in the output folder (``capture-history.sqlite``), so incremental captures can
skip an article whose page has not changed since it was last archived. One row per captured
article page; lookups read the latest row per URL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from archive.diskfull import disk_full_guard
from archive.errors import ArchiveError

HISTORY_NAME = "capture-history.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS captures (
    url TEXT NOT NULL,
    final_url TEXT,
    captured_at TEXT NOT NULL,
    payload_digest TEXT NOT NULL,
    capture_id TEXT NOT NULL,
    bag TEXT
);
CREATE INDEX IF NOT EXISTS captures_url ON captures (url, captured_at);
"""


@dataclass(frozen=True)
class Captured:
    url: str
    final_url: str | None
    captured_at: str
    payload_digest: str


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the history database (waiting up to 30 s for another writer)."""
    return sqlite3.connect(path, timeout=30)


def create_tables(path: Path, schema: str, what: str) -> None:
    """Make ``path``'s folder and ``schema``'s tables in one transaction; a clear error naming
    ``what`` when the folder is not writable or the file is not a SQLite database."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(connect(path)) as db, db:
            db.executescript(schema)
    except (OSError, sqlite3.Error) as exc:
        raise ArchiveError(f"cannot open {what} {path}: {exc}",
                           hint="is the output folder writable, and the file a SQLite database?") from exc


class CaptureHistory:
    """Opened per use; every write is one transaction, so a crash never leaves half a run."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        create_tables(self.path, _SCHEMA, "capture history")

    def _connect(self) -> sqlite3.Connection:
        return connect(self.path)

    def latest_digests(self) -> dict[str, str]:
        """URL (as requested, and as finally fetched) -> payload digest of its latest capture."""
        query = "SELECT url, final_url, payload_digest FROM captures ORDER BY captured_at"
        digests: dict[str, str] = {}
        with closing(self._connect()) as db:
            for url, final_url, digest in db.execute(query):
                digests[url] = digest
                if final_url:
                    digests[final_url] = digest
        return digests

    def record(self, rows: Iterable[Captured], *, capture_id: str, bag: str | None) -> int:
        values = [(r.url, r.final_url, r.captured_at, r.payload_digest, capture_id, bag) for r in rows]
        kept = (f"the bag {bag} is complete" if bag else "the capture's files are complete") + \
            "; the capture history was not updated, so the next run captures these articles again"
        with disk_full_guard(self.path, kept), closing(self._connect()) as db, db:
            db.executemany("INSERT INTO captures VALUES (?, ?, ?, ?, ?, ?)", values)
        return len(values)


def unchanged_filter(known: Mapping[str, str]) -> Callable[[str, str], bool]:
    """A predicate for CaptureSession: True when (url, digest) matches the last capture."""

    def unchanged(url: str, digest: str) -> bool:
        return known.get(url) == digest

    return unchanged
