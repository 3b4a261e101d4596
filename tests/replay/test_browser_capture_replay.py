"""Browser-captured JavaScript pages replay whole: pywb serves the bag, headless Chromium loads
each demo JS page from it (scrolling the endless list to its end), and every image the live
page showed is shown again, with no request leaving 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.capture.session import CaptureSession
from archive.capture.settings import CaptureSettings
from archive.package import BagInfo, build_bag
from archive.pipeline import extract_to_folder
from archive_app.demo.jspages import JS_PAGES
from tests.capture.browser.conftest import records
from tests.replay.test_browser import chromium  # noqa: F401 - the fixture

# Scroll to the end of a page that may grow, then wait for its images; the counts as JSON.
SHOW_ALL = """
(async () => {
  const root = document.scrollingElement || document.documentElement;
  const pause = ms => new Promise(r => setTimeout(r, ms));
  let last = -1, settled = 0;
  for (let i = 0; i < 60 && settled < 3; i++) {
    window.scrollBy(0, window.innerHeight);
    await pause(250);
    const bottom = window.scrollY + window.innerHeight >= root.scrollHeight - 2;
    settled = bottom && root.scrollHeight === last ? settled + 1 : 0;
    last = root.scrollHeight;
  }
  const imgs = [...document.images];
  await Promise.all(imgs.map(img => img.complete ? null :
      new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); })));
  return JSON.stringify({total: imgs.length, shown: imgs.filter(i => i.naturalWidth > 0).length,
                         broken: imgs.filter(i => i.naturalWidth <= 0).map(i => i.currentSrc || i.src)});
})()
"""


@pytest.fixture(scope="module")
def js_bag(demo_server, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A bag of the JS demo pages captured in browser mode, and how many images each showed live."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("/usr/bin/chromium not found: install Debian's chromium to run browser capture tests")
    work = tmp_path_factory.mktemp("replay-js")
    urls = [demo_server.url(p) for p in JS_PAGES]

    async def capture() -> dict[str, int]:
        settings = CaptureSettings(capture_mode="browser", browser_page_timeout=120.0)
        async with CaptureSession(work / "capture", settings) as session:
            results = [await session.capture_article(u) for u in urls]
        assert all(r.mode == "browser" and r.ok for r in results)
        return {u: 0 for u in urls}

    live = asyncio.run(capture())
    warcs = sorted((work / "capture").glob("*.warc.gz"))
    for kind, uri, _, body in records(work / "capture"):  # what the live page showed, counted in the browser
        if kind == "metadata" and uri in live:
            line = next(x for x in body.decode().splitlines() if x.startswith("images-shown: "))
            live[uri] = int(line.split()[1])
    extraction = extract_to_folder(warcs, work / "metadata")
    info = BagInfo(source_organization="replay tests", external_identifier="replay-js",
                   external_description="the demo site's JavaScript pages, captured in a browser")
    return build_bag(work / "bag", warcs=warcs, metadata=extraction.files, info=info), live


def test_every_image_shown_live_is_shown_in_replay(chromium, js_bag, pywb_python) -> None:  # noqa: F811
    from archive.replay.pywb import ReplayServer
    from archive.replay.sources import open_sources

    bag, live = js_bag
    requested: list[str] = []
    chromium.call("Network.enable")
    chromium.call("Page.enable")
    with ReplayServer(open_sources([bag]), port=0) as server:
        for page, shown_live in live.items():
            assert shown_live > 0, page
            chromium.call("Page.navigate", url=server.url_for(page))
            chromium.wait_event("Page.loadEventFired", timeout=60)
            requested += [e["params"]["request"]["url"] for e in chromium.events
                          if e.get("method") == "Network.requestWillBeSent"]
            chromium.events.clear()  # the next page's load event must be its own
            counts = json.loads(chromium.call("Runtime.evaluate", expression=SHOW_ALL, awaitPromise=True,
                                              returnByValue=True, timeout=120)["result"]["value"])
            assert counts["shown"] >= shown_live and not counts["broken"], (page, counts, shown_live)
        requested += [e["params"]["request"]["url"] for e in chromium.events if e.get("method") == "Network.requestWillBeSent"]
    outside = [u for u in requested if urlsplit(u).scheme in ("http", "https", "ws", "wss")
               and urlsplit(u).hostname != "127.0.0.1"]
    assert not outside, f"requests left 127.0.0.1: {outside}"
