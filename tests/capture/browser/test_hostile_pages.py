"""Hostile pages are bounded by the page's deadline, its request budget and the DOM bound, and
recorded as what they are: the article's metadata record says what was cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.demo.server import DemoServer
from tests.capture.browser.conftest import capture, records
from tests.capture.browser.hostile_site import write

PAGE_TIMEOUT = 20.0  # the bound under test; the pages below would otherwise never end


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory):
    with DemoServer(write(tmp_path_factory.mktemp("hostile"))) as server:
        yield server


def _meta(out: Path, url: str) -> str:
    [meta] = [body.decode() for kind, uri, _, body in records(out) if kind == "metadata" and uri == url]
    return meta


def test_hostile_pages_are_bounded_and_recorded(hostile_server, tmp_path: Path) -> None:
    names = ["loop.html", "dialogs.html", "iframes.html", "busy.html", "bigdom.html"]
    urls = [hostile_server.url(n) for n in names]
    results = capture(tmp_path, urls, capture_mode="browser", browser_page_timeout=PAGE_TIMEOUT,
                      max_article_requests=200, browser_max_dom_chars=1024 * 1024, respect_robots=False)
    by_name = dict(zip(names, results, strict=True))
    assert all(r.ok and r.mode == "browser" and r.record_id for r in results), [r.as_dict() for r in results]

    loop = _meta(tmp_path, urls[0])
    assert "browser-note: the load event did not fire" in loop or "browser-note: behaviours stopped" in loop

    dialogs = _meta(tmp_path, urls[1])
    assert "browser-note: blocked 1000 dialogs and 500 new windows" in dialogs
    assert not any("/win" in uri for _, uri, _, _ in records(tmp_path))

    iframes = by_name["iframes.html"]
    assert any("request limit" in f.reason or "max_article_requests" in f.reason for f in iframes.failures), iframes.failures
    assert iframes.requisites <= 200

    busy = by_name["busy.html"]
    assert any("did not go quiet" in n for n in busy.notes) or any("max_article_requests" in f.reason for f in busy.failures), (busy.notes, busy.failures)

    big = _meta(tmp_path, urls[4])
    # cut at the bound, or (on a machine too busy to serialise 50 MB in time) not taken: never whole
    assert "browser-note: rendered DOM cut at 1048576 of" in big or "browser-note: rendered DOM not taken" in big
    doms = [body for kind, uri, _, body in records(tmp_path) if kind == "resource" and uri == f"urn:rendered-dom:{urls[4]}"]
    assert all(len(dom) <= 4 * 1024 * 1024 for dom in doms)
