"""Hostile pages are bounded by the page's deadline, its request budget and the DOM bound, and
recorded as what they are: the article's metadata record says what was cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive_app.demo.server import DemoServer
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


def test_pages_that_never_settle_end_at_the_page_deadline(hostile_server, tmp_path: Path) -> None:
    urls = [hostile_server.url(n) for n in ("loop.html", "busy.html")]
    loop, busy = capture(tmp_path, urls, capture_mode="browser", browser_page_timeout=PAGE_TIMEOUT,
                         max_article_requests=100_000, respect_robots=False)
    assert all(r.ok and r.mode == "browser" and r.record_id for r in (loop, busy)), [loop.to_json(), busy.to_json()]
    stopped = ("the load event did not fire", "behaviours stopped")
    assert any(n.startswith(stopped) for n in loop.notes), loop.notes
    assert "browser-note: " + loop.notes[0] in _meta(tmp_path, urls[0])  # recorded, not only reported
    assert any("did not go quiet" in n for n in busy.notes), busy.notes


def test_storms_iframes_and_a_huge_dom_are_bounded_and_recorded(hostile_server, tmp_path: Path) -> None:
    names = ["dialogs.html", "iframes.html", "bigdom.html"]
    urls = [hostile_server.url(n) for n in names]
    dialogs, iframes, big = capture(tmp_path, urls, capture_mode="browser", max_article_requests=200,
                                    browser_max_dom_chars=1024 * 1024, respect_robots=False)
    assert all(r.ok and r.mode == "browser" and r.record_id for r in (dialogs, iframes, big))

    assert "browser-note: blocked 1000 dialogs and 500 new windows" in _meta(tmp_path, urls[0])
    assert not any("/win" in uri for _, uri, _, _ in records(tmp_path))

    assert any("max_article_requests" in f.reason for f in iframes.failures), iframes.failures
    assert iframes.requisites <= 200

    meta = _meta(tmp_path, urls[2])
    # cut at the bound, or (on a machine too busy to serialise 50 MB in time) not taken: never whole
    assert "browser-note: rendered DOM cut at 1048576 of" in meta or "browser-note: rendered DOM not taken" in meta
    doms = [body for kind, uri, _, body in records(tmp_path) if kind == "resource" and uri == f"urn:rendered-dom:{urls[2]}"]
    assert all(len(dom) <= 4 * 1024 * 1024 for dom in doms)
