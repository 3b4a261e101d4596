"""Browser capture tests: Debian's Chromium, driven by the library itself. Skipped, with the
reason, when it is not installed (`.ci/run` installs it)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.capture.session import ArticleResult, CaptureSession
from archive.capture.settings import CaptureSettings

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (`.ci/run` does) to run browser capture tests")


def capture(out: Path, urls: Sequence[str], **settings: object) -> list[ArticleResult]:
    """Capture ``urls`` in one session (generous page deadline: the machine may be busy)."""
    chosen = CaptureSettings(**{"browser_page_timeout": 120.0, **settings})  # type: ignore[arg-type]

    async def run() -> list[ArticleResult]:
        async with CaptureSession(out, chosen) as session:
            return list(await asyncio.gather(*(session.capture_article(u) for u in urls)))

    return asyncio.run(run())


def records(out: Path) -> list[tuple[str, str, dict[str, str], bytes]]:
    """(type, target URI, WARC headers, payload) of every record in ``out``'s WARCs."""
    found = []
    for path in sorted(out.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                headers = dict(rec.rec_headers.headers)
                found.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI") or "", headers,
                              rec.content_stream().read()))
    return found
