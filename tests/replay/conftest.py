"""Fixtures for replay and access tests: one bag of the demo site per session (captured with the
capture library, extracted and bagged by the project's own code, no Prefect), and pywb."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from archive.capture.session import CaptureSession
from archive.capture.settings import CaptureSettings
from archive.errors import ArchiveError
from archive.package import BagInfo, build_bag
from archive.pipeline import extract_to_folder
from archive.replay.pywb import find_pywb
from archive_app.demo.server import DEMO_ARTICLES

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def demo_bag(demo_server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bag of the demo site: three editions plus the URL that redirects to the English one."""
    work = tmp_path_factory.mktemp("replay-demo")
    urls = [demo_server.url(p) for p in DEMO_ARTICLES] + [demo_server.url("/old/amnesty-or-disgrace")]

    async def capture() -> None:
        async with CaptureSession(work / "capture", CaptureSettings(per_host_delay=0.0)) as session:
            for url in urls:  # one at a time: the same requisites are then revisits, not races
                await session.capture_article(url)

    asyncio.run(capture())
    warcs = sorted((work / "capture").glob("*.warc.gz"))
    extraction = extract_to_folder(warcs, work / "metadata")
    info = BagInfo(source_organization="replay tests", external_identifier="replay-demo",
                   external_description="the demo site, for replay tests")
    return build_bag(work / "bag", warcs=warcs, metadata=extraction.files, info=info)


@pytest.fixture(scope="session")
def pywb_python() -> Path:
    try:
        return find_pywb()
    except ArchiveError as exc:
        pytest.skip(f"pywb is not installed ({exc.message}); `make install` builds .venv-pywb")


@pytest.fixture(scope="session")
def replay_server(demo_bag, pywb_python):
    """pywb replaying the demo bag on a free port of 127.0.0.1 (one for the whole session)."""
    from archive.replay.pywb import ReplayServer
    from archive.replay.sources import open_sources

    with ReplayServer(open_sources([demo_bag]), port=0) as server:
        yield server
