"""Response bodies kept for the browser: what it asked for, as the session received it.

The session records every exchange raw in the WARC and then drops the body; the browser still
needs it to render. Bodies are copied (streamed) to files in a private temporary folder, and
handed to the browser decoded (the WARC keeps the bytes as the server sent them).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from archive.capture.fetch import Exchange
from archive.content import decode_bytes

# Headers that describe framing or encoding the browser does not get (it gets the decoded body).
DROPPED_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding",
                             "x-archive-orig-transfer-encoding"})


# Set while the session fetches for the browser (intercept.py): those bodies are always kept.
serving_browser: ContextVar[bool] = ContextVar("serving_browser", default=False)


@dataclass(frozen=True)
class KeptBody:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    path: Path
    encoding: str | None

    def browser_headers(self) -> list[dict[str, str]]:
        return [{"name": k, "value": v} for k, v in self.headers if k.lower() not in DROPPED_HEADERS]

    def decoded(self, limit: int) -> bytes:
        """The body with its Content-Encoding undone, at most ``limit`` bytes. Raises
        ContentDecodingError for a corrupt body or a bomb."""
        with self.path.open("rb") as fh:
            raw = fh.read(limit)
        return decode_bytes(raw, self.encoding, limit=limit)


class BodyStore:
    """URL -> the last body the session received for it: every body fetched for the browser, and
    those ``wanted`` says to keep of the others."""

    def __init__(self, wanted: Callable[[Exchange], bool]) -> None:
        self._wanted = wanted
        self._dir = Path(tempfile.mkdtemp(prefix="archive-bodies-"))
        self._kept: dict[str, KeptBody] = {}

    def keep(self, exchange: Exchange) -> None:
        if not (serving_browser.get() or self._wanted(exchange)):
            return
        path = self._dir / hashlib.sha256(exchange.url.encode("utf-8", "surrogatepass")).hexdigest()
        exchange.body.seek(0)
        with path.open("wb") as out:
            shutil.copyfileobj(exchange.body, out, 1024 * 1024)
        exchange.body.seek(0)
        self._kept[exchange.url] = KeptBody(exchange.status, exchange.reason, tuple(exchange.headers), path,
                                            exchange.header("content-encoding"))

    def get(self, url: str) -> KeptBody | None:
        return self._kept.get(url)

    def close(self) -> None:
        self._kept.clear()
        shutil.rmtree(self._dir, ignore_errors=True)
