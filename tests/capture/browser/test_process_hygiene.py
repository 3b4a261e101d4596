"""No Chromium is left behind: after a normal end, Ctrl-C, SIGTERM or SIGKILL of the capture;
and the session's one browser is restarted after a crash or past its memory bound."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.capture.browser.process import group_members
from archive.capture.session import CaptureSession
from archive.capture.settings import CaptureSettings
from archive_app.demo.server import DemoServer
from tests.capture.browser.hostile_site import write

REPO = Path(__file__).resolve().parents[3]
GONE_WITHIN = 60.0  # generous: a busy machine may take a while to reap a browser's processes

# A capture of a page that never goes quiet, with a page deadline far beyond the test: it is
# still running when the signal comes. Prints the browser's process id once one runs.
CHILD = """
import asyncio, sys
from pathlib import Path
from archive.capture.session import CaptureSession
from archive.capture.settings import CaptureSettings

async def main():
    settings = CaptureSettings(capture_mode="browser", browser_page_timeout=3600.0, respect_robots=False)
    async with CaptureSession(Path(sys.argv[2]), settings) as session:
        task = asyncio.ensure_future(session.capture_article(sys.argv[1]))
        while session.browser is None or session.browser.pid is None:
            await asyncio.sleep(0.05)
        print(session.browser.pid, flush=True)
        await task

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def busy_page(tmp_path_factory: pytest.TempPathFactory):
    with DemoServer(write(tmp_path_factory.mktemp("hostile"))) as server:
        yield server.url("/busy.html")


def _wait_gone(pgid: int) -> list[int]:
    deadline = time.monotonic() + GONE_WITHIN
    while (left := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_no_browser_left_after_the_capture_is_killed(busy_page: str, tmp_path: Path, sig: signal.Signals) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, busy_page, str(tmp_path / "out")], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line.strip().isdigit(), child.stderr.read() if child.stderr else ""
        pgid = int(line)
        time.sleep(1.0)  # let the page start loading: the browser has renderers by now
        assert group_members(pgid), "the browser should be running before the signal"
        os.kill(child.pid, sig)
        child.wait(timeout=GONE_WITHIN)
        assert _wait_gone(pgid) == [], f"browser processes left after {sig.name}"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_normal_end_leaves_no_browser_and_a_crash_or_memory_bound_restarts_it(demo_server, tmp_path: Path) -> None:
    pages = [demo_server.url(p) for p in ("/js/article.html", "/js/gallery.html", "/js/article.html")]
    settings = CaptureSettings(capture_mode="browser", browser_page_timeout=120.0)

    async def run() -> tuple[list[bool], list[str], list[int]]:
        async with CaptureSession(tmp_path / "out", settings) as session:
            first = await session.capture_article(pages[0])
            assert session.browser is not None and session.browser.pid is not None
            crashed = session.browser.pid
            os.killpg(crashed, signal.SIGKILL)  # the browser crashes between two articles
            await asyncio.sleep(0.5)
            second = await session.capture_article(pages[1])
            session.browser.settings = settings.replace(browser_memory_bytes=1)  # every page is over it now
            third = await session.capture_article(pages[2])
            fourth = await session.capture_article(pages[1])
            pids = [crashed, session.browser.pid or 0]
            restarts = list(session.browser.restarts)
            modes = [r.mode == "browser" and r.ok for r in (first, second, third, fourth)]
        return modes, restarts, pids

    modes, restarts, pids = asyncio.run(run())
    assert modes == [True] * 4
    assert restarts[0].startswith("the browser crashed")
    assert any("browser_memory_bytes" in r for r in restarts[1:])
    assert all(_wait_gone(pid) == [] for pid in pids)
